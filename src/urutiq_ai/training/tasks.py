"""The training job: load the company's data, fit, store, and keep the run row current.

Runs in an executor thread (or a worker process later), one short unit of work per
step, so a client polling the run sees each epoch's loss as it lands. Any failure ends
the run ``failed`` with the reason in ``logs`` and the model ``failed``; a run cancelled
through the API stops at the next epoch and its model ends ``failed``.
"""

import math
import time
from collections.abc import Mapping
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.config import service as config_service
from urutiq_ai.config.schemas import CategoriesConfig, ConfigType
from urutiq_ai.core.errors import AppError, describe, unexpected
from urutiq_ai.core.jobs import (
    STOPPED_REASON,
    AttemptLost,
    Job,
    JobRuntime,
    holds_claim,
    job_unit_of_work,
)
from urutiq_ai.crud.lifecycle import stamp_run_times
from urutiq_ai.ml import artifacts as ml_artifacts
from urutiq_ai.ml.errors import MLError, SpecError, TrainingCancelled
from urutiq_ai.ml.profile import reference_profile
from urutiq_ai.ml.sandbox import Limits
from urutiq_ai.ml.training import Progress, TrainResult, TrainSpec, train
from urutiq_ai.registry import service as registry_service
from urutiq_ai.registry.artifacts import VALIDATION_TARGET, ArtifactStore, artifact_key
from urutiq_ai.registry.models import ModelArtifact
from urutiq_ai.registry.schemas import ComparedTo
from urutiq_ai.sources.repository import SourceRepository
from urutiq_ai.tenancy import context
from urutiq_ai.training.hooks import AFTER_TRAINING, TrainedModel
from urutiq_ai.training.models import AIModelTrainingRun
from urutiq_ai.training.repository import TrainingRunRepository
from urutiq_ai.training.schemas import RunStatus, SourceSpec

CATEGORY_TEMPLATES = frozenset({"expense_classifier"})
"""Templates whose classes come from the company's active ``categories`` configuration."""
CANCEL_CHECK_SECONDS = 0.5
VALIDATION_SAMPLE_ROWS = 2_000
PROGRESS_SECONDS = 0.5


class RunSession:
    """Short units of work on one run, in the job's scope."""

    def __init__(self, runtime: JobRuntime, job: Job) -> None:
        self.runtime = runtime
        self.job = job
        self.ctx = context.for_job(job.tenant_id, [job.company_id], principal_id=job.principal_id)
        self.run_id = str(job.payload["run_id"])
        self.model_id = str(job.payload["model_id"])
        self._last_check = 0.0
        self._cancelled = False
        self._training: list[dict[str, Any]] = []
        self._validation: list[dict[str, Any]] = []
        self._last_step: Progress | None = None
        self._last_write = 0.0

    def open(self) -> AbstractContextManager[Session]:
        return job_unit_of_work(self.runtime, self.ctx)

    def run(self, session: Session) -> AIModelTrainingRun:
        row = TrainingRunRepository(session, self.ctx).get(self.run_id)
        assert row is not None, "the run row is committed before its job is queued"
        return row

    def log(self, line: str) -> None:
        stamp = datetime.now(UTC).strftime("%H:%M:%S")
        with self.open() as session:
            run = self.run(session)
            run.logs = f"{run.logs or ''}{stamp} {line}\n"

    def progress(self, step: Progress) -> None:
        """Buffer a curve point; write the curves at most every PROGRESS_SECONDS.

        xgboost reports every boosting round: a write per point would rewrite a growing
        JSON array thousands of times. The complete curves are written at the end.
        """
        self._training.append({"epoch": step.epoch, "loss": step.loss})
        if step.validation_loss is not None:
            self._validation.append({"epoch": step.epoch, "loss": step.validation_loss})
        self._last_step = step
        if time.monotonic() - self._last_write >= PROGRESS_SECONDS:
            self.write_curves()

    def write_curves(self) -> None:
        self._last_write = time.monotonic()
        step = self._last_step
        with self.open() as session:
            run = self.run(session)
            run.training_metrics = list(self._training)
            run.validation_metrics = list(self._validation)
            if step is not None:
                run.loss, run.validation_loss = step.loss, step.validation_loss
                run.epochs = step.epoch

    def holds(self, session: Session) -> bool:
        """Whether this worker still holds the job (not presumed dead and replaced)."""
        return holds_claim(session, self.job, self.runtime)

    def should_stop(self) -> bool:
        """A cancel of the run (its row, looked at once a second) or the process stopping."""
        if self.runtime.stopping.is_set():
            return True
        now = time.monotonic()
        if not self._cancelled and now - self._last_check >= CANCEL_CHECK_SECONDS:
            self._last_check = now
            with self.open() as session:
                self._cancelled = self.run(session).status == RunStatus.cancelled
        return self._cancelled


