"""Data-quality verbs beside the data-quality CRUD: run declared checks now."""

from typing import Annotated

from fastapi import APIRouter, Depends, Request, status

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import WRITERS
from urutiq_ai.quality.rules import QualityRunRequest
from urutiq_ai.quality.schemas import QualityRunResult
from urutiq_ai.tenancy.deps import SessionDep, company_role

router = APIRouter(tags=["data-quality"])
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "run quality checks"))]


@router.post(
    "/quality-checks", response_model=QualityRunResult, status_code=status.HTTP_201_CREATED
)
def run_quality_checks(
    request: Request, session: SessionDep, ctx: Writer, data: QualityRunRequest
) -> QualityRunResult:
    """Run data-quality checks on the company's tables or files now; each result is stored
    as an AIDataQuality row (unless ``store`` is false)."""
    # checks load pandas: import them on first use, not at start-up.
    from urutiq_ai.quality import checks

    return checks.run_checks(session, ctx, data, sources_dir=request.app.state.settings.sources)
