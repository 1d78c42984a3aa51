"""Experiments: ``active`` -> ``completed`` | ``archived``; ``completed`` -> ``archived``.

An experiment compares a baseline model with a current one (the challenger) against
declared ``successMetrics``: improvement targets (``{"metric": "f1Score",
"minImprovement": 0.02}``) and guards (``{"metric": "accuracy", "maxDegradation": 0.01}``).
Both models must belong to the experiment's company and be of one type. ``evaluate``
writes ``results`` (offline and online comparisons, the verdict) and the system's
``conclusions``; a person may write their own conclusions afterwards. ``promote`` releases
the challenger into the experiment's deployment once the verdict is ``passed``.
"""

from collections.abc import Mapping
from typing import Any

from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import utcnow
from urutiq_ai.core.errors import FieldError, NotFound, ValidationError, pydantic_fields
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.deployments import queries as deployment_queries
from urutiq_ai.deployments import releases as deployment_releases
from urutiq_ai.deployments.schemas import DeploymentConfig, DeploymentRelease, RevisionAction
from urutiq_ai.experiments.errors import ExperimentNotReady
from urutiq_ai.experiments.models import AIExperiment
from urutiq_ai.experiments.schemas import (
    AIExperimentCreate,
    AIExperimentRead,
    AIExperimentUpdate,
    EvaluateRequest,
    ExperimentPromote,
    ExperimentStatus,
    Methodology,
)
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import ArtifactStore
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import service as tenancy_service


