"""Training runs: the list, a run's page (status, timings, hyperparameters, the loss and
validation-loss curve per epoch or boosting round, logs; live while it runs, through an
htmx part polled every 2 s), cancel for editors, and starting a training from a template.
"""

import json
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, FieldError, NotFound, ValidationError
from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.settings import Settings
from urutiq_ai.crud import service as crud
from urutiq_ai.registry import service as registry
from urutiq_ai.registry.schemas import AIModelRead
from urutiq_ai.tenancy.deps import IdPath, SessionDep, require_roles
from urutiq_ai.training import service as training
from urutiq_ai.training.schemas import AIModelTrainingRunDetail, RunStatus, TrainRequest
from urutiq_ai.training.templates import TEMPLATES
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

LIVE_STATUSES = frozenset({"queued", "running"})
MAX_POINTS = 1000  # a curve longer than this is thinned (the last point is always kept)
FORM_FIELDS = (
    "template",
    "modelName",
    "runName",
    "hyperparameters",
    "validationSplit",
    "randomState",
    "description",
)
DONE = {"cancelled": "Cancel requested: the run stops at its next epoch."}


@router.get("/training-runs")
def runs_list(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    company = request.state.company_id
    page = list_page(
        session,
        ctx,
        training.TRAINING_RUNS,
        request.query_params,
        base_url=f"/companies/{company}/training-runs",
    )
    return render(
        request,
        "training/list.html",
        page=page,
        models=_models_of(session, ctx, [run.model_id for run in page.items]),
        statuses=[s.value for s in RunStatus],
        can_act=ctx.role in EDITORS,
    )


@router.get("/training-runs/new")
def new_run_form(
    request: Request,
    ctx: WebCompany,
    template: Annotated[str | None, Query(max_length=255)] = None,
) -> Response:
    require_roles(ctx, EDITORS, "train models")
    values = dict.fromkeys(FORM_FIELDS, "")
    values["template"] = template if template in TEMPLATES else next(iter(TEMPLATES))
    return _form(request, values, {})


@router.post("/training-runs/new")
def start_run(request: Request, session: SessionDep, ctx: WebCompany, form: Csrf) -> Response:
    """Start a training from a template (with the form's overrides); its run's page next."""
    require_roles(ctx, EDITORS, "train models")
    values = {name: _text(form, name) for name in FORM_FIELDS}
    data, errors = parse_train_form(values)
    if data is None:
        return _form(request, values, errors, status_code=422)
    settings: Settings = request.app.state.settings
    try:
        _, run = training.start_training(session, ctx, data=data, sources_dir=settings.sources)
    except ValidationError as exc:
        session.rollback()
        return _form(request, values, service_errors(exc.fields, exc.detail), status_code=422)
    except AppError as exc:
        session.rollback()
        return _form(request, values, {}, status_code=exc.status_code, error=exc.detail)
    url = f"/companies/{request.state.company_id}/training-runs/{run.id}"
    return RedirectResponse(url, status_code=303)


@router.get("/training-runs/{id}")
def run_page(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    run_id: IdPath,
    done: Annotated[str | None, Query(max_length=32)] = None,
) -> Response:
    return _run_page(request, session, ctx, run_id, flash=DONE.get(done or ""))


@router.get("/training-runs/{id}/live")
def run_live(request: Request, session: SessionDep, ctx: WebCompany, run_id: IdPath) -> Response:
    """The part of the run page that changes while it runs (polled by htmx every 2 s), and
    the model's badge out of band: the job turns the model ``active`` or ``failed`` as the
    run ends, and the badge sits above this part, in the model's card."""
    run = training.run_detail(session, ctx, run_id)
    model = AIModelRead.model_validate(registry.get_model(session, ctx, run.model_id))
    return render(
        request, "training/_live.html", model=model, oob=True, **_live_context(request, ctx, run)
    )


@router.post("/training-runs/{id}/cancel")
def cancel_run(
    request: Request, session: SessionDep, ctx: WebCompany, run_id: IdPath, _form: Csrf
) -> Response:
    require_roles(ctx, EDITORS, "cancel training runs")
    try:
        training.cancel_run(session, ctx, run_id=run_id)
    except NotFound:
        raise
    except AppError as exc:
        session.rollback()
        return _run_page(
            request, session, ctx, run_id, error=exc.detail, status_code=exc.status_code
        )
    url = f"/companies/{request.state.company_id}/training-runs/{run_id}?done=cancelled"
    return RedirectResponse(url, status_code=303)


def _models_of(session: Session, ctx: TenantContext, ids: list[str]) -> dict[str, Any]:
    """The model versions of a page of runs, by id, in one bounded read."""
    if not ids:
        return {}
    rows = crud.newest_rows(session, ctx, registry.MODELS, limit=len(ids), id=sorted(set(ids)))
    return {row.id: row for row in rows}


def _run_page(
    request: Request,
    session: Session,
    ctx: TenantContext,
    run_id: str,
    *,
    flash: str | None = None,
    error: str | None = None,
    status_code: int = 200,
) -> Response:
    run = training.run_detail(session, ctx, run_id)
    model = AIModelRead.model_validate(registry.get_model(session, ctx, run.model_id))
    return render(
        request,
        "training/detail.html",
        status_code=status_code,
        model=model,
        flash=flash,
        error=error,
        **_live_context(request, ctx, run),
    )


def _live_context(
    request: Request, ctx: TenantContext, run: AIModelTrainingRunDetail
) -> dict[str, Any]:
    base = f"/companies/{request.state.company_id}/training-runs/{run.id}"
    return {
        "run": run,
        "base": base,
        "models_url": f"/companies/{request.state.company_id}/models",
        "live": run.status.value in LIVE_STATUSES,
        "can_act": ctx.role in EDITORS,
        "curve": loss_chart(run.training_metrics, run.validation_metrics),
    }


def curve_points(metrics: Any) -> list[dict[str, float]]:
    """``[{"epoch": 1, "loss": 0.5}, …]`` (as training writes them; ``step``/``round`` and
    ``value`` are read too, a bare list of numbers is indexed from 1) -> chart points."""
    if isinstance(metrics, dict):
        metrics = metrics.get("loss") or next(
            (v for v in metrics.values() if isinstance(v, list)), []
        )
    points = []
    for i, item in enumerate(metrics if isinstance(metrics, list) else [], start=1):
        if isinstance(item, dict):
            x = item.get("epoch", item.get("step", item.get("round", i)))
            y = item.get("loss", item.get("value"))
        else:
            x, y = i, item
        if isinstance(x, int | float) and isinstance(y, int | float) and not isinstance(y, bool):
            points.append({"x": x, "y": y})
    if len(points) > MAX_POINTS:
        step = -(-len(points) // MAX_POINTS)
        points = points[::step] + ([points[-1]] if (len(points) - 1) % step else [])
    return points


def loss_chart(training_metrics: Any, validation_metrics: Any) -> dict[str, Any]:
    """The loss and validation-loss curves of a run as one Chart.js line chart."""
    series = (
        ("training loss", curve_points(training_metrics), "#1f5fbf"),
        ("validation loss", curve_points(validation_metrics), "#d9480f"),
    )
    return {
        "type": "line",
        "data": {
            "datasets": [
                {
                    "label": label,
                    "data": points,
                    "borderColor": colour,
                    "backgroundColor": colour,
                    "pointRadius": 0 if len(points) > 60 else 2,
                }
                for label, points, colour in series
                if points
            ]
        },
        "options": {
            "parsing": True,
            "scales": {
                "x": {"type": "linear", "title": {"display": True, "text": "epoch / round"}},
                "y": {"title": {"display": True, "text": "loss"}},
            },
        },
    }


# -- the start form --------------------------------------------------------------------


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _form(
    request: Request,
    values: dict[str, str],
    errors: dict[str, str],
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    return render(
        request,
        "training/new.html",
        status_code=status_code,
        values=values,
        errors=errors,
        error=error,
        templates=TEMPLATES,
    )


def parse_hyperparameters(text: str) -> dict[str, Any]:
    """``name=value`` lines (values read as JSON, else as text), or one JSON object."""
    if not text:
        return {}
    if text.startswith("{"):
        try:
            parsed = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"not a JSON object: {exc.msg}") from exc
        if not isinstance(parsed, dict):
            raise ValueError("expected a JSON object")
        return parsed
    params: dict[str, Any] = {}
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        name, sep, raw = line.partition("=")
        if not sep or not name.strip():
            raise ValueError(f"line {number}: expected name=value, got {line.strip()!r}")
        try:
            params[name.strip()] = json.loads(raw.strip())
        except json.JSONDecodeError:
            params[name.strip()] = raw.strip()
    return params


def parse_train_form(values: dict[str, str]) -> tuple[TrainRequest | None, dict[str, str]]:
    """The form as a TrainRequest, or None and the problems by form field."""
    errors: dict[str, str] = {}
    data: dict[str, Any] = {}
    if values["template"] not in TEMPLATES:
        errors["template"] = f"choose one of {', '.join(sorted(TEMPLATES))}"
    data["template"] = values["template"]
    for field, key in (("modelName", "model_name"), ("runName", "run_name")):
        if values[field]:
            data[key] = values[field]
    if values["description"]:
        data["description"] = values["description"]
    try:
        if values["hyperparameters"]:
            data["hyperparameters"] = parse_hyperparameters(values["hyperparameters"])
    except ValueError as exc:
        errors["hyperparameters"] = str(exc)
    for field, key, kind in (
        ("validationSplit", "validation_split", float),
        ("randomState", "random_state", int),
    ):
        if values[field]:
            try:
                data[key] = kind(values[field])
            except ValueError:
                errors[field] = f"expected {'a number' if kind is float else 'a whole number'}"
    try:
        request = TrainRequest.model_validate(data)
    except PydanticError as exc:
        for item in exc.errors():
            field = to_camel(str(item["loc"][0])) if item["loc"] else "template"
            errors.setdefault(field if field in FORM_FIELDS else "template", item["msg"])
        return None, errors
    return (None, errors) if errors else (request, {})


def service_errors(fields: list[FieldError], detail: str) -> dict[str, str]:
    """The service's field errors placed on the form's fields (``hyperparameters.x`` on
    the hyperparameters box; what the template sets, such as its columns, on the template)."""
    errors: dict[str, str] = {}
    for item in fields:
        head, _, rest = item.field.partition(".")
        if head in FORM_FIELDS:
            message = f"{rest}: {item.reason}" if rest else item.reason
            errors[head] = f"{errors[head]}; {message}" if head in errors else message
        else:
            message = f"{item.field}: {item.reason}"
            errors["template"] = (
                f"{errors['template']}; {message}" if "template" in errors else message
            )
    return errors or {"template": detail}
