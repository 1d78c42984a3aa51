"""Governance pages: the policies and the violations board, a policy with its evaluations
(and "Evaluate now"), a violation with its evidence and workflow, and the compliance report.

Actions call the services the API calls (``checks.evaluate_policy``, the violations'
``update_row``) inside a savepoint, so a refused change leaves nothing behind even though
the page answers normally (422 with the errors next to their fields).
"""

from collections.abc import Mapping
from typing import Annotated, Any
from urllib.parse import urlencode

from fastapi import APIRouter, Path, Request
from fastapi.responses import HTMLResponse
from pydantic import ValidationError as PydanticError
from sqlalchemy.orm import Session
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.errors import AppError, NotFound
from urutiq_ai.crud import service as crud
from urutiq_ai.governance import checks, report
from urutiq_ai.governance.policies import compliance_of, monitoring_of, rules_of
from urutiq_ai.governance.schemas import (
    AIGovernanceRead,
    AIGovernanceViolationRead,
    AIGovernanceViolationUpdate,
    PolicyEvaluationRead,
    Severity,
    ViolationStatus,
)
from urutiq_ai.governance.service import POLICIES, POLICY_EVALUATIONS, VIOLATIONS
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.schemas import AIModelRead
from urutiq_ai.registry.service import MODELS
from urutiq_ai.tenancy.deps import SessionDep, require_roles
from urutiq_ai.web.auth import EDITORS, Csrf, WebCompany
from urutiq_ai.web.forms import field_errors
from urutiq_ai.web.listing import list_page
from urutiq_ai.web.pages.audit import history_of
from urutiq_ai.web.pages.overview import latest
from urutiq_ai.web.templating import render

router = APIRouter(prefix="/companies/{companyId}/governance", include_in_schema=False)
PolicyId = Annotated[str, Path(alias="policyId", max_length=64)]
ViolationId = Annotated[str, Path(alias="violationId", max_length=64)]
AUDITORS = frozenset({Role.admin, Role.auditor})
BOARD = [s.value for s in ViolationStatus]
BOARD_SIZE = 10
CLOSING = frozenset({ViolationStatus.resolved, ViolationStatus.false_positive})
NEXT_STEPS = {
    ViolationStatus.open: ("investigating", "resolved", "false_positive"),
    ViolationStatus.investigating: ("resolved", "false_positive"),
    ViolationStatus.resolved: ("open",),
    ViolationStatus.false_positive: ("open",),
}


def _models(session: Session, ctx: TenantContext) -> dict[str, AIModelRead]:
    """The company's models (newest 200) by id, for names and choices."""
    return {m.id: m for m in latest(session, ctx, MODELS, limit=200)}


def _policy_facts(policy: AIGovernanceRead) -> dict[str, Any]:
    """Severity, schedule and whether it gates production, read as the evaluator does."""
    try:
        rules = rules_of(policy.policy_type, policy.rules)
        severity, model_names = rules.severity.value, rules.model_names
    except AppError:
        severity, model_names = "invalid rules", None
    try:
        compliance = compliance_of(policy.compliance)
        required = [e.value for e in compliance.environments] if compliance.required else []
    except AppError:
        required = []
    try:
        monitoring = monitoring_of(policy.monitoring)
        schedule = monitoring.schedule if monitoring.enabled else None
    except AppError:
        schedule = None
    return {
        "severity": severity,
        "model_names": model_names,
        "required": required,
        "schedule": schedule,
    }


def _last_evaluation(
    session: Session, ctx: TenantContext, policy_id: str
) -> PolicyEvaluationRead | None:
    rows = latest(session, ctx, POLICY_EVALUATIONS, limit=1, policy_id=[policy_id])
    return rows[0] if rows else None


def _newest(
    session: Session, ctx: TenantContext, equals: Mapping[str, Any]
) -> list[AIGovernanceViolationRead]:
    """The newest violations of one column of the board."""
    rows = crud.newest_rows(session, ctx, VIOLATIONS, limit=BOARD_SIZE, **equals)
    return [AIGovernanceViolationRead.model_validate(row) for row in rows]


def _board_filters(params: Mapping[str, str]) -> tuple[dict[str, str], dict[str, str]]:
    """The board's filters (severity, modelId, status) and an error per bad value."""
    shown: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name, allowed in (("severity", [s.value for s in Severity]), ("status", BOARD)):
        value = params.get(name, "")
        if value and value not in allowed:
            errors[name] = f"one of {', '.join(allowed)}"
        elif value:
            shown[name] = value
    if params.get("modelId"):
        shown["modelId"] = params["modelId"][:64]
    return shown, errors