def _check_experiment(
    session: Session, ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """The two models are distinct, of one type; the criteria and methodology parse, and the
    methodology's deployment is one of the experiment's company."""
    if {"baseline_model", "current_model"} & changes.keys():
        _check_models(session, ctx, row.baseline_model, row.current_model)
    if "success_metrics" in changes and row.success_metrics is not None:
        criteria_of(row.success_metrics)
    if "methodology" in changes:
        deployment_id = methodology_of(row.methodology).deployment_id
        if deployment_id is not None:
            _check_deployment(session, ctx, deployment_id)


def _check_deployment(session: Session, ctx: TenantContext, deployment_id: str) -> None:
    """A deployment of the request's company (the scope of ``ctx``), else 422."""
    try:
        deployment_queries.get_deployment(session, ctx, deployment_id)
    except NotFound as exc:
        raise ValidationError(
            f"no deployment {deployment_id!r} in this company",
            fields=[FieldError("methodology.deploymentId", "not a deployment id of this company")],
        ) from exc


EXPERIMENTS = Resource(
    path="experiments",
    model=AIExperiment,
    create_schema=AIExperimentCreate,
    update_schema=AIExperimentUpdate,
    read_schema=AIExperimentRead,
    filters=("status", "experiment_name", "baseline_model", "current_model"),
    sort_fields=("created_at", "updated_at", "experiment_name"),
    refs={"baseline_model": "AIModel", "current_model": "AIModel"},
    unique=(("experiment_name",),),
    transitions=transitions(active=("completed", "archived"), completed=("archived",)),
    deletable=True,
    validators=(_check_experiment,),
)


def criteria_of(value: Any) -> list[Any]:
    """The parsed success criteria (422 naming each bad key)."""
    from urutiq_ai.ml.comparison.criteria import CriteriaError, parse_success_metrics

    if value is None:
        return []
    try:
        return parse_success_metrics(value)
    except CriteriaError as exc:
        raise ValidationError(
            "successMetrics are not valid",
            fields=[FieldError(path, reason) for path, reason in exc.errors],
        ) from exc


def methodology_of(value: Any) -> Methodology:
    """The methodology keys the system reads (422 naming a bad one)."""
    if value is None:
        return Methodology()
    if not isinstance(value, dict):
        raise ValidationError(
            "methodology must be a JSON object",
            fields=[FieldError("methodology", "expected an object")],
        )
    try:
        return Methodology.model_validate(value)
    except PydanticValidationError as exc:
        fields = pydantic_fields(exc, prefix="methodology")
        raise ValidationError("methodology is not valid", fields=fields) from exc


def _check_models(
    session: Session, ctx: TenantContext, baseline_id: str | None, current_id: str | None
) -> None:
    if baseline_id is None or current_id is None:
        return
    if baseline_id == current_id:
        raise ValidationError(
            "an experiment compares two different models",
            fields=[FieldError("currentModel", "the same model as baselineModel")],
        )
    baseline = registry_service.get_model(session, ctx, baseline_id)
    current = registry_service.get_model(session, ctx, current_id)
    if baseline.model_type != current.model_type:
        raise ValidationError(
            "both models of an experiment must be of one type",
            fields=[
                FieldError(
                    "currentModel",
                    f"{current.model_type.value}, while the baseline is "
                    f"{baseline.model_type.value}",
                )
            ],
        )


def get_experiment(session: Session, ctx: TenantContext, experiment_id: str) -> AIExperiment:
    experiment: AIExperiment = crud_service.get_row(session, ctx, EXPERIMENTS, experiment_id)
    return experiment


def evaluate(
    session: Session,
    ctx: TenantContext,
    *,
    experiment_id: str,
    data: EvaluateRequest,
    store: ArtifactStore,
    sources_dir: str,
) -> AIExperiment:
    """Compare the two models (module docstring) and write ``results`` and the system's
    ``conclusions``; audited like any change."""
    from urutiq_ai.experiments import evaluation

    experiment = get_experiment(session, ctx, experiment_id)
    if experiment.status == ExperimentStatus.archived:
        raise ExperimentNotReady(
            "an archived experiment is not evaluated",
            fields=[FieldError("status", "archived")],
        )
    baseline, current = _arms(session, ctx, experiment)
    methodology = methodology_of(experiment.methodology)
    criteria = criteria_of(experiment.success_metrics)
    results: dict[str, Any] = {"evaluatedAt": utcnow().isoformat(), "mode": data.mode}
    if data.mode in ("offline", "both"):
        results["offline"] = evaluation.offline(
            session,
            ctx,
            baseline=baseline,
            current=current,
            methodology=methodology,
            criteria=criteria,
            store=store,
            sources_dir=sources_dir,
        )
    deployment_id = methodology.deployment_id
    if data.mode == "online" and deployment_id is None:
        raise ValidationError(
            "an online evaluation reads a deployment's outcomes: name it",
            fields=[FieldError("methodology.deploymentId", "required for online evaluation")],
        )
    if data.mode in ("online", "both") and deployment_id is not None:
        deployment_queries.get_deployment(session, ctx, deployment_id)  # 404 if not ours
        results["online"] = evaluation.online(
            session,
            ctx,
            deployment_id=deployment_id,
            baseline=baseline,
            current=current,
            methodology=methodology,
            criteria=criteria,
        )
    results["verdict"] = evaluation.conclude(results.get("offline"), results.get("online"))
    conclusions = _system_conclusion(results["verdict"])
    return _write(session, ctx, experiment, "evaluate", results=results, conclusions=conclusions)


def promote(
    session: Session,
    ctx: TenantContext,
    *,
    experiment_id: str,
    data: ExperimentPromote,
    store: ArtifactStore,
) -> deployment_releases.DeploymentChange:
    """Release the challenger into the deployment (its split, shadow and ensemble dropped)
    once the experiment passed; the experiment is then ``completed``."""
    experiment = get_experiment(session, ctx, experiment_id)
    verdict = (experiment.results or {}).get("verdict") or {}
    if verdict.get("status") != "passed":
        raise ExperimentNotReady(
            "only an experiment whose verdict is 'passed' promotes its challenger; "
            f"this one is {verdict.get('status', 'not evaluated')}",
            fields=[FieldError("results.verdict", "evaluate it; it must pass")],
        )
    deployment_id = data.deployment_id or methodology_of(experiment.methodology).deployment_id
    if deployment_id is None or experiment.current_model is None:
        raise ValidationError(
            "name the deployment the challenger is released into",
            fields=[FieldError("deploymentId", "required (or methodology.deploymentId)")],
        )
    deployment = deployment_queries.get_deployment(session, ctx, deployment_id)
    config = DeploymentConfig.model_validate(deployment.config or {})
    config = config.model_copy(update={"traffic": None, "shadow": None, "ensemble": None})
    reason = data.reason or f"experiment {experiment.experiment_name}: {verdict.get('summary')}"
    change = deployment_releases.release(
        session,
        ctx,
        deployment_id=deployment.id,
        data=DeploymentRelease(model_id=experiment.current_model, config=config, reason=reason),
        store=store,
        action=RevisionAction.promote,
    )
    if change.revision.status.value == "active":
        results = {**(experiment.results or {}), "promoted": _promotion(change)}
        _write(
            session,
            ctx,
            experiment,
            "promote",
            results=results,
            status=ExperimentStatus.completed,
        )
    return change


def _write(
    session: Session, ctx: TenantContext, experiment: AIExperiment, action: str, **changes: Any
) -> AIExperiment:
    """System-written fields of an experiment, changed and audited as one step."""
    before = _snapshot(experiment)
    for name, value in changes.items():
        setattr(experiment, name, value)
    session.flush()
    tenancy_service.record_audit(
        session,
        ctx,
        action=action,
        row=experiment,
        company_id=experiment.company_id,
        before=before,
        after=_snapshot(experiment),
    )
    return experiment


def _snapshot(experiment: AIExperiment) -> dict[str, Any]:
    return AIExperimentRead.model_validate(experiment).model_dump(mode="json", by_alias=True)


def _arms(session: Session, ctx: TenantContext, experiment: AIExperiment) -> tuple[Any, Any]:
    from urutiq_ai.experiments.evaluation import Arm

    arms = []
    for field, model_id in (
        ("baselineModel", experiment.baseline_model),
        ("currentModel", experiment.current_model),
    ):
        if model_id is None:
            raise ValidationError(
                "an experiment needs a baseline and a current model to be evaluated",
                fields=[FieldError(field, "required to evaluate")],
            )
        model, artifact = _model(session, ctx, model_id, field)
        if artifact is None:
            raise ValidationError(
                f"model {model_id} has no stored pipeline to score with",
                fields=[FieldError(field, "not trained here")],
            )
        arms.append(Arm(model, artifact))
    return arms[0], arms[1]


def _model(session: Session, ctx: TenantContext, model_id: str, field: str) -> tuple[AIModel, Any]:
    try:
        return registry_service.get_model_with_artifact(session, ctx, model_id)
    except NotFound as exc:
        raise ValidationError(
            f"no model {model_id!r} in this company", fields=[FieldError(field, "not found")]
        ) from exc


def _system_conclusion(verdict: Mapping[str, Any]) -> str:
    summary = verdict.get("summary") or "no comparison yet"
    return (
        f"[system, {verdict.get('basis')}] {verdict.get('status')}: {summary} "
        f"Recommendation: {verdict.get('recommendation')}."
    )


def _promotion(change: deployment_releases.DeploymentChange) -> dict[str, Any]:
    return {
        "deploymentId": change.deployment.id,
        "version": change.revision.version,
        "at": utcnow().isoformat(),
    }
