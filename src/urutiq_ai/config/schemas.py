"""AIConfig on the wire."""

from enum import StrEnum

from pydantic import JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead, Json, RequestSchema


class ConfigType(StrEnum):
    prompts = "prompts"
    categories = "categories"
    behavior = "behavior"
    industry = "industry"


class AIConfigCreate(RequestSchema):
    config_type: ConfigType
    config_data: Json
    is_active: bool = True


class AIConfigUpdate(RequestSchema):
    config_data: Json | None = None
    is_active: bool | None = None


class AIConfigRead(CompanyOwnedRead):
    config_type: ConfigType
    config_data: JsonValue
    is_active: bool
