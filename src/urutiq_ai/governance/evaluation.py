"""Evaluating one policy against one model: the checks of each policy type, on the model's
data, returning a verdict with its evidence (no database writes here).

Each check reads what it needs first, then ends the read-only transaction
(``end_read_only_transaction``) before it loads pipelines and computes: on SQLite every
transaction holds the database's write lock, which the server's other requests and the
processes beside it (a CLI, a scheduler) would otherwise wait for the whole computation.

Imported lazily (fairness and privacy checks load the ML stack).
"""

from dataclasses import dataclass, field
from typing import Any

import pandas as pd
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import end_read_only_transaction
from urutiq_ai.core.errors import FieldError, ValidationError, describe
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.explainability import service as explainability_service
from urutiq_ai.governance.models import AIGovernance
from urutiq_ai.governance.policies import (
    FAIRNESS_TYPES,
    FairnessRules,
    PrivacyRules,
    SecurityRules,
    TransparencyRules,
    fairness_thresholds,
    rules_of,
)
from urutiq_ai.governance.schemas import EvaluationStatus, PolicyType
from urutiq_ai.ml.columns import typed_frame
from urutiq_ai.ml.errors import ArtifactTampered
from urutiq_ai.ml.predict import predict, to_jsonable
from urutiq_ai.predictions import service as predictions_service
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import VALIDATION_TARGET, ArtifactStore
from urutiq_ai.registry.models import AIModel, ModelArtifact
from urutiq_ai.sources.repository import SourceRepository
from urutiq_ai.tenancy import service as tenancy_service


@dataclass
class Verdict:
    status: EvaluationStatus
    summary: str
    evidence: dict[str, Any] = field(default_factory=dict)

    @property
    def failed(self) -> bool:
        return self.status == EvaluationStatus.failed


@dataclass(frozen=True)
class Context:
    session: Session
    ctx: TenantContext
    store: ArtifactStore
    sources_dir: str


def evaluate(where: Context, policy: AIGovernance, model: AIModel) -> Verdict:
    """The verdict of ``policy`` on ``model`` (422 when the policy cannot apply to it)."""
    rules = rules_of(policy.policy_type, policy.rules)
    _, artifact = registry_service.get_model_with_artifact(where.session, where.ctx, model.id)
    if policy.policy_type in FAIRNESS_TYPES:
        assert isinstance(rules, FairnessRules)
        return _fairness(where, policy, rules, model, artifact)
    if policy.policy_type == PolicyType.transparency:
        assert isinstance(rules, TransparencyRules)
        return _transparency(where, rules, model, artifact)
    if policy.policy_type == PolicyType.privacy:
        assert isinstance(rules, PrivacyRules)
        return _privacy(where, rules, model, artifact)
    assert isinstance(rules, SecurityRules)
    return _security(where, rules, model, artifact)


# --- fairness ----------------------------------------------------------------------------


def _fairness(
    where: Context,
    policy: AIGovernance,
    rules: FairnessRules,
    model: AIModel,
    artifact: ModelArtifact | None,
) -> Verdict:
    from urutiq_ai.ml.fairness.classification import classification_fairness
    from urutiq_ai.ml.fairness.regression import regression_fairness

    artifact = _require_artifact(model, artifact)
    frame, target = _fairness_rows(where, rules, model, artifact)
    end_read_only_transaction(where.session)  # scoring and resampling take a while
    pipeline = _pipeline(artifact, where.store)
    features = list(model.feature_columns or [])
    outputs = predict(
        pipeline,
        typed_frame(frame, features, artifact.column_types),
        model_type=model.model_type.value,
    )
    predicted = [to_jsonable(out.prediction) for out in outputs]
    truth = [to_jsonable(value) for value in target]
    sensitive = [None if pd.isna(v) else str(v) for v in frame[rules.sensitive_column]]
    thresholds = fairness_thresholds(policy.thresholds)
    if model.model_type.value == "regression":
        report = regression_fairness(
            [float(v) for v in truth],
            [float(v) for v in predicted],
            sensitive,
            thresholds=thresholds,
            n_resamples=rules.n_resamples,
            sensitive_column=rules.sensitive_column,
        )
    else:
        report = classification_fairness(
            truth,
            predicted,
            sensitive,
            positive_label=rules.positive_label,
            thresholds=thresholds,
            n_resamples=rules.n_resamples,
            sensitive_column=rules.sensitive_column,
        )
    status = {
        "pass": EvaluationStatus.passed,
        "fail": EvaluationStatus.failed,
    }.get(report.status, EvaluationStatus.insufficient)
    return Verdict(status, report.summary, {"fairness": report.as_dict()})


