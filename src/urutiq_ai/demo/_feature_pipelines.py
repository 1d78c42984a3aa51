"""The demo's training tables made by its pipelines (:mod:`urutiq_ai.demo.pipelines`).

For one company: every pipeline of every chain is created (with its nightly schedule) and
run once, in order, through the ordinary pipeline service, so each run (counts, step
metrics, logs, rejects) is in the company's run history as a scheduled run's would be.
"""

from dataclasses import dataclass

import pandas as pd  # no stubs in the environment

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.executors import SyncExecutor
from urutiq_ai.core.jobs import JobRuntime, attach_executor
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.crud import service as crud_service
from urutiq_ai.demo.pipelines import CHAINS, ROW_KEYS, Pipeline, training_table
from urutiq_ai.pipelines.models import AIDataPipelineRun
from urutiq_ai.pipelines.runs import start_run
from urutiq_ai.pipelines.schemas import AIDataPipelineCreate, RunStatus
from urutiq_ai.pipelines.service import PIPELINE_RUNS, PIPELINES
from urutiq_ai.sources.repository import SourceRepository
from urutiq_ai.sources.schemas import SourceSpec


class DemoPipelineFailed(RuntimeError):
    """A demo pipeline's run did not complete: the demo cannot train on its output."""


@dataclass
class ChainResult:
    template: str
    table: str
    pipelines: int
    rows: int
    rejected: int


def run_chains(runtime: JobRuntime, ctx: TenantContext) -> list[ChainResult]:
    """Create and run every chain's pipelines for ``ctx``'s company; raises
    :class:`DemoPipelineFailed` naming the first run that fails."""
    results = []
    for template, chain in CHAINS.items():
        last: AIDataPipelineRun | None = None
        for body in chain:
            last = _create_and_run(runtime, ctx, body)
        assert last is not None
        results.append(
            ChainResult(
                template,
                training_table(template),
                len(chain),
                last.records_processed,
                last.records_failed,
            )
        )
    return results


def _create_and_run(runtime: JobRuntime, ctx: TenantContext, body: Pipeline) -> AIDataPipelineRun:
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        attach_executor(session, SyncExecutor(runtime))
        pipeline = crud_service.create_row(
            session, ctx, PIPELINES, AIDataPipelineCreate.model_validate(body)
        )
        run_id = start_run(session, ctx, pipeline.id).id
    # the run's job ran when that unit of work committed (SyncExecutor)
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        run: AIDataPipelineRun = crud_service.get_row(session, ctx, PIPELINE_RUNS, run_id)
    if run.status != RunStatus.completed:
        raise DemoPipelineFailed(
            f"pipeline {body['pipelineName']!r} ended {run.status.value}: {run.logs}"
        )
    return run


def training_frames(runtime: JobRuntime, ctx: TenantContext) -> dict[str, pd.DataFrame]:
    """Per template, the company's rows of its training table, as the pipelines wrote them,
    in the ledger's order (a table's rows have none: PostgreSQL returns them as stored)."""
    with unit_of_work(runtime.sessionmaker) as session:
        bind_scope(session, ctx)
        sources = SourceRepository(session, ctx, sources_dir=runtime.settings.sources)
        frames = {name: sources.load(SourceSpec(table=training_table(name))) for name in CHAINS}
    return {
        name: frame.sort_values(ROW_KEYS[name], kind="stable", ignore_index=True)
        for name, frame in frames.items()
    }
