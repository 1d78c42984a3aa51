"""Dashboard pages: monitoring. The monitors (schedule, last run, status) with "Run check
now", their runs (refreshed every 2 s while queued or running), drift detections and
alerts (with "Resolve"), through the services the API's verbs use."""

from typing import Any
from urllib.parse import parse_qsl, urlencode

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import RedirectResponse, Response

from urutiq_ai.alerts.schemas import AlertSeverity, AlertSource, AlertStatus, AlertUpdate
from urutiq_ai.alerts.service import ALERTS
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, NotFound
from urutiq_ai.crud import service as crud
from urutiq_ai.monitoring import scheduling
from urutiq_ai.monitoring.scheduling import MONITOR_RUNS, MONITORS
from urutiq_ai.monitoring.schemas import (
    DriftStatus,
    DriftType,
    MonitorKind,
    MonitorRead,
    MonitorRunRead,
    MonitorRunStatus,
    MonitorStatus,
)
from urutiq_ai.monitoring.service import DRIFT_DETECTIONS
from urutiq_ai.registry.service import MODELS
from urutiq_ai.tenancy.deps import IdPath, SessionDep, require_roles
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages.overview import latest
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

RECENT_RUNS = 10
FILTERS = ("status", "source", "severity")  # of the alerts list, kept after an action
UNFINISHED = (MonitorRunStatus.queued, MonitorRunStatus.running)
DONE = {
    "queued": "Check queued: it refreshes below until it ends.",
    "resolved": "Alert resolved.",
}


def _base(ctx: TenantContext) -> str:
    (company_id,) = ctx.company_ids
    return f"/companies/{company_id}"


def _model_names(session: Session, ctx: TenantContext) -> dict[str, str]:
    models = latest(session, ctx, MODELS, limit=200)
    return {m.id: f"{m.model_name} {m.model_version}" for m in models}


@router.get("/monitoring")
def monitoring(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    page = list_page(
        session, ctx, MONITORS, request.query_params, base_url=f"{_base(ctx)}/monitoring"
    )
    runs = latest(session, ctx, MONITOR_RUNS, limit=RECENT_RUNS)
    partial = bool(request.headers.get("HX-Request"))  # the runs' poll: the runs alone
    return render(
        request,
        "monitoring/_runs.html" if partial else "monitoring/monitors.html",
        page=page,
        runs=runs,
        names={m.id: m.name for m in page.items},
        models=_model_names(session, ctx),
        live=any(run.status in UNFINISHED for run in runs),
        open_alerts=crud.count_rows(session, ctx, ALERTS, "severity", status=AlertStatus.open),
        drift_counts=crud.count_rows(session, ctx, DRIFT_DETECTIONS, "status"),
        can_act=ctx.role in EDITORS,
        done=DONE.get(request.query_params.get("done", "")),
        kinds=[k.value for k in MonitorKind],
        statuses=[s.value for s in MonitorStatus],
    )


@router.post("/monitors/{id}/run")
def run_check_now(
    session: SessionDep, ctx: WebCompany, _form: Csrf, monitor_id: IdPath
) -> Response:
    """Queue a run of the monitor now (the API's ``POST monitors/{id}/run``) and show it."""
    require_roles(ctx, EDITORS, "run monitors")
    run = scheduling.run_now(session, ctx, monitor_id)
    return RedirectResponse(f"{_base(ctx)}/monitor-runs/{run.id}?done=queued", status_code=303)


@router.get("/monitor-runs/{id}")
def monitor_run(request: Request, session: SessionDep, ctx: WebCompany, run_id: IdPath) -> Response:
    run = MonitorRunRead.model_validate(crud.get_row(session, ctx, MONITOR_RUNS, run_id))
    monitor = MonitorRead.model_validate(crud.get_row(session, ctx, MONITORS, run.monitor_id))
    template = "monitoring/_run_live.html" if request.headers.get("HX-Request") else None
    return render(
        request,
        template or "monitoring/run.html",
        run=run,
        monitor=monitor,
        summary=run.summary if isinstance(run.summary, dict) else {},
        live=run.status in UNFINISHED,
        can_act=ctx.role in EDITORS,
        done=DONE.get(request.query_params.get("done", "")),
    )


@router.get("/monitoring/drift")
def drift_detections(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    page = list_page(
        session,
        ctx,
        DRIFT_DETECTIONS,
        request.query_params,
        base_url=f"{_base(ctx)}/monitoring/drift",
    )
    counts = {
        kind.value: crud.count_rows(session, ctx, DRIFT_DETECTIONS, "status", drift_type=kind)
        for kind in DriftType
    }
    return render(
        request,
        "monitoring/drift.html",
        page=page,
        models=_model_names(session, ctx),
        drift_chart=drift_chart(counts),
        types=[t.value for t in DriftType],
        statuses=[s.value for s in DriftStatus],
    )


def drift_chart(counts: dict[str, dict[str, int]]) -> dict[str, Any] | None:
    """Drift detections per kind, stacked by status."""
    kinds = [kind for kind, by_status in counts.items() if by_status]
    if not kinds:
        return None
    colors = {"normal": "#1d7a46", "warning": "#d29922", "detected": "#b42318"}
    return {
        "type": "bar",
        "data": {
            "labels": [kind.replace("_", " ") for kind in kinds],
            "datasets": [
                {
                    "label": status,
                    "data": [counts[kind].get(status, 0) for kind in kinds],
                    "backgroundColor": colors[status],
                }
                for status in ("normal", "warning", "detected")
            ],
        },
        "options": {
            "scales": {"x": {"stacked": True}, "y": {"stacked": True, "beginAtZero": True}}
        },
    }


@router.get("/monitoring/alerts")
def alerts(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    return _alerts(request, session, ctx)


def _alerts(
    request: Request,
    session: Session,
    ctx: TenantContext,
    *,
    status_code: int = 200,
    error: str | None = None,
) -> Response:
    page = list_page(
        session, ctx, ALERTS, request.query_params, base_url=f"{_base(ctx)}/monitoring/alerts"
    )
    return render(
        request,
        "monitoring/alerts.html",
        status_code=status_code,
        page=page,
        can_act=ctx.role in EDITORS,
        done=DONE.get(request.query_params.get("done", "")),
        error=error,
        statuses=[s.value for s in AlertStatus],
        sources=[s.value for s in AlertSource],
        severities=[s.value for s in AlertSeverity],
    )


@router.post("/alerts/{id}/resolve")
def resolve_alert(
    request: Request, session: SessionDep, ctx: WebCompany, form: Csrf, alert_id: IdPath
) -> Response:
    """Resolve an open alert (the API's ``PATCH alerts/{id}`` with ``status: resolved``);
    one already resolved: the reason shown on the alerts page (409)."""
    require_roles(ctx, EDITORS, "resolve alerts")
    try:
        crud.update_row(session, ctx, ALERTS, alert_id, AlertUpdate(status=AlertStatus.resolved))
    except NotFound:
        raise
    except AppError as exc:
        session.rollback()
        return _alerts(
            request,
            session,
            ctx,
            status_code=exc.status_code,
            error=f"The alert was not resolved: {exc.detail}",
        )
    kept = {k: v for k, v in parse_qsl(str(form.get("filters") or "")) if k in FILTERS}
    query = urlencode({**kept, "done": "resolved"})
    return RedirectResponse(f"{_base(ctx)}/monitoring/alerts?{query}", status_code=303)
