from datetime import datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import aliased

from urutiq_ai.core.repository import TenantRepository
from urutiq_ai.quality.models import AIDataQuality
from urutiq_ai.quality.schemas import QualityStatus


class QualityRepository(TenantRepository[AIDataQuality]):
    model = AIDataQuality

    def latest_per_check(self, limit: int = 1000) -> list[AIDataQuality]:
        """The newest result of each (table, column, dimension), at most ``limit``."""
        column = func.coalesce(AIDataQuality.column_name, "")
        ranked = (
            self.base_statement()
            .add_columns(
                func.row_number()
                .over(
                    partition_by=(AIDataQuality.table_name, column, AIDataQuality.quality_metric),
                    order_by=(AIDataQuality.created_at.desc(), AIDataQuality.id.desc()),
                )
                .label("rank")
            )
            .subquery()
        )
        newest = aliased(AIDataQuality, ranked)
        stmt = (
            select(newest)
            .where(ranked.c.rank == 1)
            .order_by(newest.table_name, newest.quality_metric, newest.column_name)
            .limit(limit)
        )
        return list(self.session.scalars(stmt))

    def daily_counts(self, since: datetime) -> list[tuple[str, Any, int, int]]:
        """Per day (``YYYY-MM-DD``, UTC) and dimension since ``since``: results, passing."""
        day = func.date(AIDataQuality.created_at)
        passed = func.sum(case((AIDataQuality.status == QualityStatus.passed, 1), else_=0))
        stmt = (
            select(day, AIDataQuality.quality_metric, func.count(), passed)
            .where(
                AIDataQuality.tenant_id == self.ctx.tenant_id,
                AIDataQuality.company_id.in_(self.ctx.company_ids),
                AIDataQuality.created_at >= since,
            )
            .group_by(day, AIDataQuality.quality_metric)
            .order_by(day)
        )
        return [
            (str(d), metric, int(total), int(ok or 0))
            for d, metric, total, ok in self.session.execute(stmt).all()
        ]
