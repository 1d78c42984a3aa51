"""Training runs and the training of model versions.

Runs: ``running`` -> ``completed`` | ``failed`` | ``cancelled`` (all final); end states
stamp ``endTime`` and ``duration`` when the caller does not give them.

:func:`start_training` checks a request before anything is written (template, model
type, algorithm, hyperparameters, source and columns: 422 listing every problem),
registers the new version in ``training`` status with a ``running`` run, and hands the
fitting to a job once the transaction commits. :func:`cancel_run` marks a running run
``cancelled``; the job sees it between epochs and stops.
"""

from collections.abc import Mapping
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import FieldError, InvalidStatusTransition, ValidationError
from urutiq_ai.core.jobs import Job, JobRuntime, enqueue, job_unit_of_work
from urutiq_ai.core.naming import to_camel
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.lifecycle import RUN_TRANSITIONS_MOVES, stamp_run_times
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.models import AIModel
from urutiq_ai.registry.schemas import AIModelCreate, ComparedTo
from urutiq_ai.sources.repository import SourceRepository
from urutiq_ai.tenancy import context
from urutiq_ai.training.models import AIModelTrainingRun
from urutiq_ai.training.repository import RunningRunsRepository, TrainingRunRepository
from urutiq_ai.training.schemas import (
    AIModelTrainingRunCreate,
    AIModelTrainingRunDetail,
    AIModelTrainingRunRead,
    AIModelTrainingRunUpdate,
    RunStatus,
    TrainRequest,
)
from urutiq_ai.training.templates import TEMPLATES


def run_detail(session: Session, ctx: TenantContext, run_id: str) -> AIModelTrainingRunDetail:
    """A run with its model version's effective hyperparameters and, once completed, its
    comparison with the version serving (stored when the training completed)."""
    run = crud_service.get_row(session, ctx, TRAINING_RUNS, run_id)
    model, artifact = registry_service.get_model_with_artifact(session, ctx, run.model_id)
    stored = artifact.compared_to if artifact is not None else None
    completed = run.status == RunStatus.completed and stored is not None
    return AIModelTrainingRunDetail.model_validate(
        {
            **AIModelTrainingRunRead.model_validate(run).model_dump(),
            "model_name": model.model_name,
            "model_version": model.model_version,
            "hyperparameters": model.hyperparameters,
            "compared_to": ComparedTo.model_validate(stored) if completed else None,
        }
    )


TRAINING_RUNS = Resource(
    path="training-runs",
    model=AIModelTrainingRun,
    create_schema=AIModelTrainingRunCreate,
    update_schema=AIModelTrainingRunUpdate,
    read_schema=AIModelTrainingRunRead,
    filters=("status", "model_id", "run_name"),
    time_field="start_time",
    sort_fields=("created_at", "updated_at", "run_name"),
    refs={"model_id": "AIModel"},
    transitions=transitions(**RUN_TRANSITIONS_MOVES),
    on_change=stamp_run_times,
    detail=run_detail,
    detail_schema=AIModelTrainingRunDetail,
)

TRAIN_JOB = "urutiq_ai.training.tasks:run_training"
REQUIRED = ("model_name", "model_type", "algorithm", "source", "feature_columns")


def resolve_request(data: TrainRequest) -> TrainRequest:
    """The request with its template's values filled in where the request is silent."""
    given = data.model_dump(exclude_unset=True, exclude_none=True, by_alias=False)
    if data.template is None:
        merged = given
    elif data.template not in TEMPLATES:
        raise ValidationError(
            f"unknown template {data.template!r}",
            fields=[FieldError("template", f"use one of {sorted(TEMPLATES)}")],
        )
    else:
        merged = merge_template(TEMPLATES[data.template], given)
    resolved = TrainRequest.model_validate(merged)
    missing = [
        FieldError(to_camel(name), "required")
        for name in REQUIRED
        if getattr(resolved, name) in (None, [])
    ]
    if missing:
        raise ValidationError("the training request is incomplete", fields=missing)
    return resolved


def merge_template(template: Mapping[str, Any], given: Mapping[str, Any]) -> dict[str, Any]:
    """A template's fields overridden by a request's, the hyperparameters name by name.

    ``{"n_estimators": 300}`` on ``anomaly_detection`` keeps its ``contamination``; a name
    given ``null`` takes the algorithm's default. A request that names another algorithm
    starts from that algorithm's defaults (the template's values are for its own). ``source``
    is replaced whole: a table, a query and a file are alternatives, not parts.
    """
    merged = {**template, **given}
    same_algorithm = given.get("algorithm", template.get("algorithm")) == template.get("algorithm")
    if same_algorithm and "hyperparameters" in given:
        merged["hyperparameters"] = {
            **(template.get("hyperparameters") or {}),
            **given["hyperparameters"],
        }
    elif not same_algorithm:
        merged["hyperparameters"] = given.get("hyperparameters") or {}
    return merged


