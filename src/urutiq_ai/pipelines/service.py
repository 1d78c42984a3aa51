"""Pipelines (``active`` <-> ``paused``, either -> ``error`` and back) and their runs.

A pipeline with runs cannot be deleted (pause it instead). A run's ``runId`` is
generated when omitted and unique per company.
"""

from urutiq_ai.crud.lifecycle import RUN_TRANSITIONS_MOVES, stamp_run_times
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.schemas import (
    AIDataPipelineCreate,
    AIDataPipelineRead,
    AIDataPipelineRunCreate,
    AIDataPipelineRunRead,
    AIDataPipelineRunUpdate,
    AIDataPipelineUpdate,
)

PIPELINES = Resource(
    path="pipelines",
    model=AIDataPipeline,
    create_schema=AIDataPipelineCreate,
    update_schema=AIDataPipelineUpdate,
    read_schema=AIDataPipelineRead,
    filters=("status", "pipeline_type", "pipeline_name"),
    sort_fields=("created_at", "updated_at", "pipeline_name"),
    unique=(("pipeline_name",),),
    transitions=transitions(
        active=("paused", "error"),
        paused=("active", "error"),
        error=("active", "paused"),
    ),
    deletable=True,
)


PIPELINE_RUNS = Resource(
    path="pipeline-runs",
    model=AIDataPipelineRun,
    create_schema=AIDataPipelineRunCreate,
    update_schema=AIDataPipelineRunUpdate,
    read_schema=AIDataPipelineRunRead,
    filters=("status", "pipeline_id", "run_id"),
    time_field="start_time",
    refs={"pipeline_id": "AIDataPipeline"},
    unique=(("run_id",),),
    transitions=transitions(**RUN_TRANSITIONS_MOVES),
    on_change=stamp_run_times,
)
