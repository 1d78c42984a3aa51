"""Page routers, one module per domain; each renders templates from ``web/templates``."""

from fastapi import APIRouter

from urutiq_ai.web.pages import (
    audit,
    auth,
    config,
    deployments,
    experiments,
    governance,
    models,
    monitoring,
    overview,
    pipelines,
    quality,
    training,
)

PAGE_ROUTERS: tuple[APIRouter, ...] = (
    auth.router,
    overview.router,
    models.router,
    training.router,
    pipelines.router,
    quality.router,
    monitoring.router,
    deployments.router,
    experiments.router,
    governance.router,
    config.router,
    audit.router,
)
