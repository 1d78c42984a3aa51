"""Models: the registry's list with its filters, and the model page (metrics, versions side
by side, feature importance, predictions with their outcomes, performance over time, drift
per feature, deployments and experiments), with promote / deprecate for editors.

Everything on the model page is read from pre-aggregated or bounded rows (performance
metrics, the newest drift detections, one keyset page of predictions), so it costs the
same with a million stored predictions as with a hundred.
"""

import re
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session
from starlette.responses import HTMLResponse, RedirectResponse, Response

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, NotFound
from urutiq_ai.crud import service as crud
from urutiq_ai.deployments.resources import DEPLOYMENT_REVISIONS, DEPLOYMENTS
from urutiq_ai.experiments.service import EXPERIMENTS
from urutiq_ai.explainability.service import FEATURE_IMPORTANCES
from urutiq_ai.ml.drift_scores import compared_of, format_score, meaning_of
from urutiq_ai.monitoring import service as monitoring
from urutiq_ai.monitoring.schemas import DriftStatus, TimeWindow
from urutiq_ai.monitoring.service import DRIFT_DETECTIONS
from urutiq_ai.predictions.service import PREDICTIONS
from urutiq_ai.registry import service as registry
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import AIModelRead, ModelStatus, ModelType
from urutiq_ai.tenancy.deps import IdPath, SessionDep, require_roles
from urutiq_ai.training.service import TRAINING_RUNS
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages.overview import latest
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

PALETTE = ("#1f5fbf", "#d9480f", "#2b8a3e", "#862e9c", "#c92a2a", "#5c940d", "#495057")
DRIFT_COLOURS = {  # cell background, by status (text stays dark on each)
    DriftStatus.normal: "#c9ecd6",
    DriftStatus.warning: "#ffe08a",
    DriftStatus.detected: "#f4a097",
}
DRIFT_ROWS = 400  # newest detections read for the heat map
DRIFT_WINDOWS = 12  # time windows (columns) shown
DONE = {
    "promoted": "Version promoted: it is now the current one.",
    "deprecated": "Version retired.",
}
_COMPLETED = re.compile(r"^completed: (.+)$", re.MULTILINE)


