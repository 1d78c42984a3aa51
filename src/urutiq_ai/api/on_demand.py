"""The company routes mounted when a request first needs them: the in-process CLI's app.

Without a server, every CLI command builds the app in its own process to answer one or two
requests. Importing every domain's routes, services and schemas for that was most of an
in-process command's time, so the SDK's in-process app (``create_app(on_demand=True)``)
maps every table (:data:`MODEL_MODULES`) but mounts a domain's routes under
``/companies/{companyId}`` only when a request's path needs them. The server mounts them all
at start, from :mod:`urutiq_ai.catalog`.

:data:`COMPANY_ROUTES` lists each provider of those routes (a domain's router or a
:class:`~urutiq_ai.crud.resource.Resource` served by the generic routes) in the order the full
app mounts them, with the paths it serves (an id is ``*``). A request mounts every provider
one of whose paths matches its own, and the mounted ones are kept in that order, so the route
that answers is the one the full app would pick (``/models/compare`` before ``/models/{id}``).
``tests/api/test_on_demand.py`` keeps both lists equal to the catalog, and runs requests
through both apps.

What a route calls at another domain's extension point is declared in
:mod:`urutiq_ai.core.extensions`, not registered by importing a module: it runs here too.
"""

import importlib
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING

from starlette.types import ASGIApp, Receive, Scope, Send

from urutiq_ai.core.references import import_reference

if TYPE_CHECKING:
    from fastapi import APIRouter

MODEL_MODULES = (
    "urutiq_ai.tenancy.models",
    "urutiq_ai.core.ledger.models",
    "urutiq_ai.registry.models",
    "urutiq_ai.training.models",
    "urutiq_ai.predictions.models",
    "urutiq_ai.explainability.models",
    "urutiq_ai.pipelines.models",
    "urutiq_ai.quality.models",
    "urutiq_ai.monitoring.models",
    "urutiq_ai.feedback.models",
    "urutiq_ai.experiments.models",
    "urutiq_ai.deployments.models",
    "urutiq_ai.governance.models",
    "urutiq_ai.config.models",
    "urutiq_ai.alerts.models",
)
"""Every module that maps tables: imported whole, so that nothing that reads the metadata
(foreign keys, a tenant's deletion, the data-table rule) depends on which routes ran."""


@dataclass(frozen=True)
class Provider:
    reference: str  # "module:attribute": an APIRouter, or a Resource
    paths: tuple[str, ...]  # under /companies/{companyId}, "/"-separated, an id as "*"


def _router(module: str) -> str:
    return f"urutiq_ai.{module}.router:router"


COMPANY_ROUTES: tuple[Provider, ...] = (
    # The domains' own verbs first (catalog.DOMAIN_ROUTERS): their fixed paths win.
    Provider(_router("registry"), ("models/compare", "models/*/promote", "models/*/deprecate")),
    Provider(_router("training"), ("train", "training-runs/*/cancel")),
    Provider(
        _router("predictions"),
        (
            "models/*/predict",
            "deployments/*/predict",
            "predictions/*/actual",
            "predictions/actuals",
        ),
    ),
    Provider(_router("explainability"), ("models/*/feature-importances", "models/*/explain")),
    Provider(
        _router("monitoring"),
        (
            "models/*/drift-checks",
            "monitors/*/run",
            "models/*/performance",
            "models/*/performance-series",
        ),
    ),
    Provider(_router("quality"), ("quality-checks",)),
    Provider(_router("alerts"), ("webhooks/*/test",)),
    Provider(
        _router("pipelines"), ("pipelines/*/run", "pipelines/*/backfill", "pipeline-runs/*/cancel")
    ),
    Provider(
        _router("deployments"),
        (
            "deployments",
            "deployments/served",
            "deployments/*/release",
            "deployments/*/promote",
            "deployments/*/rollback",
            "deployments/*/health-check",
            "deployments/*/revisions",
        ),
    ),
    Provider(_router("experiments"), ("experiments/*/evaluate", "experiments/*/promote")),
    Provider(
        _router("feedback"),
        (
            "feedback/process",
            "feedback/*/ignore",
            "models/*/feedback-summary",
            "models/*/retrain-from-feedback",
        ),
    ),
    Provider(
        _router("config"),
        ("configs", "configs/history", "configs/active", "configs/diff", "configs/*/activate"),
    ),
    Provider(
        _router("governance"),
        (
            "governance-policies/*/evaluate",
            "models/*/governance-check",
            "models/*/compliance-report",
            "models/*/model-card",
        ),
    ),
    # Then the generic routes of each resource (catalog.RESOURCES, SUPPORT_RESOURCES).
    Provider("urutiq_ai.registry.service:MODELS", ("models", "models/*")),
    Provider("urutiq_ai.training.service:TRAINING_RUNS", ("training-runs", "training-runs/*")),
    Provider("urutiq_ai.predictions.service:PREDICTIONS", ("predictions", "predictions/*")),
    Provider(
        "urutiq_ai.explainability.service:FEATURE_IMPORTANCES",
        ("feature-importances", "feature-importances/*"),
    ),
    Provider("urutiq_ai.pipelines.service:PIPELINES", ("pipelines", "pipelines/*")),
    Provider("urutiq_ai.pipelines.service:PIPELINE_RUNS", ("pipeline-runs", "pipeline-runs/*")),
    Provider("urutiq_ai.quality.service:DATA_QUALITY", ("data-quality", "data-quality/*")),
    Provider(
        "urutiq_ai.monitoring.service:PERFORMANCE_METRICS",
        ("performance-metrics", "performance-metrics/*"),
    ),
    Provider(
        "urutiq_ai.monitoring.service:DRIFT_DETECTIONS",
        ("drift-detections", "drift-detections/*"),
    ),
    Provider("urutiq_ai.feedback.service:FEEDBACK", ("feedback", "feedback/*")),
    Provider("urutiq_ai.experiments.service:EXPERIMENTS", ("experiments", "experiments/*")),
    Provider("urutiq_ai.deployments.resources:DEPLOYMENTS", ("deployments", "deployments/*")),
    Provider(
        "urutiq_ai.governance.service:POLICIES",
        ("governance-policies", "governance-policies/*"),
    ),
    Provider(
        "urutiq_ai.governance.service:VIOLATIONS",
        ("governance-violations", "governance-violations/*"),
    ),
    Provider("urutiq_ai.config.service:CONFIGS", ("configs", "configs/*")),
    Provider("urutiq_ai.monitoring.scheduling:MONITORS", ("monitors", "monitors/*")),
    Provider("urutiq_ai.monitoring.scheduling:MONITOR_RUNS", ("monitor-runs", "monitor-runs/*")),
    Provider("urutiq_ai.alerts.service:ALERTS", ("alerts", "alerts/*")),
    Provider("urutiq_ai.alerts.service:WEBHOOKS", ("webhooks", "webhooks/*")),
    Provider(
        "urutiq_ai.alerts.service:WEBHOOK_DELIVERIES",
        ("webhook-deliveries", "webhook-deliveries/*"),
    ),
    Provider("urutiq_ai.crud.jobs:JOBS", ("jobs", "jobs/*")),
    Provider(
        "urutiq_ai.deployments.resources:DEPLOYMENT_REVISIONS",
        ("deployment-revisions", "deployment-revisions/*"),
    ),
    Provider(
        "urutiq_ai.governance.service:POLICY_EVALUATIONS",
        ("policy-evaluations", "policy-evaluations/*"),
    ),
)


