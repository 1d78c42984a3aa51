"""Dashboard pages: pipelines (schedule, last run), one pipeline (config, runs, records per
run), one run (counts, step metrics, rejects, logs; refreshed every 2 s while it runs), and
the actions "Run now", "Backfill" and "Cancel" through the services the API's verbs use."""

from typing import Any

from fastapi import APIRouter, Request
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, NotFound
from urutiq_ai.crud import service as crud
from urutiq_ai.pipelines import service as pipelines
from urutiq_ai.pipelines.runs import cancel_run, start_backfill, start_run
from urutiq_ai.pipelines.schemas import (
    AIDataPipelineRead,
    AIDataPipelineRunRead,
    PipelineBackfill,
    PipelineStatus,
    PipelineType,
    RunStatus,
)
from urutiq_ai.pipelines.service import PIPELINE_RUNS, PIPELINES
from urutiq_ai.tenancy.deps import IdPath, SessionDep, require_roles
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages.overview import latest
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

CHART_RUNS = 30
REJECTS_SHOWN = 50
DONE = {
    "queued": "Run queued: it appears below and refreshes until it ends.",
    "backfill": "Backfill queued: it appears below and refreshes until it ends.",
    "cancelled": "Run cancelled: nothing it did was written.",
}

ERRORS = {"ended": "This run has already ended: only a running run can be cancelled."}


def _base(ctx: TenantContext) -> str:
    (company_id,) = ctx.company_ids
    return f"/companies/{company_id}"


