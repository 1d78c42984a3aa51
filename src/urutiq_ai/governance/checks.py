"""Policies applied: evaluate a policy (or every active one) against a model, record the
evaluation, open or refresh a violation while the problem persists, alert, and gate
releases.

* A failing evaluation opens an AIGovernanceViolation (severity from the policy's rules,
  evidence in ``details``); while one of the same policy and model is still ``open`` or
  ``investigating``, a new failure refreshes it (``details.occurrences``,
  ``details.lastSeenAt``, the latest evidence) instead of opening another.
* Alerts (source ``governance``) open with a failure and resolve when the policy passes
  again, unless the policy's ``alerts`` say ``{"enabled": false}``; they go out through the
  company's webhooks as every alert does.
* The release gate (registered with the deployments domain): a release to production is
  refused (409 ``GovernanceBlocked``) while one of its models has an open ``high`` or
  ``critical`` violation, or fails (or cannot pass) an active policy whose ``compliance``
  marks it ``required`` for that environment (evaluated then, trigger ``release``). An admin
  may override with a written reason (``governanceOverride``), which is recorded with the
  revision and in the audit log; another role gets 403.

Every verdict of a call is computed before any of them is written: a computation runs with
no transaction open (``evaluation`` ends the read-only one first), which on SQLite means no
database lock held while fairness resamples or a pipeline is verified; the writes follow in
one short transaction.
"""

import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from urutiq_ai.alerts import service as alerts_service
from urutiq_ai.alerts.schemas import AlertSeverity, AlertSource
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.cron import next_fire
from urutiq_ai.core.db import (
    SQLITE_BUSY_TIMEOUT,
    is_database_busy,
    record_after_rollback,
    settings_of,
)
from urutiq_ai.core.errors import FieldError, Forbidden, NotFound, ValidationError
from urutiq_ai.core.jobs import Executor, JobRuntime, job_unit_of_work, system_unit_of_work
from urutiq_ai.crud import service as crud_service
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.governance import privacy_cache
from urutiq_ai.governance.errors import GovernanceBlocked, PolicyNotApplicable
from urutiq_ai.governance.models import AIGovernance, AIGovernanceViolation, PolicyEvaluation
from urutiq_ai.governance.policies import PrivacyRules, compliance_of, monitoring_of, rules_of
from urutiq_ai.governance.repository import (
    EvaluationRepository,
    MonitoredPoliciesRepository,
    PolicyRepository,
    ViolationRepository,
)
from urutiq_ai.governance.schemas import (
    BLOCKING_SEVERITIES,
    AIGovernanceViolationRead,
    EvaluationStatus,
    PolicyType,
    ViolationStatus,
    ViolationType,
)
from urutiq_ai.governance.service import POLICIES
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import service as tenancy_service
from urutiq_ai.tenancy.context import for_job

if TYPE_CHECKING:
    from urutiq_ai.governance.evaluation import Verdict  # the ML stack: loaded on first use

logger = logging.getLogger("urutiq_ai.governance")

VIOLATION_TYPES = {
    PolicyType.fairness: ViolationType.fairness,
    PolicyType.bias_detection: ViolationType.bias,
    PolicyType.transparency: ViolationType.transparency,
    PolicyType.privacy: ViolationType.privacy,
    PolicyType.security: ViolationType.security,
}


# How a refused release goes through anyway: the request field the API, SDK and dashboard
# take (the CLI's --override, which it names beside this message).
OVERRIDE_HINT = "An admin key may release it anyway with a written reason (governanceOverride)."


def evaluate_policy(
    session: Session,
    ctx: TenantContext,
    *,
    policy_id: str,
    model_id: str,
    store: ArtifactStore,
    sources_dir: str,
    trigger: str = "manual",
) -> PolicyEvaluation:
    """Evaluate one policy (any status: try a draft before activating it) on one model."""
    policy: AIGovernance = crud_service.get_row(session, ctx, POLICIES, policy_id)
    model = _model(session, ctx, model_id)
    if not rules_of(policy.policy_type, policy.rules).applies_to(model.model_name):
        raise PolicyNotApplicable(
            f"policy {policy.policy_name!r} does not apply to {model.model_name}",
            fields=[FieldError("modelId", "not among the policy's rules.modelNames")],
        )
    verdict = _verdict(session, ctx, policy, model, store, sources_dir)
    return _record(session, ctx, policy, model, verdict, trigger)


