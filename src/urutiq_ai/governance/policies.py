"""What each policy type's ``rules``, ``thresholds`` and ``compliance`` may hold (checked on
save, 422 naming the key), and the defaults.

Every type's rules take ``severity`` (of the violations it opens; default ``medium``) and
``modelNames`` (the model names it applies to; default all).

* ``fairness`` / ``bias_detection``: ``sensitiveColumn`` (required: the segment column, e.g.
  ``segment``, ``region``), ``positiveLabel``, ``source`` (rows with the model's features,
  target and the sensitive column; default the model's held-out rows, which must hold the
  column), ``nResamples`` (500). ``thresholds``: ``maxParityDifference`` (0.1),
  ``ratioBand`` ([0.8, 1.25]), ``maxEqualizedOddsDifference`` (0.1),
  ``maxAccuracyDifference`` (0.1), ``maxErrorRatio`` (1.25, regression), ``minGroupSize``
  (30).
* ``transparency``: ``requireImportances`` (true), ``requireDescription`` (true: what the
  model is for), ``minDescriptionLength`` (20), ``requireLineage`` (true: the training data
  and run are recorded), ``featureDocs`` ({column: text}) with ``requireFeatureDocs``
  (false).
* ``privacy``: ``allow`` (columns allowed to hold personal data), ``sampleSize`` (1000),
  ``scanInputs`` (true: stored prediction inputs are scanned too), ``recentInputs`` (500),
  ``maskInputs`` (false; true: personal data in the inputs of the models it applies to is
  masked before they are stored, except in ``allow`` columns).
* ``security``: ``requireVerifiedArtifact`` (true: the stored pipeline's SHA-256 verifies),
  ``deployerRoles`` (["admin", "editor"]: roles whose keys may have deployed it),
  ``trainerRoles`` (["admin", "editor"]: roles whose keys may have trained it; a model the
  system trained by itself, e.g. a scheduled retraining, passes).

``monitoring``: ``schedule`` (a cron expression: evaluated against every active model it
applies to when due), ``enabled`` (true).

``compliance``: ``required`` (false; true: a model is evaluated against this policy before
it is released to a gated environment, and must pass), ``environments`` (["production"]).
"""

from collections.abc import Mapping
from typing import Any

from pydantic import Field
from pydantic import ValidationError as PydanticValidationError

from urutiq_ai.core.context import Role
from urutiq_ai.core.errors import FieldError, ValidationError, pydantic_fields
from urutiq_ai.core.schemas import Cron, LongText, Name, RequestSchema
from urutiq_ai.deployments.schemas import Environment
from urutiq_ai.governance.schemas import PolicyType, Severity
from urutiq_ai.sources.schemas import SourceSpec


class CommonRules(RequestSchema):
    severity: Severity = Severity.medium
    model_names: list[Name] | None = None

    def applies_to(self, model_name: str) -> bool:
        return self.model_names is None or model_name in self.model_names


class FairnessRules(CommonRules):
    sensitive_column: Name
    positive_label: str | int | bool | None = None
    source: SourceSpec | None = None
    n_resamples: int = Field(default=500, ge=100, le=5_000)


class TransparencyRules(CommonRules):
    require_importances: bool = True
    require_description: bool = True
    min_description_length: int = Field(default=20, ge=0, le=10_000)
    require_lineage: bool = True
    require_feature_docs: bool = False
    feature_docs: dict[str, LongText] | None = None


class PrivacyRules(CommonRules):
    allow: list[Name] = Field(default_factory=list)
    sample_size: int = Field(default=1_000, ge=10, le=100_000)
    scan_inputs: bool = True
    recent_inputs: int = Field(default=500, ge=0, le=10_000)
    mask_inputs: bool = False


class SecurityRules(CommonRules):
    require_verified_artifact: bool = True
    deployer_roles: list[Role] = Field(default_factory=lambda: [Role.admin, Role.editor])
    trainer_roles: list[Role] = Field(default_factory=lambda: [Role.admin, Role.editor])


class Monitoring(RequestSchema):
    """``schedule``: a cron expression (UTC); the scheduler evaluates the policy against every
    active model it applies to when due."""

    schedule: Cron | None = None
    enabled: bool = True


class Compliance(RequestSchema):
    required: bool = False
    environments: list[Environment] = Field(default_factory=lambda: [Environment.production])


RULES: dict[PolicyType, type[CommonRules]] = {
    PolicyType.fairness: FairnessRules,
    PolicyType.bias_detection: FairnessRules,
    PolicyType.transparency: TransparencyRules,
    PolicyType.privacy: PrivacyRules,
    PolicyType.security: SecurityRules,
}
FAIRNESS_TYPES = frozenset({PolicyType.fairness, PolicyType.bias_detection})


def rules_of(policy_type: PolicyType, rules: Any) -> CommonRules:
    """The parsed rules of a policy type (422 naming each bad key)."""
    return _parsed(RULES[policy_type], rules or {}, "rules")


def compliance_of(compliance: Any) -> Compliance:
    parsed = _parsed(Compliance, compliance or {}, "compliance")
    assert isinstance(parsed, Compliance)
    return parsed


def fairness_thresholds(thresholds: Any) -> Any:
    """The parsed fairness thresholds (422 naming each bad key)."""
    from urutiq_ai.ml.fairness.settings import FairnessConfigError, thresholds_from

    try:
        return thresholds_from(thresholds or {})
    except FairnessConfigError as exc:
        raise ValidationError(
            "thresholds are not valid for a fairness policy",
            fields=[FieldError(path, reason) for path, reason in exc.errors],
        ) from exc


def monitoring_of(monitoring: Any) -> Monitoring:
    parsed = _parsed(Monitoring, monitoring or {}, "monitoring")
    assert isinstance(parsed, Monitoring)
    return parsed


def check_policy(policy_type: PolicyType, values: Mapping[str, Any]) -> None:
    """Rules, thresholds, monitoring and compliance of a policy, checked for its type."""
    rules_of(policy_type, values.get("rules"))
    compliance_of(values.get("compliance"))
    monitoring_of(values.get("monitoring"))
    thresholds = values.get("thresholds")
    if policy_type in FAIRNESS_TYPES:
        fairness_thresholds(thresholds)
    elif thresholds:
        raise ValidationError(
            f"a {policy_type.value} policy takes no thresholds",
            fields=[FieldError("thresholds", "only fairness policies have thresholds")],
        )


def _parsed(schema: type[RequestSchema], value: Any, field: str) -> Any:
    if not isinstance(value, dict):
        raise ValidationError(
            f"{field} must be a JSON object", fields=[FieldError(field, "expected an object")]
        )
    try:
        return schema.model_validate(value)
    except PydanticValidationError as exc:
        fields = pydantic_fields(exc, prefix=field)
        raise ValidationError(f"{field} are not valid for this policy type", fields=fields) from exc