@router.get("/pipelines")
def pipeline_list(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    page = list_page(
        session, ctx, PIPELINES, request.query_params, base_url=f"{_base(ctx)}/pipelines"
    )
    last = pipelines.last_runs(session, ctx, [p.id for p in page.items])
    return render(
        request,
        "pipelines/list.html",
        page=page,
        last_runs={pid: AIDataPipelineRunRead.model_validate(r) for pid, r in last.items()},
        statuses=[s.value for s in PipelineStatus],
        types=[t.value for t in PipelineType],
    )


@router.get("/pipelines/{id}")
def pipeline_detail(
    request: Request, session: SessionDep, ctx: WebCompany, pipeline_id: IdPath
) -> Response:
    return _detail(request, session, ctx, pipeline_id)


def _detail(
    request: Request,
    session: Session,
    ctx: TenantContext,
    pipeline_id: str,
    *,
    status_code: int = 200,
    error: str | None = None,
    form_errors: dict[str, str] | None = None,
    form_values: dict[str, str] | None = None,
) -> Response:
    pipeline = AIDataPipelineRead.model_validate(crud.get_row(session, ctx, PIPELINES, pipeline_id))
    base_url = f"{_base(ctx)}/pipelines/{pipeline_id}"
    runs = list_page(
        session,
        ctx,
        PIPELINE_RUNS,
        request.query_params,
        base_url=base_url,
        fixed={"pipeline_id": [pipeline_id]},
    )
    recent = latest(session, ctx, PIPELINE_RUNS, limit=CHART_RUNS, pipeline_id=[pipeline_id])
    return render(
        request,
        "pipelines/detail.html",
        status_code=status_code,
        pipeline=pipeline,
        runs=runs,
        records_chart=records_chart(list(reversed(recent))),
        can_act=ctx.role in EDITORS,
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        form_errors=form_errors or {},
        form_values=form_values or {},
        run_statuses=[s.value for s in RunStatus],
    )


def records_chart(runs: list[Any]) -> dict[str, Any] | None:
    """Records processed (left axis) and failed (right axis) per run, oldest first."""
    if not runs:
        return None
    return {
        "type": "line",
        "data": {
            "labels": [_label(run.start_time or run.created_at) for run in runs],
            "datasets": [
                {"label": "Records processed", "data": [r.records_processed for r in runs]},
                {
                    "label": "Records failed",
                    "data": [r.records_failed for r in runs],
                    "yAxisID": "failed",
                },
            ],
        },
        "options": {
            "scales": {
                "y": {"beginAtZero": True, "title": {"display": True, "text": "processed"}},
                "failed": {
                    "beginAtZero": True,
                    "position": "right",
                    "grid": {"drawOnChartArea": False},
                    "title": {"display": True, "text": "failed"},
                },
            }
        },
    }


def _label(moment: Any) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment is not None else "–"


@router.post("/pipelines/{id}/run")
def run_now(
    request: Request, session: SessionDep, ctx: WebCompany, _form: Csrf, pipeline_id: IdPath
) -> Response:
    """Queue a run (the API's ``POST pipelines/{id}/run``) and show it; a refusal (a run
    still going: 409, no source or target: 422) is shown on the pipeline's page."""
    require_roles(ctx, EDITORS, "run pipelines")
    try:
        run = start_run(session, ctx, pipeline_id)
    except NotFound:
        raise
    except AppError as exc:
        session.rollback()
        return _detail(
            request,
            session,
            ctx,
            pipeline_id,
            status_code=exc.status_code,
            error=f"The run was not started: {exc.detail}",
        )
    return RedirectResponse(f"{_base(ctx)}/pipeline-runs/{run.id}?done=queued", status_code=303)


@router.post("/pipelines/{id}/backfill")
def backfill(
    request: Request, session: SessionDep, ctx: WebCompany, form: Csrf, pipeline_id: IdPath
) -> Response:
    """Queue a backfill over ``from <= watermark < to`` (the API's ``backfill`` verb)."""
    require_roles(ctx, EDITORS, "run pipelines")
    values = {k: str(form.get(k) or "") for k in ("from", "to")}
    try:
        data = PipelineBackfill.model_validate({k: v or None for k, v in values.items()})
        run = start_backfill(session, ctx, pipeline_id, data)
    except PydanticError as exc:
        errors = {str(e["loc"][0]) if e["loc"] else "to": e["msg"] for e in exc.errors()}
        return _refused(request, session, ctx, pipeline_id, 422, errors, values)
    except NotFound:
        raise
    except AppError as exc:
        errors = {f.field: f.reason for f in exc.fields} or {"form": exc.detail}
        shown = {k: v for k, v in errors.items() if k in values} or {"form": exc.detail}
        return _refused(request, session, ctx, pipeline_id, exc.status_code, shown, values)
    return RedirectResponse(f"{_base(ctx)}/pipeline-runs/{run.id}?done=backfill", status_code=303)


def _refused(
    request: Request,
    session: Session,
    ctx: TenantContext,
    pipeline_id: str,
    status_code: int,
    errors: dict[str, str],
    values: dict[str, str],
) -> Response:
    session.rollback()  # nothing of a refused action is kept
    return _detail(
        request,
        session,
        ctx,
        pipeline_id,
        status_code=status_code,
        error="The backfill was not started: see the form below.",
        form_errors=errors,
        form_values=values,
    )


@router.get("/pipeline-runs/{id}")
def run_detail(request: Request, session: SessionDep, ctx: WebCompany, run_id: IdPath) -> Response:
    run = AIDataPipelineRunRead.model_validate(crud.get_row(session, ctx, PIPELINE_RUNS, run_id))
    pipeline = AIDataPipelineRead.model_validate(
        crud.get_row(session, ctx, PIPELINES, run.pipeline_id)
    )
    rejects, reject_total = pipelines.run_rejects(session, ctx, run_id=run_id, limit=REJECTS_SHOWN)
    metrics: dict[str, Any] = run.metrics if isinstance(run.metrics, dict) else {}
    steps = _dicts(metrics.get("steps"))
    template = "pipelines/_run_live.html" if request.headers.get("HX-Request") else None
    flash = request.query_params.get("done")
    return render(
        request,
        template or "pipelines/run.html",
        run=run,
        pipeline=pipeline,
        steps=steps,
        checks=_dicts(metrics.get("checks")),
        extra={k: v for k, v in metrics.items() if k not in ("steps", "checks")},
        steps_chart=steps_chart(steps),
        rejects=rejects,
        reject_total=reject_total,
        error=run_error(run.logs),
        live=run.status == RunStatus.running,
        can_act=ctx.role in EDITORS,
        done=DONE.get(flash or ""),
        error_message=ERRORS.get(request.query_params.get("error") or ""),
    )


def _dicts(value: Any) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def steps_chart(steps: list[dict[str, Any]]) -> dict[str, Any] | None:
    """Rows into and out of each step, in order."""
    if not steps:
        return None
    return {
        "type": "bar",
        "data": {
            "labels": [f"{i + 1}. {s.get('step', '?')}" for i, s in enumerate(steps)],
            "datasets": [
                {"label": "Rows in", "data": [s.get("rowsIn", 0) for s in steps]},
                {"label": "Rows out", "data": [s.get("rowsOut", 0) for s in steps]},
            ],
        },
        "options": {"scales": {"y": {"beginAtZero": True}}},
    }


def run_error(logs: str | None) -> str | None:
    """The reason a run failed: its log lines from the first ``failed:`` on."""
    if not logs:
        return None
    lines = logs.splitlines()
    for index, line in enumerate(lines):
        if line.startswith("failed:"):
            return "\n".join(lines[index:]).removeprefix("failed:").strip()
    return None


@router.post("/pipeline-runs/{id}/cancel")
def cancel(session: SessionDep, ctx: WebCompany, _form: Csrf, run_id: IdPath) -> Response:
    """Cancel a running run (the API's ``cancel`` verb); a finished one: the reason shown."""
    require_roles(ctx, EDITORS, "run pipelines")
    target = f"{_base(ctx)}/pipeline-runs/{run_id}"
    try:
        cancel_run(session, ctx, run_id)
    except NotFound:
        raise
    except AppError:
        session.rollback()
        return RedirectResponse(f"{target}?error=ended", status_code=303)
    return RedirectResponse(f"{target}?done=cancelled", status_code=303)
