"""The configuration types, apart from the schemas: the command line offers them as choices
without loading Pydantic. ``urutiq_ai.config.schemas`` re-exports them."""

from enum import StrEnum


class ConfigType(StrEnum):
    prompts = "prompts"
    categories = "categories"
    behavior = "behavior"
    industry = "industry"