def path_template(path: str) -> tuple[str, ...]:
    """``/models/{id}/predict`` -> ``("models", "*", "predict")``."""
    return tuple("*" if part.startswith("{") else part for part in path.strip("/").split("/"))


def _matches(template: tuple[str, ...], parts: tuple[str, ...]) -> bool:
    return len(template) == len(parts) and all(
        t in ("*", p) for t, p in zip(template, parts, strict=True)
    )


def providers_for(parts: tuple[str, ...]) -> set[int]:
    """The positions in :data:`COMPANY_ROUTES` of the providers a company path needs."""
    return {
        index
        for index, provider in enumerate(COMPANY_ROUTES)
        if any(_matches(path_template(path), parts) for path in provider.paths)
    }


def map_every_table() -> None:
    for module in MODEL_MODULES:
        importlib.import_module(module)


def _provider_router(provider: Provider) -> "APIRouter":
    from fastapi import APIRouter

    target = import_reference(provider.reference)
    if isinstance(target, APIRouter):
        return target
    from urutiq_ai.crud.router import build_router

    return build_router(target)


TENANCY_ROUTES = "urutiq_ai.tenancy.router:router"
"""The routes of /api/v1 outside a company (who am I, companies, users, keys, the audit
log): mounted, whole, by the first request for one of them."""


class MountOnDemand:
    """ASGI middleware: a request under ``prefix`` (``/api/v1``) first mounts the routes its
    path needs: a company path (``companies/{companyId}/...``) the providers
    :func:`providers_for` names, on ``company`` (the router included at
    ``{prefix}/companies/{companyId}``), kept in :data:`COMPANY_ROUTES`' order; any other path
    the tenancy routes, on ``api`` (included at ``prefix``). The API's description
    (``everything``: /openapi.json and the pages that read it) mounts them all."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        api: "APIRouter",
        company: "APIRouter",
        prefix: str,
        everything: tuple[str, ...],
    ) -> None:
        self.app = app
        self.api = api
        self.company = company
        self.prefix = prefix.rstrip("/") + "/"
        self.everything = everything
        self.mounted: dict[int, object] = {}  # position -> its entry in company.routes
        self.lock = threading.Lock()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            path: str = scope["path"]
            if path in self.everything:
                self.mount_tenancy()
                self.mount(set(range(len(COMPANY_ROUTES))))
            elif path.startswith(self.prefix):
                parts = tuple(path[len(self.prefix) :].strip("/").split("/"))
                if parts[0] == "companies" and len(parts) > 2:
                    self.mount(providers_for(parts[2:]))
                else:
                    self.mount_tenancy()
        await self.app(scope, receive, send)

    def mount_tenancy(self) -> None:
        if self.api.routes:
            return
        with self.lock:
            if not self.api.routes:
                self.api.include_router(import_reference(TENANCY_ROUTES))

    def mount(self, positions: set[int]) -> None:
        if positions <= self.mounted.keys():
            return
        with self.lock:
            for position in sorted(positions - self.mounted.keys()):
                self.company.include_router(_provider_router(COMPANY_ROUTES[position]))
                self.mounted[position] = self.company.routes[-1]
            order = {id(entry): position for position, entry in self.mounted.items()}
            self.company.routes[:] = sorted(self.company.routes, key=lambda r: order[id(r)])
