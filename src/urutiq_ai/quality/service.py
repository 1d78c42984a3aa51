"""Data-quality results are measurements: kept as history, never deleted."""

from urutiq_ai.crud.resource import Resource
from urutiq_ai.quality.models import AIDataQuality
from urutiq_ai.quality.schemas import AIDataQualityCreate, AIDataQualityRead, AIDataQualityUpdate

DATA_QUALITY = Resource(
    path="data-quality",
    model=AIDataQuality,
    create_schema=AIDataQualityCreate,
    update_schema=AIDataQualityUpdate,
    read_schema=AIDataQualityRead,
    filters=("quality_metric", "status", "table_name", "column_name"),
)