def _fairness_rows(
    where: Context, rules: FairnessRules, model: AIModel, artifact: ModelArtifact
) -> tuple[pd.DataFrame, pd.Series]:
    column = rules.sensitive_column
    if rules.source is not None:
        repo = SourceRepository(where.session, where.ctx, sources_dir=where.sources_dir)
        frame = repo.load(rules.source)
        target = model.target_column or ""
        missing = [c for c in [column, target, *(model.feature_columns or [])] if c not in frame]
        if missing:
            raise ValidationError(
                "the policy's source lacks columns the evaluation needs",
                fields=[FieldError("rules.source", f"no columns {missing}")],
            )
        frame = frame[frame[target].notna()].reset_index(drop=True)
        return frame, frame[target]
    sample = _validation_rows(artifact, where.store)
    if column not in sample.columns:
        raise ValidationError(
            f"model {model.id} keeps no column {column!r} in its held-out rows",
            fields=[
                FieldError(
                    "rules.sensitiveColumn",
                    "the model's data does not have it: name a source with rules.source",
                )
            ],
        )
    return sample, sample[VALIDATION_TARGET]


# --- transparency ------------------------------------------------------------------------


def _transparency(
    where: Context, rules: TransparencyRules, model: AIModel, artifact: ModelArtifact | None
) -> Verdict:
    problems: list[str] = []
    evidence: dict[str, Any] = {}
    methods = explainability_service.importance_methods(where.session, where.ctx, model.id)
    evidence["importanceMethods"] = methods
    if rules.require_importances and not methods:
        problems.append("no feature importances are stored")
    description = (model.description or "").strip()
    evidence["descriptionLength"] = len(description)
    if rules.require_description and len(description) < max(rules.min_description_length, 1):
        problems.append(
            f"the description (what the model is for) has {len(description)} characters, "
            f"fewer than {rules.min_description_length}"
        )
    lineage = {
        "trainingRunId": artifact.training_run_id if artifact else None,
        "source": (artifact.training_spec or {}).get("source") if artifact else None,
    }
    evidence["lineage"] = lineage
    if rules.require_lineage and not (lineage["trainingRunId"] and lineage["source"]):
        problems.append("the training data and run are not recorded (not trained here?)")
    features = list(model.feature_columns or [])
    documented = set((rules.feature_docs or {}).keys())
    undocumented = [name for name in features if name not in documented]
    evidence["undocumentedFeatures"] = undocumented
    if rules.require_feature_docs and undocumented:
        problems.append(f"features without documentation: {undocumented}")
    evidence["metrics"] = {
        name: getattr(model, attr)
        for name, attr in (
            ("accuracy", "accuracy"),
            ("precision", "precision"),
            ("recall", "recall"),
            ("f1Score", "f1_score"),
        )
    }
    return _from_problems(
        problems, "transparent: importances, purpose and lineage on record", evidence
    )


# --- privacy -----------------------------------------------------------------------------


def _privacy(
    where: Context, rules: PrivacyRules, model: AIModel, artifact: ModelArtifact | None
) -> Verdict:
    from urutiq_ai.ml import privacy

    features = list(model.feature_columns or [])
    inputs: list[Any] = []
    if rules.scan_inputs and rules.recent_inputs:
        inputs = predictions_service.recent_inputs(
            where.session, where.ctx, model_id=model.id, limit=rules.recent_inputs
        )
    end_read_only_transaction(where.session)  # the scans take a while
    sample = _validation_rows(artifact, where.store) if artifact is not None else None
    frame = sample[[c for c in features if c in sample.columns]] if sample is not None else None
    reports = [
        privacy.check_privacy(
            features,
            frame if frame is not None else pd.DataFrame(columns=features),
            allow=rules.allow,
        )
    ]
    records = [row for row in inputs if isinstance(row, dict)]
    if records:
        reports.append(privacy.check_privacy(features, records, allow=rules.allow))
    failed = [report for report in reports if report.status != "pass"]
    evidence = {"training": reports[0].as_dict()}
    if len(reports) > 1:
        evidence["storedInputs"] = reports[1].as_dict()
    if failed:
        summary = "; ".join(report.summary for report in failed)
        return Verdict(EvaluationStatus.failed, summary, evidence)
    return Verdict(
        EvaluationStatus.passed, "no personal data found in features or inputs", evidence
    )