def run_training(runtime: JobRuntime, job: Job) -> None:
    """The body of a training job (see the module docstring)."""
    runner = RunSession(runtime, job)
    spec = job.payload["spec"]
    with runner.open() as session:
        if runner.run(session).status != RunStatus.running:
            return  # cancelled, or failed by a restart's sweep, before this job started
    try:
        runner.log(f"loading {spec['source']}")
        frame = _load(runner, spec)
        runner.log(f"{len(frame)} rows; fitting {spec['algorithm']} ({spec['model_type']})")
        result = train(
            frame, _train_spec(spec), on_progress=runner.progress, should_stop=runner.should_stop
        )
        runner.write_curves()
        comparison = _store(runner, result, frame, spec)
        if comparison is not None:
            runner.log(comparison.describe())
        _after_training(runner, result)
        _complete(runner, result)
    except AttemptLost:
        return  # presumed dead and replaced: the ledger's handler ended the run
    except TrainingCancelled:
        _end_stopped(runner)
    except SpecError as exc:
        _end(runner, RunStatus.failed, "; ".join(f"{f}: {r}" for f, r in exc.errors))
    except MLError as exc:
        _end(runner, RunStatus.failed, str(exc))
    except AppError as exc:  # a source refused (a query outside the sandbox's rules, ...)
        if runner.should_stop():  # the source's query was stopped by the cancel
            _end_stopped(runner)
        else:
            _end(runner, RunStatus.failed, describe(exc))
    except Exception as exc:  # noqa: BLE001 - any failure must end on the run row
        _end(runner, RunStatus.failed, unexpected(exc, f"training run {runner.run_id}"))


def _load(runner: RunSession, spec: dict[str, Any]) -> Any:
    with runner.open() as session:
        settings = runner.runtime.settings
        limits = Limits(settings.query_seconds, cancelled=runner.should_stop)
        repo = SourceRepository(session, runner.ctx, sources_dir=settings.sources, limits=limits)
        frame = repo.load(SourceSpec.model_validate(spec["source"]))
        categories = (
            config_service.active_settings(session, runner.ctx, ConfigType.categories)
            if spec.get("template") in CATEGORY_TEMPLATES
            else None
        )
    target = spec.get("target_column")
    if target and target in frame.columns:
        frame = frame[frame[target].notna()].reset_index(drop=True)
        if isinstance(categories, CategoriesConfig):
            frame = _configured_categories(runner, frame, target, categories)
    return frame


def _configured_categories(
    runner: RunSession, frame: Any, target: str, config: CategoriesConfig
) -> Any:
    """Only the rows of the company's active ``categories`` configuration: the classifier
    learns (and so predicts) the categories the company uses, nothing else."""
    allowed = {name.casefold() for name in config.names}
    keep = frame[target].astype(str).str.casefold().isin(allowed)
    left_out = sorted(set(frame.loc[~keep, target].astype(str)))
    runner.log(
        f"categories config: {len(config.names)} categories; {int((~keep).sum())} rows of "
        f"other categories left out {left_out[:20]}"
    )
    if not keep.any():
        raise MLError("no training row has one of the configured categories")
    return frame[keep].reset_index(drop=True)


def _train_spec(spec: dict[str, Any]) -> TrainSpec:
    return TrainSpec(
        model_type=spec["model_type"],
        algorithm=spec["algorithm"],
        feature_columns=list(spec["feature_columns"]),
        target_column=spec.get("target_column"),
        label_column=spec.get("label_column"),
        hyperparameters=spec["hyperparameters"],
        validation_split=spec.get("validation_split", 0.2),
        random_state=spec.get("random_state", 42),
    )


def validation_sample(result: TrainResult) -> Any:
    """Up to VALIDATION_SAMPLE_ROWS validation rows, with the target in VALIDATION_TARGET."""
    sample = result.validation_frame.head(VALIDATION_SAMPLE_ROWS).copy()
    if result.validation_target is not None:
        sample[VALIDATION_TARGET] = list(result.validation_target.head(VALIDATION_SAMPLE_ROWS))
    return sample


