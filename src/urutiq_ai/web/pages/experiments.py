"""Dashboard pages: experiments with their verdicts and confidence intervals; evaluate one
now, and promote its challenger once it passed.

Everything shown comes from the experiment's stored ``results`` (written by ``evaluate``):
the page never scores a model itself.
"""

from collections.abc import Iterable, Mapping
from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.experiments import service
from urutiq_ai.experiments.models import AIExperiment
from urutiq_ai.experiments.schemas import EvaluateRequest, ExperimentPromote, ExperimentStatus
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy.deps import IdPath, SessionDep, require_roles
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.forms import form_text, posted
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages.deployments import deployment_url
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

MODES = ("both", "offline", "online")
METRIC_LABELS = {
    "accuracy": "Accuracy",
    "precision": "Precision",
    "recall": "Recall",
    "f1Score": "F1 score",
    "mae": "MAE",
    "rmse": "RMSE",
    "r2": "R²",
}
DONE = {
    "evaluated": "Evaluated now: the results and the verdict below are new.",
    "promoted": "The challenger was released into the deployment; the experiment is completed.",
    "promote_failed": "The challenger's revision failed its health check: the deployment "
    "goes on serving what it served.",
}


def _company(request: Request) -> str:
    return str(request.path_params["companyId"])


def _models(session: Session, ctx: TenantContext, ids: Iterable[str | None]) -> dict[str, Any]:
    found: dict[str, AIModel | None] = {}
    for model_id in ids:
        if model_id and model_id not in found:
            try:
                found[model_id] = registry_service.get_model(session, ctx, model_id)
            except AppError:
                found[model_id] = None
    return found


def verdict_of(results: Any) -> dict[str, Any]:
    """The verdict an evaluation wrote (empty before the first one)."""
    if not isinstance(results, Mapping):
        return {}
    verdict = results.get("verdict")
    return dict(verdict) if isinstance(verdict, Mapping) else {}


# --- the list -----------------------------------------------------------------------------