# --- security ----------------------------------------------------------------------------


def _security(
    where: Context, rules: SecurityRules, model: AIModel, artifact: ModelArtifact | None
) -> Verdict:
    roles = tenancy_service.key_roles(where.session, where.ctx)
    revisions = deployment_queries.revisions_serving(where.session, where.ctx, model.id)
    trainer = tenancy_service.creator_key_of(where.session, where.ctx, "AIModel", model.id)
    end_read_only_transaction(where.session)  # loading and verifying a pipeline takes a while
    problems: list[str] = []
    evidence: dict[str, Any] = {}
    if rules.require_verified_artifact:
        if artifact is None:
            problems.append("the model has no stored pipeline to verify")
        else:
            try:
                registry_service.load_pipeline(artifact, where.store)
                evidence["artifact"] = {"sha256": artifact.sha256, "verified": True}
            except ArtifactTampered as exc:
                evidence["artifact"] = {"sha256": artifact.sha256, "verified": False}
                problems.append(f"the stored pipeline does not verify: {exc}")
            except Exception as exc:  # noqa: BLE001 - a missing file is as bad as a tampered one
                evidence["artifact"] = {"sha256": artifact.sha256, "verified": False}
                problems.append(f"the stored pipeline does not load: {describe(exc)}")
    deployed_by = []
    for revision in revisions:
        role = roles.get(revision.actor or "")
        deployed_by.append(
            {
                "deploymentId": revision.deployment_id,
                "version": revision.version,
                "actor": revision.actor,
                "role": role.value if role else None,
            }
        )
        if role is not None and role not in rules.deployer_roles:
            problems.append(
                f"deployment {revision.deployment_name} ({revision.environment.value}) was "
                f"released by a {role.value} key"
            )
    evidence["deployedBy"] = deployed_by
    trainer_role = roles.get(trainer or "")
    evidence["trainedBy"] = {
        "actor": trainer,
        "role": trainer_role.value if trainer_role else None,
    }
    if trainer is not None and trainer_role not in rules.trainer_roles:
        role_name = trainer_role.value if trainer_role else "unknown"
        problems.append(f"the model was trained by a key of role {role_name!r}")
    return _from_problems(
        problems, "artifact verified; trained and deployed by allowed roles", evidence
    )


# --- shared ------------------------------------------------------------------------------


def _from_problems(problems: list[str], ok: str, evidence: dict[str, Any]) -> Verdict:
    evidence["problems"] = problems
    if problems:
        return Verdict(EvaluationStatus.failed, "; ".join(problems), evidence)
    return Verdict(EvaluationStatus.passed, ok, evidence)


def _require_artifact(model: AIModel, artifact: ModelArtifact | None) -> ModelArtifact:
    if artifact is None:
        raise ValidationError(
            f"model {model.id} has no stored pipeline to evaluate",
            fields=[FieldError("modelId", "not trained here")],
        )
    return artifact


def _pipeline(artifact: ModelArtifact, store: ArtifactStore) -> Any:
    try:
        return registry_service.load_pipeline(artifact, store)
    except ArtifactTampered as exc:
        raise ValidationError(
            str(exc), fields=[FieldError("modelId", "its stored pipeline does not verify")]
        ) from exc


def _validation_rows(artifact: ModelArtifact | None, store: ArtifactStore) -> pd.DataFrame:
    sample = registry_service.load_validation_sample(artifact, store) if artifact else None
    if sample is None:
        return pd.DataFrame()
    return sample
