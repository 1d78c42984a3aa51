"""Data-quality results are measurements: kept as history, never deleted."""

from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.crud.resource import Resource
from urutiq_ai.quality.models import AIDataQuality
from urutiq_ai.quality.repository import QualityRepository
from urutiq_ai.quality.schemas import AIDataQualityCreate, AIDataQualityRead, AIDataQualityUpdate

DATA_QUALITY = Resource(
    path="data-quality",
    model=AIDataQuality,
    create_schema=AIDataQualityCreate,
    update_schema=AIDataQualityUpdate,
    read_schema=AIDataQualityRead,
    filters=("quality_metric", "status", "table_name", "column_name"),
)


def latest_results(session: Session, ctx: TenantContext) -> list[AIDataQuality]:
    """The newest result of each check (table, column and dimension), for a board."""
    return QualityRepository(session, ctx).latest_per_check()


def daily_counts(
    session: Session, ctx: TenantContext, *, since: datetime
) -> list[tuple[str, Any, int, int]]:
    """Per day and dimension since ``since``: how many results, how many passing."""
    return QualityRepository(session, ctx).daily_counts(since)
