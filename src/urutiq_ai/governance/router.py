"""Governance verbs: evaluate a policy against a model, or every active policy."""

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.crud.resource import GOVERNANCE_READERS, WRITERS
from urutiq_ai.governance import checks
from urutiq_ai.governance.models import PolicyEvaluation
from urutiq_ai.governance.schemas import (
    EvaluateModel,
    ModelEvaluations,
    PolicyEvaluationRead,
)
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.tenancy.deps import IdPath, SessionDep, company_role

router = APIRouter(tags=["governance"])
# The documents answer an HTML page by default and their data with format=json.
PAGE_OR_JSON: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "An HTML page (format=html, the default), or its data (format=json).",
        "content": {
            "text/html": {"schema": {"type": "string"}},
            "application/json": {"schema": {"type": "object"}},
        },
    }
}
Writer = Annotated[TenantContext, Depends(company_role(WRITERS, "evaluate policies"))]
Reader = Annotated[TenantContext, Depends(company_role(GOVERNANCE_READERS, "read model cards"))]
Auditor = Annotated[
    TenantContext,
    Depends(company_role(frozenset({Role.admin, Role.auditor}), "read compliance reports")),
]


@router.post("/governance-policies/{id}/evaluate", response_model=PolicyEvaluationRead)
def evaluate_policy(
    request: Request, session: SessionDep, ctx: Writer, policy_id: IdPath, data: EvaluateModel
) -> PolicyEvaluation:
    """Evaluate the policy against a model now: the verdict, its evidence, and the violation
    it opened or refreshed when it fails."""
    settings = request.app.state.settings
    return checks.evaluate_policy(
        session,
        ctx,
        policy_id=policy_id,
        model_id=data.model_id,
        store=ArtifactStore(settings.artifacts),
        sources_dir=settings.sources,
    )


@router.post("/models/{id}/governance-check", response_model=ModelEvaluations)
def check_model(
    request: Request, session: SessionDep, ctx: Writer, model_id: IdPath
) -> ModelEvaluations:
    """Every active policy that applies to the model, evaluated now."""
    settings = request.app.state.settings
    rows = checks.evaluate_model(
        session,
        ctx,
        model_id=model_id,
        store=ArtifactStore(settings.artifacts),
        sources_dir=settings.sources,
    )
    return ModelEvaluations(
        model_id=model_id,
        status=checks.overall(rows),
        evaluations=[PolicyEvaluationRead.model_validate(row) for row in rows],
    )


@router.get("/models/{id}/compliance-report", response_model=None, responses=PAGE_OR_JSON)
def compliance_report(
    session: SessionDep,
    ctx: Auditor,
    model_id: IdPath,
    output: Annotated[Literal["html", "json"], Query(alias="format")] = "html",
) -> Any:
    """The model's compliance report: card, lineage, policy results, violations, drift and
    performance history, audit trail (admin and auditor keys). ``format=json`` for data."""
    from urutiq_ai.governance import report  # Jinja2: on first use only

    data = report.report_data(session, ctx, model_id=model_id)
    if output == "json":
        return data
    return HTMLResponse(report.render_html(data))


@router.get("/models/{id}/model-card", response_model=None, responses=PAGE_OR_JSON)
def model_card(
    session: SessionDep,
    ctx: Reader,
    model_id: IdPath,
    output: Annotated[Literal["html", "json"], Query(alias="format")] = "html",
) -> Any:
    """The model card: purpose, data, metrics and limits (what the system knows about where
    the model cannot be trusted). ``format=json`` for data."""
    from urutiq_ai.governance import model_card as cards  # Jinja2: on first use only

    card = cards.model_card(session, ctx, model_id=model_id)
    if output == "json":
        return card
    return HTMLResponse(cards.render_html(card))
