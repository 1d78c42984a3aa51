from typing import Any

from sqlalchemy import Boolean, Index, true
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.config.schemas import ConfigType
from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned


class AIConfig(Base, CompanyOwned):
    """AI system configuration (prompts, categories, behaviour, industry) of a company."""

    __tablename__ = "AIConfig"
    __table_args__ = (Index(None, "tenant_id", "company_id", "config_type", "is_active"),)

    config_type: Mapped[ConfigType] = mapped_column(
        enum_type(ConfigType, "configType"), nullable=False
    )
    config_data: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
