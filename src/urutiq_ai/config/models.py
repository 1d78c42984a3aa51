from typing import Any

from sqlalchemy import Boolean, Index, Integer, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.config.types import ConfigType
from urutiq_ai.core.db import Base, JSONValue, enum_type
from urutiq_ai.core.models import CompanyOwned

ACTIVE = text('"isActive"')  # tenancy: global - a partial index's predicate (DDL)


class AIConfig(Base, CompanyOwned):
    """AI system configuration (prompts, categories, behaviour, industry) of a company.

    Every row is one version of a company's configuration of one type: ``version`` counts
    1, 2, 3... per company and type, rows are never edited (only their ``note`` and which
    one is active change) and never deleted. At most one version per company and type is
    active, which the database enforces (a partial unique index).
    """

    __tablename__ = "AIConfig"
    __table_args__ = (
        Index(None, "tenant_id", "company_id", "config_type", "is_active"),
        UniqueConstraint("tenant_id", "company_id", "config_type", "version"),
        Index(
            "uq_AIConfig_tenantId_companyId_configType_active",
            "tenant_id",
            "company_id",
            "config_type",
            unique=True,
            sqlite_where=ACTIVE,
            postgresql_where=ACTIVE,
        ),
    )

    config_type: Mapped[ConfigType] = mapped_column(
        enum_type(ConfigType, "configType"), nullable=False
    )
    config_data: Mapped[Any] = mapped_column(JSONValue, nullable=False)
    is_active: Mapped[bool] = mapped_column(
        Boolean, nullable=False, default=True, server_default=true()
    )
    # Not seed columns: the version's number, who wrote it and why.
    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1, server_default="1")
    created_by: Mapped[str | None] = mapped_column(String(64))
    note: Mapped[str | None] = mapped_column(Text)
