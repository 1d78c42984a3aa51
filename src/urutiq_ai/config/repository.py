from collections.abc import Sequence

from sqlalchemy import Select, func

from urutiq_ai.config.models import AIConfig
from urutiq_ai.config.schemas import ConfigType
from urutiq_ai.core.repository import TenantRepository


class ConfigRepository(TenantRepository[AIConfig]):
    """The versions of a company's configurations (always one company and type)."""

    model = AIConfig

    def _of(self, company_id: str, config_type: ConfigType) -> Select[AIConfig]:
        return self.base_statement().where(
            AIConfig.company_id == company_id, AIConfig.config_type == config_type
        )

    def latest_version(self, company_id: str, config_type: ConfigType) -> int:
        """The highest version number of the type (0 when there is none)."""
        stmt = self._of(company_id, config_type).with_only_columns(func.max(AIConfig.version))
        return int(self.session.execute(stmt).scalar() or 0)

    def active(self, company_id: str, config_type: ConfigType) -> AIConfig | None:
        stmt = self._of(company_id, config_type).where(AIConfig.is_active)
        return self.session.scalars(stmt.limit(1)).first()

    def history(self, company_id: str, config_type: ConfigType, limit: int) -> Sequence[AIConfig]:
        """The versions of the type, newest first."""
        stmt = self._of(company_id, config_type).order_by(AIConfig.version.desc())
        return self.scalars(stmt.limit(limit))