def evaluate_model(
    session: Session,
    ctx: TenantContext,
    *,
    model_id: str,
    store: ArtifactStore,
    sources_dir: str,
    trigger: str = "manual",
) -> list[PolicyEvaluation]:
    """Every active policy that applies to the model, evaluated now (404 for a model the
    context does not see: it is the path's resource here)."""
    model = registry_service.get_model(session, ctx, model_id)
    policies = [
        policy
        for policy in PolicyRepository(session, ctx).active()
        if rules_of(policy.policy_type, policy.rules).applies_to(model.model_name)
    ]
    verdicts = [_verdict(session, ctx, policy, model, store, sources_dir) for policy in policies]
    return [
        _record(session, ctx, policy, model, verdict, trigger)
        for policy, verdict in zip(policies, verdicts, strict=True)
    ]


def overall(evaluations: Sequence[PolicyEvaluation]) -> EvaluationStatus:
    """fail if any failed, else error, else insufficient, else pass."""
    statuses = {evaluation.status for evaluation in evaluations}
    for status in (EvaluationStatus.failed, EvaluationStatus.error, EvaluationStatus.insufficient):
        if status in statuses:
            return status
    return EvaluationStatus.passed


def _verdict(
    session: Session,
    ctx: TenantContext,
    policy: AIGovernance,
    model: AIModel,
    store: ArtifactStore,
    sources_dir: str,
) -> "Verdict":
    """The verdict of ``policy`` on ``model``, computed with no transaction held (unless
    ``session`` has written already); nothing is written."""
    from urutiq_ai.governance import evaluation  # the ML stack: not at start-up

    return evaluation.evaluate(evaluation.Context(session, ctx, store, sources_dir), policy, model)


def _record(
    session: Session,
    ctx: TenantContext,
    policy: AIGovernance,
    model: AIModel,
    verdict: "Verdict",
    trigger: str,
    at: datetime | None = None,
) -> PolicyEvaluation:
    """Write ``verdict``: its evaluation row, the violation it opens or refreshes, its alert."""
    row = PolicyEvaluation(
        policy_id=policy.id,
        model_id=model.id,
        status=verdict.status,
        trigger=trigger,
        summary=verdict.summary[:5000],
        results=verdict.evidence,
    )
    if at is not None:  # the scheduler's "now": the fire time it evaluated for
        row.created_at = row.updated_at = at
    if verdict.failed:
        row.violation_id = _violation(session, ctx, policy, model, verdict).id
    EvaluationRepository(session, ctx).add(row, company_id=model.company_id)
    session.flush()
    _alert(session, ctx, policy, model, verdict)
    return row


def _violation(
    session: Session, ctx: TenantContext, policy: AIGovernance, model: AIModel, verdict: Any
) -> AIGovernanceViolation:
    now = datetime.now(UTC).isoformat()
    repo = ViolationRepository(session, ctx)
    existing = repo.open_for(policy.id, model.id)
    if existing is not None:
        before = _snapshot(existing)
        details = dict(existing.details or {})
        details.update(
            occurrences=int(details.get("occurrences", 1)) + 1,
            lastSeenAt=now,
            evidence=verdict.evidence,
            summary=verdict.summary,
        )
        existing.details = details
        session.flush()
        tenancy_service.record_audit(
            session,
            ctx,
            action="violation_seen_again",
            row=existing,
            company_id=existing.company_id,
            before=before,
            after=_snapshot(existing),
        )
        return existing
    rules = rules_of(policy.policy_type, policy.rules)
    violation = AIGovernanceViolation(
        policy_id=policy.id,
        model_id=model.id,
        violation_type=VIOLATION_TYPES[policy.policy_type],
        severity=rules.severity,
        description=f"{policy.policy_name}: {verdict.summary}"[:10_000],
        details={
            "occurrences": 1,
            "firstSeenAt": now,
            "lastSeenAt": now,
            "summary": verdict.summary,
            "evidence": verdict.evidence,
        },
        status=ViolationStatus.open,
    )
    repo.add(violation, company_id=model.company_id)
    session.flush()
    tenancy_service.record_audit(
        session,
        ctx,
        action="violation_opened",
        row=violation,
        company_id=violation.company_id,
        after=_snapshot(violation),
    )
    return violation


def _alert(
    session: Session, ctx: TenantContext, policy: AIGovernance, model: AIModel, verdict: Any
) -> None:
    config = policy.alerts if isinstance(policy.alerts, dict) else {}
    if config.get("enabled") is False or verdict.status == EvaluationStatus.error:
        return
    severity = rules_of(policy.policy_type, policy.rules).severity
    observation = alerts_service.Observation(
        key=f"governance:{policy.id}:{model.id}",
        source=AlertSource.governance,
        active=verdict.failed,
        title=f"{policy.policy_name} fails for {model.model_name} {model.model_version}",
        severity=AlertSeverity.critical
        if severity in BLOCKING_SEVERITIES
        else AlertSeverity.warning,
        subject=model.id,
        details={"policyId": policy.id, "modelId": model.id, "summary": verdict.summary},
    )
    alerts_service.observe(session, ctx, model.company_id, [observation])