def stored_metrics(metrics: Mapping[str, Any]) -> dict[str, float]:
    """The finite numbers among a training's metrics (JSON, and JSONB, hold no NaN)."""
    return {
        name: float(value)
        for name, value in metrics.items()
        if isinstance(value, int | float) and math.isfinite(value)
    }


def _store(
    runner: RunSession, result: TrainResult, frame: Any, spec: dict[str, Any]
) -> ComparedTo | None:
    """Store the pipeline and register the version active; its comparison with the
    version serving (registry_service.compare_with_serving) is stored beside it."""
    data = ml_artifacts.dump_pipeline(result.pipeline)
    validation = ml_artifacts.dump_pipeline(validation_sample(result))
    store = ArtifactStore(runner.runtime.settings.artifacts)
    profile = reference_profile(frame[result.feature_columns], result.column_types)
    with runner.open() as session:
        run = runner.run(session)
        session.refresh(run, with_for_update=True)
        if run.status == RunStatus.cancelled:
            raise TrainingCancelled("cancelled while finishing")
        if run.status != RunStatus.running or not runner.holds(session):
            raise AttemptLost(runner.run_id)  # failed as lost meanwhile: store nothing
        model = registry_service.get_model(session, runner.ctx, runner.model_id)
        uri = store.put(
            artifact_key(model.tenant_id, model.company_id, model.id, "pipeline.pickle"), data
        )
        validation_uri = store.put(
            artifact_key(model.tenant_id, model.company_id, model.id, "validation.pickle"),
            validation,
        )
        artifact = registry_service.record_artifact(
            session,
            runner.ctx,
            ModelArtifact(
                uri=uri,
                sha256=ml_artifacts.sha256(data),
                size_bytes=len(data),
                column_types=result.column_types,
                classes=result.classes,
                reference_profile=profile,
                training_spec=spec,
                training_run_id=runner.run_id,
                validation_uri=validation_uri,
                validation_sha256=ml_artifacts.sha256(validation),
                metrics=stored_metrics(result.metrics),
            ),
            model=model,
        )
        registry_service.finish_training(session, runner.ctx, model, metrics=result.metrics)
        comparison = registry_service.compare_with_serving(
            session, runner.ctx, model, metrics=artifact.metrics
        )
        artifact.compared_to = (
            comparison.model_dump(mode="json", by_alias=True) if comparison else None
        )
    return comparison


def _complete(runner: RunSession, result: TrainResult) -> None:
    """The run's final figures; it is marked completed last, after the after-training steps."""
    summary = ", ".join(f"{k}={v:.4f}" for k, v in result.metrics.items() if isinstance(v, float))
    with runner.open() as session:
        run = runner.run(session)
        run.epochs, run.batch_size = result.epochs, result.batch_size
        run.learning_rate = result.learning_rate
        run.validation_accuracy = result.metrics.get("accuracy")
        run.logs = f"{run.logs or ''}completed: {summary}\n"
        if run.status == RunStatus.running:
            run.status = RunStatus.completed
        stamp_run_times(run, {"status": run.status})


def _after_training(runner: RunSession, result: TrainResult) -> None:
    for hook in AFTER_TRAINING:
        lines: list[str] = []  # logged after the hook's unit of work: SQLite has one writer
        try:
            with runner.open() as session:
                model = registry_service.get_model(session, runner.ctx, runner.model_id)
                hook(
                    session, runner.ctx, TrainedModel(model=model, result=result, log=lines.append)
                )
        except Exception as exc:  # noqa: BLE001 - the model is trained; report, do not undo
            lines.append(f"after-training step {hook.__name__} failed: {exc}")
        for line in lines:
            runner.log(line)


def _end_stopped(runner: RunSession) -> None:
    """A run stopped by its cancel, or failed because the process stops."""
    if runner.runtime.stopping.is_set():
        _end(runner, RunStatus.failed, STOPPED_REASON)
    else:
        _end(runner, RunStatus.cancelled, "cancelled on request")


def _end(runner: RunSession, status: RunStatus, reason: str) -> None:
    with runner.open() as session:
        run = runner.run(session)
        session.refresh(run, with_for_update=True)
        if run.status == RunStatus.failed or not runner.holds(session):
            return  # already ended as lost (see the job ledger): nothing to add
        run.logs = f"{run.logs or ''}{status.value}: {reason}\n"
        if run.status == RunStatus.running:
            run.status = status
        stamp_run_times(run, {"status": run.status})
        model = registry_service.get_model(session, runner.ctx, runner.model_id)
        registry_service.fail_training(session, runner.ctx, model, reason=reason.splitlines()[0])
