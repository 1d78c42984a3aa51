"""The pipeline job: read the source, transform, validate, write target and rejects.

Everything a run writes (the target's company rows, the rejects, the run's counts) commits
in one transaction: a run that fails leaves the previous output intact and records the
reason on its run row.
"""

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd  # no stubs in the environment
from sqlalchemy import JSON, Integer, String, Text
from sqlalchemy.orm import Session
from sqlalchemy.types import TypeEngine

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import AppError, describe, unexpected
from urutiq_ai.core.jobs import (
    STOPPED_REASON,
    AttemptLost,
    Job,
    JobFailed,
    JobRuntime,
    RetryLater,
    holds_claim,
    job_unit_of_work,
    next_retry_delay,
)
from urutiq_ai.ml import quality as ml_quality
from urutiq_ai.ml import transform
from urutiq_ai.ml.errors import MLError
from urutiq_ai.ml.sandbox import Limits
from urutiq_ai.pipelines import modes
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.repository import PipelineRunRepository, TargetRepository
from urutiq_ai.pipelines.runs import retry_policy
from urutiq_ai.pipelines.schemas import RunMode, RunStatus
from urutiq_ai.pipelines.service import config_of, rules_of, steps_of
from urutiq_ai.quality.checks import check_frame, check_name, measure_of, read_references
from urutiq_ai.quality.rules import ROW_CHECKS
from urutiq_ai.sources.repository import SourceRepository
from urutiq_ai.sources.schemas import SourceSpec
from urutiq_ai.tenancy.context import for_job

REJECT_COLUMNS: dict[str, TypeEngine[Any]] = {
    "runId": String(255),
    "rowNumber": Integer(),
    "rule": String(255),
    "reason": Text(),
    "rowData": JSON(),
}


class RunCancelled(Exception):
    """The run was cancelled while its job worked: nothing it did is kept."""


@dataclass
class Outcome:
    processed: int
    failed: int
    skipped: int
    input_size: int
    output_size: int
    metrics: dict[str, Any]
    logs: list[str]


@dataclass
class Inputs:
    """What a run reads in its first, short transaction: everything a run's steps and checks
    need from the database, so that they run with no transaction (and, on SQLite, no lock)
    open."""

    pipeline: AIDataPipeline
    plan: modes.RunPlan
    steps: list[dict[str, Any]]
    frame: pd.DataFrame
    mark: str | None
    new: int
    joined: dict[str, pd.DataFrame]
    references: dict[int, list[pd.DataFrame]]
    logs: list[str]


def run_pipeline(runtime: JobRuntime, job: Job) -> None:
    """Read (one transaction), transform and measure (no transaction: the steps are the
    user's code, under the query time limit and checking for a cancel), then claim the run,
    write and finish (one transaction; nothing of a failed or cancelled run is kept)."""
    ctx = for_job(job.tenant_id, [job.company_id])
    run_id = str(job.payload["runId"])
    sources_dir = runtime.settings.sources
    started = time.perf_counter()
    try:
        with job_unit_of_work(runtime, ctx) as session:
            inputs = read_inputs(session, ctx, run_id, sources_dir, job.payload)
        if inputs is None:
            return  # cancelled before it started
        limits = Limits(
            runtime.settings.query_seconds, cancelled=_cancel_check(runtime, ctx, run_id)
        )
        result = transform.apply(inputs.frame, inputs.steps, _joined_reader(inputs), limits)
        with job_unit_of_work(runtime, ctx) as session:
            run = PipelineRunRepository(session, ctx).get_or_raise(run_id)
            outcome = write_outputs(session, ctx, run, inputs, result, sources_dir)
            if job.attempt > 1:
                after = f" (the last one: {job.last_error})" if job.last_error else ""
                outcome.logs.insert(0, f"attempt {job.attempt} of {job.max_attempts}{after}")
            if not holds_claim(session, job, runtime):
                raise AttemptLost(run.run_id)  # handed to another worker: write nothing
            _finish(run, started, RunStatus.completed, outcome=outcome)
    except transform.Cancelled:
        if runtime.stopping.is_set():  # the process stops: the run must not hang
            _record_failure(runtime, ctx, job, started, STOPPED_REASON)
    except (RunCancelled, AttemptLost):
        return  # rolled back; the run row (or the attempt that took over) says the rest
    except (AppError, MLError) as exc:
        _record_failure(runtime, ctx, job, started, describe(exc))
    except Exception as exc:  # noqa: BLE001 - recorded on the run, never left running
        _record_failure(runtime, ctx, job, started, unexpected(exc, f"pipeline run {run_id}"))