# --- the release gate --------------------------------------------------------------------


def governance_gate(
    session: Session,
    ctx: TenantContext,
    model_ids: Sequence[str],
    environment: Environment,
    override: str | None,
) -> dict[str, Any] | None:
    """Refuse a release the company's governance does not allow (module docstring)."""
    reasons: list[str] = []
    for model_id in model_ids:
        reasons += _blocking_violations(session, ctx, model_id, environment)
        reasons += _required_failures(session, ctx, model_id, environment)
    if not reasons:
        return None
    if override is None:
        record_after_rollback(session, _refusal_record(ctx, model_ids, environment, reasons))
        raise GovernanceBlocked(
            f"governance refuses this release: {'; '.join(reasons)}. {OVERRIDE_HINT}",
            fields=[FieldError("modelId", reason) for reason in reasons],
        )
    if ctx.role != Role.admin:
        raise Forbidden(
            "only an admin key may override governance (governanceOverride); this key's role "
            f"is {ctx.role.value}"
        )
    return {"reasons": reasons}


def _refusal_record(
    ctx: TenantContext, model_ids: Sequence[str], environment: Environment, reasons: list[str]
) -> Callable[[Session], None]:
    """The audit entry (per model) that keeps a refused release on the record once the
    release itself is rolled back."""
    company_id = next(iter(ctx.company_ids), None)
    ids = list(model_ids)

    def write(session: Session) -> None:
        for model_id in ids:
            tenancy_service.record_audit(
                session,
                ctx,
                action="release_refused",
                row=model_id,
                table="AIModel",
                company_id=company_id,
                after={"environment": environment.value, "models": ids, "reasons": reasons},
            )

    return write


def _blocking_violations(
    session: Session, ctx: TenantContext, model_id: str, environment: Environment
) -> list[str]:
    if environment != Environment.production:
        return []
    return [
        f"open {violation.severity.value} violation {violation.id}: {violation.description}"[:500]
        for violation in ViolationRepository(session, ctx).open_of_model(model_id)
        if violation.severity in BLOCKING_SEVERITIES
    ]


def _required_failures(
    session: Session, ctx: TenantContext, model_id: str, environment: Environment
) -> list[str]:
    model = _model(session, ctx, model_id)
    required = [
        policy
        for policy in PolicyRepository(session, ctx).active()
        if _required_in(policy, environment)
        and rules_of(policy.policy_type, policy.rules).applies_to(model.model_name)
    ]
    if not required:
        return []
    settings = settings_of(session)
    store, sources = ArtifactStore(settings.artifacts), settings.sources
    verdicts = [_verdict_or_error(session, ctx, p, model, store, sources) for p in required]
    failures = []
    for policy, verdict in zip(required, verdicts, strict=True):
        if isinstance(verdict, ValidationError):
            failures.append(
                f"required policy {policy.policy_name!r} cannot be evaluated: {verdict}"
            )
            continue
        row = _record(session, ctx, policy, model, verdict, "release")
        if row.status != EvaluationStatus.passed:
            failures.append(
                f"required policy {policy.policy_name!r} {row.status.value}: {row.summary}"
            )
    return failures


def _required_in(policy: AIGovernance, environment: Environment) -> bool:
    compliance = compliance_of(policy.compliance)
    return compliance.required and environment in compliance.environments


def _model(session: Session, ctx: TenantContext, model_id: str) -> AIModel:
    try:
        return registry_service.get_model(session, ctx, model_id)
    except NotFound as exc:
        raise ValidationError(
            f"no model {model_id!r} in this company",
            fields=[FieldError("modelId", "no such model in this company")],
        ) from exc


def _snapshot(violation: AIGovernanceViolation) -> dict[str, Any]:
    return AIGovernanceViolationRead.model_validate(violation).model_dump(
        mode="json", by_alias=True
    )


# --- on a schedule -----------------------------------------------------------------------


