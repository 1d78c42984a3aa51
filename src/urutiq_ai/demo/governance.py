"""The demo's governance: policies per company, evaluated against every model, a violation
found on a customer segment, a production release refused because of it, and the violation
resolved with its resolution.

Policies (all active): "cash-flow forecasts as good for every customer segment" (fairness
over ``segment``, high severity, the cash-flow model only), "models explain themselves"
(transparency, daily), "artifacts verify" (security, critical, required before production,
daily). In ``demo-services`` the cash-flow forecasts are worse for mid-size customers (error
ratio about 1.4 against 1.25 allowed): the violation opens, a release of the cash-flow
model to production is refused, then the violation is investigated and resolved with a
written resolution. ``demo-retail`` passes.
"""

from collections.abc import Callable
from dataclasses import replace
from typing import Any

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.errors import AppError
from urutiq_ai.core.jobs import JobRuntime
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.crud import service as crud_service
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.deployments import releases as deployment_releases
from urutiq_ai.deployments.schemas import DeploymentRelease, Environment
from urutiq_ai.governance import checks
from urutiq_ai.governance.schemas import (
    AIGovernanceCreate,
    AIGovernanceViolationUpdate,
    ViolationStatus,
)
from urutiq_ai.governance.service import POLICIES, VIOLATIONS
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore

Report = Callable[[str], None]
CASHFLOW = "cashflow_prediction"
POLICY_BODIES: list[dict[str, Any]] = [
    {
        "policy_name": "cash-flow forecasts as good for every customer segment",
        "policy_type": "fairness",
        "status": "active",
        "description": "Days-to-pay forecasts must not be much worse for one customer segment "
        "(worst / best segment MAE at most 1.25).",
        "rules": {
            "sensitiveColumn": "segment",
            "severity": "high",
            "modelNames": [CASHFLOW],
            "nResamples": 300,
        },
        "thresholds": {"maxErrorRatio": 1.25, "minGroupSize": 30},
    },
    {
        "policy_name": "models explain themselves",
        "policy_type": "transparency",
        "status": "active",
        "rules": {"requireDescription": False, "severity": "low"},
        "monitoring": {"schedule": "0 5 * * *"},
    },
    {
        "policy_name": "artifacts verify",
        "policy_type": "security",
        "status": "active",
        "rules": {"severity": "critical"},
        "monitoring": {"schedule": "30 5 * * *"},
        "compliance": {"required": True, "environments": ["production"]},
    },
]
RESOLUTION = (
    "Mid-size customers pay irregularly in the ledger's last quarter; the gap is known and "
    "accepted until the Q1 retrain adds payment-history features."
)


def govern(runtime: JobRuntime, ctx: TenantContext, report: Report) -> None:
    """Create the policies, evaluate every model, and work a violation if one opens."""
    admin = replace(ctx, role=Role.admin)
    (company_id,) = ctx.company_ids
    store = ArtifactStore(runtime.settings.artifacts)
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, admin)
        for body in POLICY_BODIES:
            crud_service.create_row(session, admin, POLICIES, AIGovernanceCreate(**body))
        failures = []
        for model in registry_service.active_models(session, admin):
            rows = checks.evaluate_model(
                session, admin, model_id=model.id, store=store, sources_dir=runtime.settings.sources
            )
            failures += [(model, row) for row in rows if row.status.value == "fail"]
    report(f"{company_id}: 3 governance policies evaluated; {len(failures)} failing")
    for model, row in failures:
        if model.model_name == CASHFLOW and row.violation_id:
            _refused_then_resolved(runtime, admin, model.id, row.violation_id, store, report)


def _refused_then_resolved(
    runtime: JobRuntime,
    ctx: TenantContext,
    model_id: str,
    violation_id: str,
    store: ArtifactStore,
    report: Report,
) -> None:
    (company_id,) = ctx.company_ids
    name = CASHFLOW.replace("_", "-")
    try:
        with unit_of_work(runtime.sessionmaker) as session:
            bind_scope(session, ctx)
            deployment = deployment_queries.find(session, ctx, name, Environment.production)
            deployment_releases.release(
                session,
                ctx,
                deployment_id=deployment.id,
                data=DeploymentRelease(model_id=model_id, reason="re-release after review"),
                store=store,
            )
        report(f"{company_id}: the release of {name} to production went through")
    except AppError as exc:
        report(f"{company_id}: release of {name} to production refused: {exc.name}")
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        for status, extra in (
            (ViolationStatus.investigating, {}),
            (ViolationStatus.resolved, {"resolution": RESOLUTION, "resolved_by": "controller"}),
        ):
            update = AIGovernanceViolationUpdate(status=status, **extra)
            crud_service.update_row(session, ctx, VIOLATIONS, violation_id, update)
    report(f"{company_id}: the segment violation was investigated and resolved")