def read_inputs(
    session: Session,
    ctx: TenantContext,
    run_id: str,
    sources_dir: str,
    payload: Mapping[str, Any] | None = None,
) -> Inputs | None:
    """The run's rows (as its mode says; see :mod:`.modes`), its joined sources and its
    checks' references; None when the run is no longer running. ``payload`` is the job's
    (a backfill's range, for run rows that do not record it)."""
    runs = PipelineRunRepository(session, ctx)
    run = runs.get_or_raise(run_id)
    if run.status != RunStatus.running:
        return None
    pipeline = runs.pipeline_of(run)
    logs: list[str] = []
    sources = SourceRepository(session, ctx, sources_dir=sources_dir, field="sourceTables")
    source = SourceSpec(table=str(pipeline.source_tables[0]))
    steps = steps_of(pipeline)
    plan = modes.plan_run(runs, pipeline, run, config_of(pipeline), steps, payload or {})
    logs.append(plan.describe(str(source.table)))
    frame, mark, new = _read(sources, source, plan, logs)
    joined = {
        _join_key(step["source"]): sources.load(SourceSpec.model_validate(step["source"]))
        for step in steps
        if step["step"] == "join"
    }
    references = read_references(session, ctx, rules_of(pipeline), sources_dir=sources_dir)
    return Inputs(pipeline, plan, steps, frame, mark, new, joined, references, logs)


def write_outputs(
    session: Session,
    ctx: TenantContext,
    run: AIDataPipelineRun,
    inputs: Inputs,
    result: transform.Result,
    sources_dir: str,
) -> Outcome:
    """Claim the run (a cancel that came first ends the job here), validate, store the
    checks and write the target and rejects."""
    runs = PipelineRunRepository(session, ctx)
    plan, frame, logs = inputs.plan, inputs.frame, inputs.logs
    base = {"rowsRead": len(frame), **modes.plan_metrics(plan, inputs.mark)}
    if plan.mode == RunMode.incremental and plan.after is not None and not inputs.new:
        _claim(runs, run)
        logs.append(f"no new rows since {plan.after}: nothing written")
        metrics = {"steps": [], "checks": [], **base}
        return Outcome(0, 0, 0, int(frame.memory_usage(deep=True).sum()), 0, metrics, logs)
    for report in result.steps:
        logs.append(f"{report.step}: {report.rows_in} -> {report.rows_out} rows")
    checked = _own_output(result.frame, plan, logs)
    rules = rules_of(inputs.pipeline)
    output, rejects = _validate(checked, rules, run.run_id)
    _claim(runs, run)  # a cancel from now on waits for this run's end (and then is refused)
    target = str(inputs.pipeline.target_tables[0])
    counted = _counted(rules, len(checked), len(output), target)
    checks = _quality_results(
        session, ctx, rules, checked, target, run, sources_dir, inputs.references, counted
    )
    targets = TargetRepository(session, ctx)
    written, line = modes.write(targets, target, output, plan)
    logs.append(line)
    if len(rejects):
        targets.append(f"{target}Rejects", rejects, REJECT_COLUMNS)
        logs.append(f"{len(rejects)} rows rejected to {target}Rejects")
    return Outcome(
        processed=written,
        failed=len(rejects),
        skipped=result.skipped,
        input_size=int(frame.memory_usage(deep=True).sum()),
        output_size=int(output.memory_usage(deep=True).sum()),
        metrics={
            "steps": [
                {"step": r.step, "rowsIn": r.rows_in, "rowsOut": r.rows_out, "seconds": r.seconds}
                for r in result.steps
            ],
            "checks": checks,
            **base,
        },
        logs=logs,
    )


def _join_key(spec: Mapping[str, Any]) -> str:
    return SourceSpec.model_validate(spec).model_dump_json()


def _joined_reader(inputs: Inputs) -> transform.Reader:
    def reader(spec: Any, columns: Any) -> pd.DataFrame:
        return inputs.joined[_join_key(spec)][list(dict.fromkeys(columns))]

    return reader