def evaluate_due_policies(runtime: JobRuntime, executor: Executor, now: datetime) -> int:
    """The scheduler's ticker: every active policy whose ``monitoring.schedule`` fired
    since its last scheduled evaluation is evaluated against each active model it applies
    to; the verdicts are computed first, then written in one transaction per policy (an
    evaluation that cannot run is recorded ``error``)."""
    del executor
    with system_unit_of_work(runtime) as session:
        scheduled = MonitoredPoliciesRepository(session).scheduled()
    evaluated = 0
    for tenant_id, company_id, policy_id in scheduled:
        ctx = for_job(tenant_id, [company_id])
        try:
            with job_unit_of_work(runtime, ctx) as session:
                evaluated += _run_if_due(session, ctx, policy_id, runtime, now)
        except Exception as exc:  # one broken policy must not stop the others
            if is_database_busy(exc):  # nothing was written: it is still due at the next tick
                logger.warning(
                    "scheduled evaluation of policy %s: the database stayed locked past the "
                    "busy timeout (%g s); it will retry at the next tick",
                    policy_id,
                    SQLITE_BUSY_TIMEOUT,
                )
            else:
                logger.exception("scheduled evaluation of policy %s failed", policy_id)
    return evaluated


def _run_if_due(
    session: Session, ctx: TenantContext, policy_id: str, runtime: JobRuntime, now: datetime
) -> int:
    policy = PolicyRepository(session, ctx).get(policy_id)
    if policy is None:
        return 0
    monitoring = monitoring_of(policy.monitoring)
    if not monitoring.enabled or monitoring.schedule is None:
        return 0
    last = EvaluationRepository(session, ctx).last_scheduled(policy.id) or policy.created_at
    if next_fire(monitoring.schedule, last) > now:
        return 0
    store, sources = ArtifactStore(runtime.settings.artifacts), runtime.settings.sources
    rules = rules_of(policy.policy_type, policy.rules)
    models = [
        model
        for model in registry_service.active_models(session, ctx)
        if rules.applies_to(model.model_name)
    ]
    verdicts = [_verdict_or_error(session, ctx, policy, m, store, sources) for m in models]
    for model, verdict in zip(models, verdicts, strict=True):
        _record_or_error(session, ctx, policy, model, verdict, now)
    return len(models)


def _verdict_or_error(
    session: Session,
    ctx: TenantContext,
    policy: AIGovernance,
    model: AIModel,
    store: ArtifactStore,
    sources_dir: str,
) -> "Verdict | ValidationError":
    """The verdict, or why the policy cannot be evaluated on ``model``."""
    try:
        return _verdict(session, ctx, policy, model, store, sources_dir)
    except ValidationError as exc:
        return exc


def _record_or_error(
    session: Session,
    ctx: TenantContext,
    policy: AIGovernance,
    model: AIModel,
    verdict: "Verdict | ValidationError",
    now: datetime,
) -> PolicyEvaluation:
    """A scheduled evaluation's row: its verdict, or ``error`` with the reason."""
    if not isinstance(verdict, ValidationError):
        return _record(session, ctx, policy, model, verdict, "schedule", now)
    row = PolicyEvaluation(
        created_at=now,
        updated_at=now,
        policy_id=policy.id,
        model_id=model.id,
        status=EvaluationStatus.error,
        trigger="schedule",
        summary=str(verdict)[:5000],
        results={"fields": [{"field": f.field, "reason": f.reason} for f in verdict.fields]},
    )
    EvaluationRepository(session, ctx).add(row, company_id=model.company_id)
    session.flush()
    return row


# --- masking of stored inputs ------------------------------------------------------------


def _active_privacy_rules(
    session: Session, ctx: TenantContext, company_id: str
) -> list[PrivacyRules]:
    policies = PolicyRepository(session, ctx).active(PolicyType.privacy, company_id=company_id)
    parsed = (rules_of(policy.policy_type, policy.rules) for policy in policies)
    return [rules for rules in parsed if isinstance(rules, PrivacyRules)]


def privacy_mask(
    session: Session, ctx: TenantContext, model: AIModel
) -> Callable[[dict[str, Any]], dict[str, Any]] | None:
    """Stored inputs of ``model`` with personal data masked, when an active privacy policy
    that applies to it says ``maskInputs`` (its ``allow`` columns are left as they are)."""
    allowed: set[str] = set()
    masking = False
    for rules in privacy_cache.privacy_rules(
        ctx.tenant_id,
        model.company_id,
        lambda: _active_privacy_rules(session, ctx, model.company_id),
    ):
        if rules.mask_inputs and rules.applies_to(model.model_name):
            masking = True
            allowed.update(rules.allow)
    if not masking:
        return None
    from urutiq_ai.ml.privacy import mask_record  # numpy: already loaded when predicting

    def mask(row: dict[str, Any]) -> dict[str, Any]:
        return mask_record(row, fields=[key for key in row if key not in allowed])

    return mask