@router.get("")
def board(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    policies = sorted(
        latest(session, ctx, POLICIES, limit=200), key=lambda p: p.policy_name.casefold()
    )
    rows = [
        {"policy": p, **_policy_facts(p), "last": _last_evaluation(session, ctx, p.id)}
        for p in policies
    ]
    filters, errors = _board_filters(request.query_params)
    equals: dict[str, str] = {}
    if "severity" in filters:
        equals["severity"] = filters["severity"]
    if "modelId" in filters:
        equals["model_id"] = filters["modelId"]
    counts = crud.count_rows(session, ctx, VIOLATIONS, "status", **equals)
    base = f"/companies/{next(iter(ctx.company_ids))}/governance"
    listing = None
    columns: dict[str, list[Any]] = {}
    if "status" in filters:
        cursor = request.query_params.get("cursor", "")
        listing = list_page(
            session,
            ctx,
            VIOLATIONS,
            {**filters, "cursor": cursor},
            base_url=base,
            fixed={"status": [filters["status"]]},
        )
    else:
        columns = {status: _newest(session, ctx, {**equals, "status": status}) for status in BOARD}
    return render(
        request,
        "governance/board.html",
        section="governance",
        policies=rows,
        columns=columns,
        counts=counts,
        listing=listing,
        filters=filters,
        errors=errors,
        models=_models(session, ctx),
        severities=[s.value for s in Severity],
        statuses=BOARD,
        status_urls={s: f"{base}?{urlencode({**filters, 'status': s})}" for s in BOARD},
        may_report=ctx.role in AUDITORS,
    )


@router.get("/report")
def compliance_report(request: Request, session: SessionDep, ctx: WebCompany) -> Response:
    """The model's compliance report, rendered by the report function of the API and CLI
    (admin and auditor keys, as there); without ``?model=`` a page to choose the model."""
    require_roles(ctx, AUDITORS, "read compliance reports")
    model_id = request.query_params.get("model", "")
    if not model_id:
        return render(
            request,
            "governance/report.html",
            section="governance",
            models=_models(session, ctx),
        )
    data = report.report_data(session, ctx, model_id=model_id[:64])
    return HTMLResponse(report.render_html(data))


# -- a policy ------------------------------------------------------------------------------


def _policy_page(
    request: Request,
    session: SessionDep,
    ctx: TenantContext,
    policy_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    chosen: str = "",
    status_code: int = 200,
) -> Response:
    policy = AIGovernanceRead.model_validate(crud.get_row(session, ctx, POLICIES, policy_id))
    facts = _policy_facts(policy)
    models = _models(session, ctx)
    names = facts["model_names"]
    applicable = [m for m in models.values() if names is None or m.model_name in names]
    params = {k: v for k, v in request.query_params.items() if k in ("modelId", "cursor")}
    evaluations = list_page(
        session,
        ctx,
        POLICY_EVALUATIONS,
        params,
        base_url=f"/companies/{policy.company_id}/governance/policies/{policy.id}",
        fixed={"policy_id": [policy.id]},
        limit=10,
    )
    result = None
    evaluated = request.query_params.get("evaluated")
    if evaluated:
        try:
            row = crud.get_row(session, ctx, POLICY_EVALUATIONS, evaluated[:64])
            result = PolicyEvaluationRead.model_validate(row)
        except NotFound:
            result = None
    return render(
        request,
        "governance/policy.html",
        status_code=status_code,
        section="governance",
        policy=policy,
        facts=facts,
        models=models,
        applicable=applicable,
        evaluations=evaluations,
        result=result,
        errors=errors or {},
        chosen=chosen,
        may_act=ctx.role in EDITORS,
    )


@router.get("/policies/{policyId}")
def policy_page(
    request: Request, session: SessionDep, ctx: WebCompany, policy_id: PolicyId
) -> Response:
    return _policy_page(request, session, ctx, policy_id)


@router.post("/policies/{policyId}/evaluate")
def evaluate_now(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    form: Csrf,
    policy_id: PolicyId,
) -> Response:
    """Evaluate the policy against the chosen model now (the API's ``evaluate``)."""
    require_roles(ctx, EDITORS, "evaluate policies")
    crud.get_row(session, ctx, POLICIES, policy_id)  # 404 first for another tenant's policy
    model_id = str(form.get("modelId") or "").strip()[:64]
    if not model_id:
        errors = {"modelId": "choose a model"}
        return _policy_page(request, session, ctx, policy_id, errors=errors, status_code=422)
    settings = request.app.state.settings
    try:
        with session.begin_nested():
            row = checks.evaluate_policy(
                session,
                ctx,
                policy_id=policy_id,
                model_id=model_id,
                store=ArtifactStore(settings.artifacts),
                sources_dir=settings.sources,
            )
    except AppError as exc:
        return _policy_page(
            request,
            session,
            ctx,
            policy_id,
            errors=field_errors(exc),
            chosen=model_id,
            status_code=exc.status_code,
        )
    url = f"/companies/{row.company_id}/governance/policies/{policy_id}"
    return RedirectResponse(f"{url}?evaluated={row.id}#result", status_code=303)


# -- a violation ---------------------------------------------------------------------------


def _violation_page(
    request: Request,
    session: SessionDep,
    ctx: TenantContext,
    violation_id: str,
    *,
    errors: Mapping[str, str] | None = None,
    form: Mapping[str, str] | None = None,
    status_code: int = 200,
) -> Response:
    violation = AIGovernanceViolationRead.model_validate(
        crud.get_row(session, ctx, VIOLATIONS, violation_id)
    )
    policy = AIGovernanceRead.model_validate(
        crud.get_row(session, ctx, POLICIES, violation.policy_id)
    )
    model = None
    if violation.model_id:
        model = _models(session, ctx).get(violation.model_id)
    history = history_of(session, ctx, violation.id) if ctx.role in AUDITORS else None
    return render(
        request,
        "governance/violation.html",
        status_code=status_code,
        section="governance",
        violation=violation,
        policy=policy,
        model=model,
        history=history,
        steps=NEXT_STEPS[violation.status],
        errors=errors or {},
        form=form or {},
        done=request.query_params.get("done"),
        may_act=ctx.role in EDITORS,
    )


@router.get("/violations/{violationId}")
def violation_page(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    violation_id: ViolationId,
) -> Response:
    return _violation_page(request, session, ctx, violation_id)


def _status_change(form: FormData, actor: str) -> AIGovernanceViolationUpdate:
    """The update a workflow button asks for; closing names the resolution (blank: none, so
    the service's rule refuses it) and who resolved it (the logged-in key's user or key)."""
    status = ViolationStatus(str(form.get("status") or ""))
    if status not in CLOSING:
        return AIGovernanceViolationUpdate(status=status)
    resolution = str(form.get("resolution") or "").strip() or None
    return AIGovernanceViolationUpdate(status=status, resolution=resolution, resolved_by=actor)


@router.post("/violations/{violationId}/status")
def move_violation(
    request: Request,
    session: SessionDep,
    ctx: WebCompany,
    form: Csrf,
    violation_id: ViolationId,
) -> Response:
    """One step of the workflow through the API's update (transitions, resolution rule and
    audit row are the service's)."""
    require_roles(ctx, EDITORS, "change governance violations")
    crud.get_row(session, ctx, VIOLATIONS, violation_id)  # 404 first for another tenant's
    sent = {
        "status": str(form.get("status") or ""),
        "resolution": str(form.get("resolution") or ""),
    }
    actor = ctx.user_id or ctx.principal_id or "dashboard"
    try:
        data = _status_change(form, actor)
        with session.begin_nested():
            row = crud.update_row(session, ctx, VIOLATIONS, violation_id, data)
    except ValueError as exc:  # an unknown status, or a payload the schema refuses
        errors = (
            field_errors(exc)
            if isinstance(exc, PydanticError)
            else {"status": f"one of {', '.join(BOARD)}"}
        )
        return _violation_page(
            request, session, ctx, violation_id, errors=errors, form=sent, status_code=422
        )
    except AppError as exc:
        errors = field_errors(exc)  # 422 a missing resolution, 409 a refused transition
        return _violation_page(
            request,
            session,
            ctx,
            violation_id,
            errors=errors,
            form=sent,
            status_code=exc.status_code,
        )
    url = f"/companies/{row.company_id}/governance/violations/{row.id}"
    return RedirectResponse(f"{url}?done={row.status.value}", status_code=303)