@router.get("/models")
def models_list(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    company = request.state.company_id
    page = list_page(
        session, ctx, registry.MODELS, request.query_params, base_url=f"/companies/{company}/models"
    )
    return render(
        request,
        "models/list.html",
        page=page,
        statuses=[s.value for s in ModelStatus],
        model_types=[t.value for t in ModelType],
    )


@router.get("/models/{id}")
def model_page(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    model_id: IdPath,
    compare: Annotated[str | None, Query(max_length=64)] = None,
    fi: Annotated[str | None, Query(max_length=32)] = None,
    window: Annotated[TimeWindow, Query()] = TimeWindow.weekly,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    model = registry.get_model(session, ctx, model_id)
    return _render_model(
        request,
        session,
        ctx,
        model,
        compare=compare,
        fi=fi,
        window=window,
        flash=DONE.get(done or ""),
    )


@router.get("/models/{id}/card")
def model_card_page(session: SessionDep, ctx: WebCompany, model_id: IdPath) -> Response:
    """The model card (purpose, data, metrics, limits) as its own printable page."""
    from urutiq_ai.governance import model_card as cards  # Jinja2 environment: on first use

    return HTMLResponse(cards.render_html(cards.model_card(session, ctx, model_id=model_id)))


@router.post("/models/{id}/promote")
def promote(
    request: Request, session: SessionDep, ctx: WebCompany, model_id: IdPath, _form: Csrf
) -> Response:
    require_roles(ctx, EDITORS, "promote models")
    return _act(request, session, ctx, model_id, registry.promote, "promoted")


@router.post("/models/{id}/deprecate")
def deprecate(
    request: Request, session: SessionDep, ctx: WebCompany, model_id: IdPath, _form: Csrf
) -> Response:
    require_roles(ctx, EDITORS, "deprecate models")
    return _act(request, session, ctx, model_id, registry.deprecate, "deprecated")


def _act(
    request: Request,
    session: Session,
    ctx: TenantContext,
    model_id: str,
    verb: Any,
    done: str,
) -> Response:
    """Run ``verb``; back to the page with a message, or the page with the refusal (409)."""
    try:
        verb(session, ctx, model_id=model_id)
    except NotFound:
        raise
    except AppError as exc:
        session.rollback()
        model = registry.get_model(session, ctx, model_id)
        return _render_model(
            request, session, ctx, model, error=exc.detail, status_code=exc.status_code
        )
    url = f"/companies/{request.state.company_id}/models/{model_id}?done={done}"
    return RedirectResponse(url, status_code=303)


def _render_model(
    request: Request,
    session: Session,
    ctx: TenantContext,
    model: AIModel,
    *,
    compare: str | None = None,
    fi: str | None = None,
    window: TimeWindow = TimeWindow.weekly,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    company = request.state.company_id
    base = f"/companies/{company}/models/{model.id}"
    runs = latest(session, ctx, TRAINING_RUNS, model_id=[model.id])
    return render(
        request,
        "models/detail.html",
        status_code=status_code,
        model=AIModelRead.model_validate(model),
        base=base,
        flash=flash,
        error=error,
        can_act=ctx.role in EDITORS,
        metrics=_model_metrics(model),
        trained=_training_metrics(runs),
        runs=runs,
        **_versions(session, ctx, model, compare),
        **_importances(session, ctx, model, fi),
        **_performance(session, ctx, model, window),
        heat=drift_heatmap(
            latest(session, ctx, DRIFT_DETECTIONS, limit=DRIFT_ROWS, model_id=[model.id]),
            features=list(model.feature_columns or []),
        ),
        predictions=list_page(
            session,
            ctx,
            PREDICTIONS,
            request.query_params,
            base_url=base,
            fixed={"modelId": [model.id]},
        ),
        deployments=latest(session, ctx, DEPLOYMENTS, limit=100, model_id=[model.id]),
        revisions=latest(session, ctx, DEPLOYMENT_REVISIONS, limit=10, model_id=[model.id]),
        experiments=_experiments(session, ctx, model),
    )


def _model_metrics(model: AIModel) -> dict[str, float]:
    names = {"accuracy": "accuracy", "precision": "precision", "recall": "recall", "f1_score": "F1"}
    return {
        label: value for attr, label in names.items() if (value := getattr(model, attr)) is not None
    }


def _training_metrics(runs: list[Any]) -> dict[str, float]:
    """The validation figures the newest completed run logged (``completed: mae=…, r2=…``):
    regression and anomaly metrics have no AIModel column."""
    for run in runs:
        found = _COMPLETED.findall(run.logs or "")
        if found:
            pairs = (item.split("=", 1) for item in found[-1].split(", ") if "=" in item)
            out = {}
            for name, value in pairs:
                try:
                    out[name.strip()] = float(value)
                except ValueError:
                    continue
            return out
    return {}


def _versions(
    session: Session, ctx: TenantContext, model: AIModel, compare: str | None
) -> dict[str, Any]:
    """Every version of the model's name, and this one compared with another (by default
    the version before it)."""
    versions = latest(session, ctx, registry.MODELS, limit=50, model_name=[model.model_name])
    others = [v for v in versions if v.id != model.id]
    ids = [v.id for v in versions]
    chosen = next((v for v in others if v.id == compare), None)
    if chosen is None and others:
        here = ids.index(model.id) if model.id in ids else 0
        older = list(versions[here + 1 :])
        chosen = older[0] if older else others[0]
    comparison = (
        registry.compare_versions(session, ctx, left_id=chosen.id, right_id=model.id)
        if chosen is not None
        else None
    )
    return {"versions": versions, "other_versions": others, "comparison": comparison}


def _importances(
    session: Session, ctx: TenantContext, model: AIModel, method: str | None
) -> dict[str, Any]:
    rows = latest(session, ctx, FEATURE_IMPORTANCES, limit=200, model_id=[model.id])
    methods = sorted({r.method.value for r in rows})
    if method not in methods:
        method = "permutation" if "permutation" in methods else (methods[0] if methods else None)
    shown = sorted((r for r in rows if r.method.value == method), key=lambda r: -r.importance)
    shown = shown[:25]
    config = {
        "type": "bar",
        "data": {
            "labels": [r.feature_name for r in shown],
            "datasets": [
                {
                    "label": f"importance ({method})",
                    "data": [round(r.importance, 6) for r in shown],
                    "backgroundColor": PALETTE[0],
                }
            ],
        },
        "options": {"indexAxis": "y", "plugins": {"legend": {"display": False}}},
    }
    return {"fi_rows": shown, "fi_methods": methods, "fi_method": method, "fi_chart": config}


def _performance(
    session: Session, ctx: TenantContext, model: AIModel, window: TimeWindow
) -> dict[str, Any]:
    """The metrics stored per window (oldest first) as one line chart, and each metric's
    newest value with its trend against the window before."""
    rows = monitoring.performance_history(session, ctx, model=model, time_window=window)
    dates = sorted({row.metric_date.date().isoformat() for row in rows})
    series: dict[str, dict[str, float]] = {}
    newest: dict[str, Any] = {}
    for row in rows:
        metric = row.metric_type.value
        series.setdefault(metric, {})[row.metric_date.date().isoformat()] = row.metric_value
        newest[metric] = row
    datasets = [
        {
            "label": metric + (" (ms)" if metric == "latency" else ""),
            "data": [values.get(day) for day in dates],
            "borderColor": PALETTE[i % len(PALETTE)],
            "backgroundColor": PALETTE[i % len(PALETTE)],
            "spanGaps": True,
            "yAxisID": "y1" if metric == "latency" else "y",
            **({"borderDash": [4, 4]} if metric == "latency" else {}),
        }
        for i, (metric, values) in enumerate(sorted(series.items()))
    ]
    scales: dict[str, Any] = {"y": {"position": "left"}}
    if "latency" in series:
        scales["y1"] = {"position": "right", "grid": {"drawOnChartArea": False}}
    config = {
        "type": "line",
        "data": {"labels": dates, "datasets": datasets},
        "options": {"scales": scales},
    }
    return {
        "perf_chart": config,
        "perf_latest": [newest[m] for m in sorted(newest)],
        "perf_window": window.value,
        "windows": [w.value for w in TimeWindow],
    }


def _experiments(session: Session, ctx: TenantContext, model: AIModel) -> list[Any]:
    """Experiments that compare this version (as baseline or candidate) or that it came from."""
    compared = latest(session, ctx, EXPERIMENTS, limit=20, baseline_model=[model.id])
    compared += latest(session, ctx, EXPERIMENTS, limit=20, current_model=[model.id])
    found = {e.id: e for e in compared}
    if model.experiment_id and model.experiment_id not in found:
        try:
            origin = crud.get_row(session, ctx, EXPERIMENTS, model.experiment_id)
            found[origin.id] = EXPERIMENTS.read_schema.model_validate(origin)
        except NotFound:
            pass
    return sorted(found.values(), key=lambda e: e.created_at, reverse=True)


def drift_cell(row: Any, status: DriftStatus) -> dict[str, Any]:
    """One detection as shown: its verdict (and colour), its statistic's name, value and
    the rule that judges it (e.g. ``KS p-value 0.0006``, ``detected when p < 0.05``)."""
    analysis = row.analysis if isinstance(row.analysis, dict) else {}
    score = meaning_of(analysis, row.threshold)
    return {
        "score": row.drift_score,
        "shown": format_score(row.drift_score, analysis.get("method")),
        "threshold": row.threshold,
        "statistic": score.short,
        "statistic_name": score.name,
        "rule": score.rule,
        "status": status.value,
        "colour": DRIFT_COLOURS[status],
    }


def _with_compared(label: str, compared: str | None) -> str:
    """A text feature's label says what stands for it (``description (text: word shares)``)."""
    return f"{label} ({compared})" if compared else label


def _row_label(row: Any) -> tuple[int, str]:
    kind = row.drift_type.value
    if kind == "data_drift":
        return (1, row.feature_name) if row.feature_name else (0, "all features (share drifted)")
    if kind == "label_drift":
        return 2, f"label: {row.feature_name or 'prediction'}"
    return 3, "concept (error rate)"


def _window_of(row: Any) -> datetime:
    """The end of the window a detection covers (its check's), else when it was stored."""
    window = row.analysis.get("window") if isinstance(row.analysis, dict) else None
    if isinstance(window, dict) and isinstance(window.get("to"), str):
        try:
            return datetime.fromisoformat(window["to"])
        except ValueError:
            pass
    moment: datetime = row.created_at
    return moment


def drift_heatmap(rows: list[Any], *, features: list[str]) -> dict[str, Any]:
    """Drift detections as a table: one row per feature (plus the dataset, label and concept
    rows), one column per checked window (oldest left), each cell the status (its colour)
    and the score with its statistic and rule: a p-value drifts when low, a distance when
    high, so a bare number would mislead."""
    cells: dict[tuple[int, str], dict[str, Any]] = {}
    windows: dict[str, datetime] = {}
    compared: dict[tuple[int, str], str] = {}
    for row in sorted(rows, key=lambda r: r.created_at):
        moment = _window_of(row)
        key = moment.isoformat(timespec="minutes")
        windows[key] = moment
        status = DriftStatus(row.status)
        label = _row_label(row)
        cells.setdefault(label, {})[key] = drift_cell(row, status)
        what = compared_of(row.analysis)
        if what is not None and what.startswith("text"):
            compared[label] = what
    columns = sorted(windows)[-DRIFT_WINDOWS:]
    order = {name: i for i, name in enumerate(features)}
    labels = sorted(cells, key=lambda k: (k[0], order.get(k[1], len(order)), k[1]))
    return {
        "columns": [(key, windows[key]) for key in columns],
        "rows": [
            (
                _with_compared(label[1], compared.get(label)),
                [cells[label].get(key) for key in columns],
            )
            for label in labels
        ],
        "legend": {status.value: colour for status, colour in DRIFT_COLOURS.items()},
    }