def check_request(
    session: Session, ctx: TenantContext, data: TrainRequest, *, sources_dir: str
) -> dict[str, Any]:
    """Every problem of a resolved request, before any row is written; the valid params."""
    # The ML registry imports scikit-learn: load it on the first training, not at start-up.
    from urutiq_ai.ml.algorithms import validate_hyperparameters
    from urutiq_ai.ml.errors import SpecError

    assert data.source is not None
    assert data.feature_columns is not None
    errors: list[FieldError] = []
    params: dict[str, Any] = {}
    try:
        params = validate_hyperparameters(
            str(data.algorithm), str(data.model_type), data.hyperparameters or {}
        )
    except SpecError as exc:
        errors += [FieldError(field, reason) for field, reason in exc.errors]
    available = set(SourceRepository(session, ctx, sources_dir=sources_dir).columns(data.source))
    wanted = [*data.feature_columns, data.target_column, data.label_column]
    for name in (column for column in wanted if column):
        if name not in available:
            errors.append(
                FieldError(
                    "featureColumns" if name in data.feature_columns else "targetColumn",
                    f"no column {name!r} in the source",
                )
            )
    if errors:
        raise ValidationError("the training request cannot run", fields=errors)
    return params


def start_training(
    session: Session, ctx: TenantContext, *, data: TrainRequest, sources_dir: str
) -> tuple[AIModel, AIModelTrainingRun]:
    """Register a new version and a running run, and queue the fitting (after commit)."""
    request = resolve_request(data)
    params = check_request(session, ctx, request, sources_dir=sources_dir)
    version = registry_service.choose_version(
        session, ctx, model_name=str(request.model_name), requested=request.model_version
    )
    model = registry_service.register_version(
        session,
        ctx,
        data=AIModelCreate(
            model_name=str(request.model_name),
            model_version=version,
            model_type=request.model_type,
            algorithm=str(request.algorithm),
            hyperparameters=params,
            feature_columns=request.feature_columns,
            target_column=request.target_column,
            description=request.description,
        ),
    )
    run = crud_service.create_row(
        session,
        ctx,
        TRAINING_RUNS,
        AIModelTrainingRunCreate(
            model_id=model.id,
            run_name=request.run_name or f"{model.model_name}-{version}",
            status=RunStatus.running,
        ),
    )
    spec = request.model_dump(mode="json", by_alias=False, exclude_none=True)
    spec["hyperparameters"] = params
    enqueue(
        session,
        Job(
            name=TRAIN_JOB,
            tenant_id=ctx.tenant_id,
            company_id=model.company_id,
            payload={"model_id": model.id, "run_id": run.id, "spec": spec},
            principal_id=ctx.principal_id,
            on_lost=LOST_JOB,
        ),
    )
    return model, run


def cancel_run(session: Session, ctx: TenantContext, *, run_id: str) -> AIModelTrainingRun:
    """Cancel a running training: the run ends ``cancelled`` and its model ``failed`` now;
    the job stops at its next epoch (or, if it was finishing, discards its result)."""
    run: AIModelTrainingRun = crud_service.get_row(session, ctx, TRAINING_RUNS, run_id)
    if run.status != RunStatus.running:
        raise InvalidStatusTransition(
            f"run {run_id!r} is {run.status.value}, not running",
            fields=[FieldError("status", "only a running run can be cancelled")],
        )
    updated: AIModelTrainingRun = crud_service.update_row(
        session, ctx, TRAINING_RUNS, run_id, AIModelTrainingRunUpdate(status=RunStatus.cancelled)
    )
    model = registry_service.get_model(session, ctx, run.model_id)
    registry_service.fail_training(session, ctx, model, reason="the training was cancelled")
    return updated


ORPHAN_REASON = "the server stopped while this run was running; train again"
LOST_JOB = "urutiq_ai.training.service:fail_lost_training"


def fail_orphaned_runs(session: Session) -> int:
    """Mark every ``running`` run failed (and its model): for an embedded server's start,
    when no other process can be running jobs. Returns how many were found."""
    bind_system(session)
    runs = RunningRunsRepository(session).all_running()
    for run in runs:
        fail_run(session, run, ORPHAN_REASON)
    return len(runs)


def fail_run(session: Session, run: AIModelTrainingRun, reason: str) -> None:
    """End a run that its job can no longer end: failed with ``reason``, and its model."""
    run.status = RunStatus.failed
    run.logs = f"{run.logs or ''}failed: {reason}\n"
    stamp_run_times(run, {"status": RunStatus.failed})
    ctx = context.for_job(run.tenant_id, [run.company_id])
    model = registry_service.get_model(session, ctx, run.model_id)
    registry_service.fail_training(session, ctx, model, reason=reason)


def fail_lost_training(runtime: JobRuntime, job: Job, reason: str) -> None:
    """The training job's ``on_lost`` handler: its worker died (see the job ledger)."""
    ctx = context.for_job(job.tenant_id, [job.company_id])
    with job_unit_of_work(runtime, ctx) as session:
        run = TrainingRunRepository(session, ctx).get(str(job.payload["run_id"]))
        if run is not None and run.status == RunStatus.running:
            fail_run(session, run, f"{reason}; train again")
