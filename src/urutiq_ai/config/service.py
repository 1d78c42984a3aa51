"""Configuration rows are kept as history: deactivate one instead of deleting it."""

from urutiq_ai.config.models import AIConfig
from urutiq_ai.config.schemas import AIConfigCreate, AIConfigRead, AIConfigUpdate
from urutiq_ai.crud.resource import Resource

CONFIGS = Resource(
    path="configs",
    model=AIConfig,
    create_schema=AIConfigCreate,
    update_schema=AIConfigUpdate,
    read_schema=AIConfigRead,
    filters=("config_type", "is_active"),
)
