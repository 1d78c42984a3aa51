"""Monitoring starts the retraining loop: drift found, or a performance decline, retrains the
model into a challenger with an experiment against it (``feedback.learning``), when the
company's behavior configuration asks for it (``retrainOnDrift``, ``retrainOnDecline``).

What counts:

* drift: data drift of the inputs as a whole (the data-set row of a data-drift check is
  ``detected``) or concept drift ``detected``; one drifted feature alone does not retrain;
* decline: the newest window of the model's quality metric (accuracy for classification,
  MAE for regression, f1 otherwise) has the trend ``declining``; latency does not count.

A retraining that cannot start (no stored spec, unreadable data) leaves nothing behind,
never fails the check that triggered it, and is written to the audit log as
``retrain_skipped`` with the reason.
"""

import logging
from collections.abc import Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session

from urutiq_ai.config import service as config_service
from urutiq_ai.config.schemas import BehaviorConfig, ConfigType
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import settings_of
from urutiq_ai.core.errors import AppError
from urutiq_ai.feedback.schemas import RetrainStarted
from urutiq_ai.monitoring.models import AIDriftDetection, AIPerformanceMetrics
from urutiq_ai.monitoring.schemas import DriftStatus, DriftType, MetricType, Trend
from urutiq_ai.tenancy import service as tenancy_service

if TYPE_CHECKING:
    from urutiq_ai.registry.models import AIModel

logger = logging.getLogger("urutiq_ai.monitoring")

QUALITY_METRIC = {
    "classification": MetricType.accuracy,
    "regression": MetricType.mae,
}


def after_drift(
    session: Session, ctx: TenantContext, model: "AIModel", rows: Sequence[AIDriftDetection]
) -> RetrainStarted | None:
    """Retrain ``model`` if the check found data drift of its inputs as a whole or concept
    drift, and the behavior configuration says ``retrainOnDrift``."""
    behavior = _behavior(session, ctx, model)
    if behavior is None or not behavior.retrain_on_drift:
        return None
    reasons = [
        _drift_reason(row)
        for row in rows
        if row.status == DriftStatus.detected
        and (
            row.drift_type == DriftType.concept_drift
            or (row.drift_type == DriftType.data_drift and row.feature_name is None)
        )
    ]
    if not reasons:
        return None
    return _retrain(session, ctx, model, behavior, "drift", "; ".join(reasons))


def after_performance(
    session: Session, ctx: TenantContext, model: "AIModel", rows: Sequence[AIPerformanceMetrics]
) -> RetrainStarted | None:
    """Retrain ``model`` if the newest window of its quality metric is declining and the
    behavior configuration says ``retrainOnDecline``."""
    behavior = _behavior(session, ctx, model)
    if behavior is None or not behavior.retrain_on_decline:
        return None
    metric = QUALITY_METRIC.get(model.model_type.value, MetricType.f1)
    windows = [row for row in rows if row.metric_type == metric]
    if not windows:
        return None
    newest = max(windows, key=lambda row: row.metric_date)
    if newest.trend != Trend.declining:
        return None
    reason = (
        f"{metric.value} declined from {newest.comparison_value:.4g} to "
        f"{newest.metric_value:.4g} in the {newest.time_window.value if newest.time_window else ''}"
        f" window of {newest.metric_date:%Y-%m-%d}"
        if newest.comparison_value is not None
        else f"{metric.value} declining"
    )
    return _retrain(session, ctx, model, behavior, "performance", reason)


def _drift_reason(row: AIDriftDetection) -> str:
    what = row.drift_type.value.replace("_", " ")
    score = f" (score {row.drift_score:.3g})" if row.drift_score is not None else ""
    return f"{what} detected{score}"


def _behavior(session: Session, ctx: TenantContext, model: "AIModel") -> BehaviorConfig | None:
    behavior = config_service.active_settings(
        session, ctx, ConfigType.behavior, company_id=model.company_id
    )
    return behavior if isinstance(behavior, BehaviorConfig) else None


def _retrain(
    session: Session,
    ctx: TenantContext,
    model: "AIModel",
    behavior: BehaviorConfig,
    origin: str,
    reason: str,
) -> RetrainStarted | None:
    from urutiq_ai.feedback import learning  # pandas: loaded when a retraining is due

    try:
        with learning.undo_on_error(session):
            return learning.retrain_on_signal(
                session,
                ctx,
                model,
                origin=origin,
                reason=reason,
                sources_dir=settings_of(session).sources,
                cooldown=timedelta(hours=behavior.retrain_cooldown_hours),
            )
    except AppError as exc:
        logger.warning("retraining %s on %s skipped: %s", model.id, origin, exc.detail)
        tenancy_service.record_audit(
            session,
            ctx,
            action="retrain_skipped",
            row=model,
            company_id=model.company_id,
            after={"origin": origin, "reason": reason, "skipped": exc.detail},
        )
        return None