CANCEL_CHECK_SECONDS = 1.0


def _cancel_check(runtime: JobRuntime, ctx: TenantContext, run_id: str) -> Callable[[], bool]:
    """Whether the run was cancelled (or ended otherwise) meanwhile, or the process stops: a
    look at its row at most once a second, in a short transaction of its own, asked while
    the steps run."""
    last = [time.monotonic()]
    ended = [False]

    def cancelled() -> bool:
        if runtime.stopping.is_set():
            return True
        if ended[0] or time.monotonic() - last[0] < CANCEL_CHECK_SECONDS:
            return ended[0]
        last[0] = time.monotonic()
        with job_unit_of_work(runtime, ctx) as session:
            run = PipelineRunRepository(session, ctx).get_or_raise(run_id)
            ended[0] = run.status != RunStatus.running
        return ended[0]

    return cancelled


def _read(
    sources: SourceRepository, source: SourceSpec, plan: modes.RunPlan, logs: list[str]
) -> tuple[pd.DataFrame, str | None, int]:
    """The rows the plan reads (in chunks into column arrays: the rows never sit in Python
    lists all at once), the high-water mark after this run, and the rows in range (the
    look-back rows left out)."""
    columns = [c for c in sources.columns(source) if c not in ("tenantId", "companyId")]
    chunks = list(sources.stream(source, columns, rows=plan.read_range()))
    frame = pd.concat(chunks, ignore_index=True) if chunks else pd.DataFrame(columns=columns)
    own = modes.in_own_range(plan, frame)
    context = len(frame) - int(own.sum())
    note = f" ({context} before the range, as look-back for rolling windows)" if context else ""
    logs.append(f"read {len(frame)} rows from {source.table}{note}")
    new = len(frame) - context
    if plan.column is None or plan.mode == modes.BACKFILL:
        return frame, None, new
    return frame, modes.high_water(frame.loc[own, plan.column]) or plan.after, new


def _own_output(output: pd.DataFrame, plan: modes.RunPlan, logs: list[str]) -> pd.DataFrame:
    """The output without look-back rows, and (incremental, with keys) one row per key."""
    if plan.margin is not None:
        own = modes.in_own_range(plan, output)
        if not own.all():
            logs.append(f"{int((~own).sum())} look-back rows left out of the output")
            output = output[own.to_numpy()].reset_index(drop=True)
    if plan.mode == RunMode.incremental:
        output, repeated = modes.latest_per_key(output, plan)
        if repeated:
            logs.append(f"{repeated} rows repeat a key of a later row: the latest kept")
    return output


def _claim(runs: PipelineRunRepository, run: AIDataPipelineRun) -> None:
    """Lock the run row: a cancel from now on waits for this run's end; one that came
    first ends the job here, before anything is written."""
    runs.lock(run)
    if run.status != RunStatus.running:
        raise RunCancelled(run.run_id)


