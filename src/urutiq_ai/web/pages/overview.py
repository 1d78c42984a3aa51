"""A company at a glance: models by status, latest training runs, open violations, drift
alerts and pipeline health."""

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session
from starlette.responses import Response

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud import service as crud
from urutiq_ai.crud.resource import Resource
from urutiq_ai.governance.service import VIOLATIONS
from urutiq_ai.monitoring.service import DRIFT_DETECTIONS
from urutiq_ai.pipelines.service import PIPELINE_RUNS, PIPELINES
from urutiq_ai.registry.service import MODELS
from urutiq_ai.tenancy.deps import SessionDep
from urutiq_ai.training.service import TRAINING_RUNS
from urutiq_ai.web.auth import WebCompany
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}", include_in_schema=False)

OPEN_VIOLATIONS = ["open", "investigating"]


def latest(
    session: Session,
    ctx: TenantContext,
    res: Resource,
    *,
    limit: int = 5,
    sort: str = "createdAt",
    **equals: Any,
) -> list[Any]:
    """The newest ``limit`` rows of ``res`` matching ``equals``, as read schemas."""
    rows = crud.newest_rows(session, ctx, res, limit=limit, sort=sort, **equals)
    return [res.read_schema.model_validate(row) for row in rows]


def model_names(session: Session, ctx: TenantContext, ids: set[str | None]) -> dict[str, str]:
    """``name version`` of each model id (a handful: the rows a card shows), in one read.

    Rows a user writes may name no model (``modelId`` is optional): such ids are skipped,
    and the card shows the row without a model."""
    wanted = sorted(i for i in ids if i)
    if not wanted:
        return {}
    rows = crud.newest_rows(session, ctx, MODELS, limit=len(wanted), id=wanted)
    return {row.id: f"{row.model_name} {row.model_version}" for row in rows}


@router.get("")
def overview(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    models_by_status = crud.count_rows(session, ctx, MODELS, "status")
    open_by_severity: dict[str, int] = {}
    for status in OPEN_VIOLATIONS:
        for severity, count in crud.count_rows(
            session, ctx, VIOLATIONS, "severity", status=status
        ).items():
            open_by_severity[severity] = open_by_severity.get(severity, 0) + count
    runs_by_status = crud.count_rows(session, ctx, PIPELINE_RUNS, "status")
    drift_alerts = latest(session, ctx, DRIFT_DETECTIONS, status=["detected", "warning"])
    return render(
        request,
        "overview.html",
        models_by_status=models_by_status,
        model_count=sum(models_by_status.values()),
        latest_runs=latest(session, ctx, TRAINING_RUNS),
        open_violations=latest(session, ctx, VIOLATIONS, status=OPEN_VIOLATIONS),
        open_by_severity=open_by_severity,
        drift_alerts=drift_alerts,
        model_names=model_names(session, ctx, {d.model_id for d in drift_alerts}),
        pipelines=latest(session, ctx, PIPELINES, limit=8),
        pipeline_runs=latest(session, ctx, PIPELINE_RUNS, limit=5),
        runs_by_status=runs_by_status,
    )