@router.get("/experiments")
def experiments_list(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    company_id = _company(request)
    page = list_page(
        session,
        ctx,
        service.EXPERIMENTS,
        request.query_params,
        base_url=f"/companies/{company_id}/experiments",
    )
    rows = [
        {
            "e": e,
            "verdict": verdict_of(e.results),
            "evaluated": (e.results or {}).get("evaluatedAt"),
        }
        for e in page.items
    ]
    ids = [i for e in page.items for i in (e.baseline_model, e.current_model)]
    return render(
        request,
        "experiments/list.html",
        section="experiments",
        page=page,
        rows=rows,
        models=_models(session, ctx, ids),
        statuses=[s.value for s in ExperimentStatus],
    )


# --- one experiment -----------------------------------------------------------------------


def _criteria(success_metrics: Any) -> list[dict[str, Any]]:
    """The declared criteria as rows: metric, kind and threshold."""
    items = success_metrics if isinstance(success_metrics, list) else [success_metrics]
    rows = []
    for item in items:
        if not isinstance(item, Mapping) or "metric" not in item:
            continue
        metric = str(item["metric"])
        if item.get("minImprovement") is not None:
            rows.append(
                {
                    "metric": metric,
                    "label": METRIC_LABELS.get(metric, metric),
                    "kind": "improvement target",
                    "rule": f"improves by at least {item['minImprovement']:+g}",
                }
            )
        if item.get("maxDegradation") is not None or item.get("guard"):
            allowed = item.get("maxDegradation", 0.01)
            rows.append(
                {
                    "metric": metric,
                    "label": METRIC_LABELS.get(metric, metric),
                    "kind": "guard",
                    "rule": f"degrades by no more than {allowed:g}",
                }
            )
    return rows


def _metric_rows(comparison: Any) -> list[dict[str, Any]]:
    """Per-metric results of one comparison (offline or online), in a stable order."""
    metrics = (comparison or {}).get("metrics") if isinstance(comparison, Mapping) else None
    if not isinstance(metrics, Mapping):
        return []
    order = list(METRIC_LABELS)
    names = sorted(metrics, key=lambda m: (order.index(m) if m in order else len(order), m))
    rows = []
    for name in names:
        m = metrics[name]
        if not isinstance(m, Mapping):
            continue
        rows.append({"name": name, "label": METRIC_LABELS.get(name, name), **m})
    return rows


def _ci_chart(rows: list[dict[str, Any]], basis: str) -> dict[str, Any] | None:
    """Improvement (current - baseline, signed so that up is better) of each metric as a
    bar, and its confidence interval as a floating bar."""
    points = []
    for row in rows:
        ci = row.get("improvementCi")
        value = row.get("improvement")
        if value is None or not isinstance(ci, list | tuple) or len(ci) != 2:
            continue
        points.append((row["label"], float(value), [float(ci[0]), float(ci[1])]))
    if not points:
        return None
    confidence = rows[0].get("confidence") or 0.95
    return {
        "type": "bar",
        "data": {
            "labels": [label for label, _, _ in points],
            "datasets": [
                {
                    "label": f"Improvement ({basis})",
                    "data": [round(value, 6) for _, value, _ in points],
                    "backgroundColor": "#1f5fbf",
                    "maxBarThickness": 48,
                },
                {
                    "label": f"{confidence:.0%} confidence interval",
                    "data": [[round(lo, 6), round(hi, 6)] for _, _, (lo, hi) in points],
                    "backgroundColor": "rgba(154, 103, 0, 0.35)",
                    "borderColor": "#9a6700",
                    "borderWidth": 1,
                    "maxBarThickness": 48,
                },
            ],
        },
        "options": {
            "scales": {"y": {"title": {"display": True, "text": "current − baseline (up: better)"}}}
        },
    }


def _deployment(session: Session, ctx: TenantContext, methodology: Any) -> Any:
    """The experiment's deployment (None when it names none or it is gone)."""
    deployment_id = None
    if isinstance(methodology, Mapping):
        deployment_id = methodology.get("deploymentId")
    if not deployment_id:
        return None
    try:
        return deployment_queries.get_deployment(session, ctx, str(deployment_id))
    except AppError:
        return None


def _detail(
    request: Request,
    session: Session,
    ctx: TenantContext,
    experiment: AIExperiment,
    *,
    status_code: int = 200,
    action: str | None = None,
    error: str | None = None,
    errors: Mapping[str, str] | None = None,
    form: Mapping[str, Any] | None = None,
) -> Response:
    company_id = _company(request)
    results = experiment.results if isinstance(experiment.results, Mapping) else {}
    offline = results.get("offline") or {}
    online = results.get("online") or {}
    verdict = verdict_of(results)
    offline_rows = _metric_rows(offline)
    online_rows = _metric_rows(online)
    chosen = online_rows if verdict.get("basis") == "online" and online_rows else offline_rows
    basis = "online" if chosen is online_rows and online_rows else "offline"
    deployment = _deployment(session, ctx, experiment.methodology)
    models = _models(session, ctx, [experiment.baseline_model, experiment.current_model])
    promoted = results.get("promoted") if isinstance(results.get("promoted"), Mapping) else None
    return render(
        request,
        "experiments/detail.html",
        status_code=status_code,
        section="experiments",
        e=experiment,
        here=f"/companies/{company_id}/experiments/{experiment.id}",
        results=results,
        offline=offline,
        online=online,
        verdict=verdict,
        criteria=_criteria(experiment.success_metrics),
        offline_rows=offline_rows,
        online_rows=online_rows,
        ci_chart=_ci_chart(chosen, basis),
        chart_basis=basis,
        baseline=models.get(experiment.baseline_model or ""),
        current=models.get(experiment.current_model or ""),
        deployment=deployment,
        deployment_link=(
            deployment_url(company_id, deployment.deployment_name, deployment.environment)
            if deployment
            else None
        ),
        promoted=promoted,
        can_act=ctx.role in EDITORS,
        can_promote=verdict.get("status") == "passed"
        and experiment.status == ExperimentStatus.active,
        modes=MODES,
        done=DONE.get(request.query_params.get("done", "")),
        action=action,
        action_error=error,
        errors=dict(errors or {}),
        form=form or {},
    )


@router.get("/experiments/{id}")
def experiment_page(
    request: Request, session: SessionDep, ctx: WebCompany, experiment_id: IdPath
) -> Response:
    experiment = service.get_experiment(session, ctx, experiment_id)
    return _detail(request, session, ctx, experiment)


# --- actions ------------------------------------------------------------------------------


def _refused(
    request: Request,
    session: Session,
    ctx: TenantContext,
    experiment_id: str,
    *,
    action: str,
    exc: AppError | None = None,
    fields: Mapping[str, str] | None = None,
    form: Mapping[str, Any] | None = None,
) -> Response:
    """The page again with why the action was refused; nothing it started is kept."""
    session.rollback()
    experiment = service.get_experiment(session, ctx, experiment_id)
    errors = dict(fields or {})
    status, message = 422, "Nothing was changed: correct the fields marked below."
    if exc is not None:
        status, message = exc.status_code, f"Nothing was changed: {exc.detail}"
        errors |= {f.field: f.reason for f in exc.fields if f.field in (form or {})}
    return _detail(
        request,
        session,
        ctx,
        experiment,
        status_code=status,
        action=action,
        error=message,
        errors=errors,
        form=form,
    )


def _back(request: Request, experiment_id: str, done: str) -> Response:
    url = f"/companies/{_company(request)}/experiments/{experiment_id}?done={done}"
    return RedirectResponse(url, status_code=303)


@router.post("/experiments/{id}/evaluate")
def evaluate(
    request: Request, session: SessionDep, ctx: WebCompany, form: Csrf, experiment_id: IdPath
) -> Response:
    """Compare the two models now (offline, online or both) and write the verdict."""
    require_roles(ctx, EDITORS, "evaluate experiments")
    experiment = service.get_experiment(session, ctx, experiment_id)
    values = {"mode": form_text(form, "mode") or "both"}
    try:
        data = EvaluateRequest.model_validate(values)
    except PydanticError as exc:
        fields = {"mode": "; ".join(e["msg"] for e in exc.errors())}
        return _refused(
            request, session, ctx, experiment.id, action="evaluate", fields=fields, form=values
        )
    settings = request.app.state.settings
    try:
        service.evaluate(
            session,
            ctx,
            experiment_id=experiment.id,
            data=data,
            store=ArtifactStore(settings.artifacts),
            sources_dir=settings.sources,
        )
    except AppError as exc:
        return _refused(
            request, session, ctx, experiment.id, action="evaluate", exc=exc, form=values
        )
    return _back(request, experiment.id, "evaluated")


@router.post("/experiments/{id}/promote")
def promote(
    request: Request, session: SessionDep, ctx: WebCompany, form: Csrf, experiment_id: IdPath
) -> Response:
    """Release the challenger into the experiment's deployment (once it passed)."""
    require_roles(ctx, EDITORS, "promote experiments")
    experiment = service.get_experiment(session, ctx, experiment_id)
    values = {"reason": form_text(form, "reason")}
    try:
        data = ExperimentPromote.model_validate(posted(values))
    except PydanticError as exc:
        fields = {"reason": "; ".join(e["msg"] for e in exc.errors())}
        return _refused(
            request, session, ctx, experiment.id, action="promote", fields=fields, form=values
        )
    try:
        change = service.promote(
            session,
            ctx,
            experiment_id=experiment.id,
            data=data,
            store=ArtifactStore(request.app.state.settings.artifacts),
        )
    except AppError as exc:
        return _refused(
            request, session, ctx, experiment.id, action="promote", exc=exc, form=values
        )
    done = "promoted" if change.revision.status.value == "active" else "promote_failed"
    return _back(request, experiment.id, done)