def _validate(
    frame: pd.DataFrame, rules: list[Any], run_id: str
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Rows failing a blocking row check go to the rejects (first failing rule named)."""
    failing = np.zeros(len(frame), dtype=bool)
    reason = np.full(len(frame), None, dtype=object)
    rule_name = np.full(len(frame), None, dtype=object)
    for rule in rules:
        if rule.check not in ROW_CHECKS or not rule.blocking:
            continue
        row_check = measure_of(rule, [])
        assert isinstance(row_check, ml_quality.RowCheck)
        mask = row_check.failures(frame)
        new = mask & ~failing
        rule_name[new] = check_name(rule)
        reason[new] = f"failed {rule.check}"
        failing |= mask
    kept = frame[~failing].reset_index(drop=True)
    bad = frame[failing]
    rejects = pd.DataFrame(
        {
            "runId": run_id,
            "rowNumber": np.flatnonzero(failing),
            "rule": rule_name[failing],
            "reason": reason[failing],
            "rowData": [
                {str(k): ml_quality.plain(v) for k, v in row.items()}
                for row in bad.to_dict("records")
            ],
        }
    )
    return kept, rejects


def _counted(rules: list[Any], read: int, kept: int, target: str) -> list[dict[str, Any]]:
    """Per rule, the rows its figures count: every row the run validated, before
    the rows failing a blocking row check went to ``<target>Rejects`` (``rejected``); the
    rest were written to the target (``kept``). A blocking row check's failing rows are all
    in the rejects table: the target holds none of them."""
    rejects = f"{target}Rejects"
    notes = []
    for rule in rules:
        blocking = bool(rule.blocking and rule.check in ROW_CHECKS)
        notes.append(
            {
                "validated": read,
                "kept": kept,
                "rejected": read - kept,
                "target": target,
                "rejectsTable": rejects,
                "failingRowsWentTo": rejects if blocking else target,
                "summary": (
                    f"counts the {read} rows the run validated before writing: "
                    f"{kept} kept in {target}, {read - kept} rejected to {rejects}; "
                    + (
                        f"this rule's failing rows are in {rejects}, not in {target}"
                        if blocking
                        else f"this rule does not reject: its failing rows stay in {target}"
                    )
                ),
            }
        )
    return notes


def _quality_results(
    session: Session,
    ctx: TenantContext,
    rules: list[Any],
    frame: pd.DataFrame,
    target: str,
    run: AIDataPipelineRun,
    sources_dir: str,
    references: Mapping[int, list[pd.DataFrame]] | None = None,
    counted: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Every validation rule measured over the output (before its rejects) and stored as an
    AIDataQuality row of the target; the run's metrics link each one (``dataQualityId``)
    and say which rows it counted (``counted``)."""
    if not rules:
        return []
    results = check_frame(
        session,
        ctx,
        rules,
        frame,
        table=target,
        name=f"pipeline run {run.run_id}",
        sources_dir=sources_dir,
        references=references,
        counted=counted,
    )
    return [
        {
            "counted": note or None,
            "name": result.name,
            "check": rule.check,
            "blocking": bool(rule.blocking and rule.check in ROW_CHECKS),
            "status": result.status.value,
            "metricValue": result.metric_value,
            "rowsFailed": result.rows_failed,
            "dataQualityId": result.id,
        }
        for rule, result, note in zip(rules, results, counted or [{}] * len(rules), strict=True)
    ]


def _finish(
    run: AIDataPipelineRun,
    started: float,
    status: RunStatus,
    *,
    outcome: Outcome | None = None,
    error: str | None = None,
) -> None:
    run.status = status
    run.end_time = datetime.now(UTC)
    run.duration = round(time.perf_counter() - started, 4)
    if outcome is not None:
        run.records_processed = outcome.processed
        run.records_failed = outcome.failed
        run.records_skipped = outcome.skipped
        run.input_size = outcome.input_size
        run.output_size = outcome.output_size
        run.metrics = outcome.metrics
        run.logs = (run.logs or "") + "\n".join(outcome.logs) + "\n"
    if error is not None:
        run.logs = f"{run.logs or ''}failed: {error}\n"


def _record_failure(
    runtime: JobRuntime,
    ctx: TenantContext,
    job: Job,
    started: float,
    error: str,
) -> None:
    """The run fails (and the job with ``JobFailed``), or, with attempts left, stays
    ``running`` while its job waits for the next attempt (``RetryLater``: the scheduler
    dispatches it after the backoff)."""
    detail = error
    with job_unit_of_work(runtime, ctx) as session:
        runs = PipelineRunRepository(session, ctx)
        run = runs.get_or_raise(str(job.payload["runId"]))
        runs.lock(run)  # a cancel committed meanwhile is seen, not overwritten
        if run.status != RunStatus.running or not holds_claim(session, job, runtime):
            return  # cancelled meanwhile, or no longer this worker's attempt
        pipeline = runs.pipeline_of(run)
        delay = (
            None
            if pipeline is None
            else next_retry_delay(job, retry_policy(pipeline).backoff_seconds)
        )
        if delay is None:
            _finish(run, started, RunStatus.failed, error=detail)
        else:
            run.logs = (
                f"{run.logs or ''}attempt {job.attempt} of {job.max_attempts} failed: {detail}\n"
                f"attempt {job.attempt + 1} in {delay:g} s\n"
            )
    if delay is None:
        raise JobFailed(error)  # the run says it; the ledger marks the job failed too
    raise RetryLater(f"attempt {job.attempt} failed: {error}", delay)
