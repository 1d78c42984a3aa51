"""Every seed entity this system exposes, in one list (API, SDK paths, CLI, tests), our
supporting resources, and the scheduler's tickers.

Importing this module also maps every table, which Alembic and the app need.
"""

from fastapi import APIRouter

from urutiq_ai.alerts.router import router as alerts_router
from urutiq_ai.alerts.service import ALERTS, WEBHOOK_DELIVERIES, WEBHOOKS
from urutiq_ai.config.router import router as config_router
from urutiq_ai.config.service import CONFIGS
from urutiq_ai.core.ledger import models as ledger_models
from urutiq_ai.core.ledger.recovery import dispatch_due_jobs, recover_lost_jobs
from urutiq_ai.core.scheduler import Ticker
from urutiq_ai.crud.jobs import JOBS
from urutiq_ai.crud.resource import Resource
from urutiq_ai.deployments.checks import check_due_deployments
from urutiq_ai.deployments.resources import DEPLOYMENT_REVISIONS, DEPLOYMENTS
from urutiq_ai.deployments.router import router as deployments_router
from urutiq_ai.experiments.router import router as experiments_router
from urutiq_ai.experiments.service import EXPERIMENTS
from urutiq_ai.explainability.router import router as explainability_router
from urutiq_ai.explainability.service import FEATURE_IMPORTANCES
from urutiq_ai.feedback.router import router as feedback_router
from urutiq_ai.feedback.service import FEEDBACK
from urutiq_ai.governance.checks import evaluate_due_policies
from urutiq_ai.governance.router import router as governance_router
from urutiq_ai.governance.service import POLICIES, POLICY_EVALUATIONS, VIOLATIONS
from urutiq_ai.monitoring.router import router as monitoring_router
from urutiq_ai.monitoring.scheduling import MONITOR_RUNS, MONITORS, fire_due_monitors
from urutiq_ai.monitoring.service import DRIFT_DETECTIONS, PERFORMANCE_METRICS
from urutiq_ai.pipelines.router import router as pipelines_router
from urutiq_ai.pipelines.scheduling import fire_due_pipelines
from urutiq_ai.pipelines.service import PIPELINE_RUNS, PIPELINES
from urutiq_ai.predictions.retention import purge_expired_records
from urutiq_ai.predictions.router import router as predictions_router
from urutiq_ai.predictions.service import PREDICTIONS
from urutiq_ai.quality.router import router as quality_router
from urutiq_ai.quality.service import DATA_QUALITY
from urutiq_ai.registry.router import router as registry_router
from urutiq_ai.registry.service import MODELS
from urutiq_ai.tenancy import models as tenancy_models
from urutiq_ai.training.router import router as training_router
from urutiq_ai.training.service import TRAINING_RUNS

RESOURCES: tuple[Resource, ...] = (
    MODELS,
    TRAINING_RUNS,
    PREDICTIONS,
    FEATURE_IMPORTANCES,
    PIPELINES,
    PIPELINE_RUNS,
    DATA_QUALITY,
    PERFORMANCE_METRICS,
    DRIFT_DETECTIONS,
    FEEDBACK,
    EXPERIMENTS,
    DEPLOYMENTS,
    POLICIES,
    VIOLATIONS,
    CONFIGS,
)

SUPPORT_RESOURCES: tuple[Resource, ...] = (
    MONITORS,
    MONITOR_RUNS,
    ALERTS,
    WEBHOOKS,
    WEBHOOK_DELIVERIES,
    JOBS,
    DEPLOYMENT_REVISIONS,
    POLICY_EVALUATIONS,
)
"""Our own supporting tables served the same way: monitors and their runs, alerts,
webhooks and their delivery log, the job ledger and deployment revisions (read-only)."""

BY_PATH = {res.path: res for res in RESOURCES}

TICKERS: tuple[Ticker, ...] = (
    recover_lost_jobs,  # first: a recovered job must not wait a tick to be dispatched
    dispatch_due_jobs,
    fire_due_monitors,
    fire_due_pipelines,
    check_due_deployments,
    evaluate_due_policies,
    purge_expired_records,  # the retention of predictions, once a day
)
"""What the scheduler fires when due (see ``urutiq_ai.core.scheduler``)."""

# Domain verbs beside the CRUD routes, mounted under /companies/{companyId}.
DOMAIN_ROUTERS: tuple[APIRouter, ...] = (
    registry_router,
    training_router,
    predictions_router,
    explainability_router,
    monitoring_router,
    quality_router,
    alerts_router,
    pipelines_router,
    deployments_router,
    experiments_router,
    feedback_router,
    config_router,
    governance_router,
)

__all__ = [
    "BY_PATH",
    "RESOURCES",
    "SUPPORT_RESOURCES",
    "TICKERS",
    "ledger_models",
    "tenancy_models",
]
