"""Pipelines (``active`` <-> ``paused``, either -> ``error`` and back) and their runs.

A pipeline with runs cannot be deleted (pause it instead). A run's ``runId`` is
generated when omitted and unique per company.

A pipeline is checked when saved: its source table must exist (and hold tenantId and
companyId), its target must not be one of this system's own tables nor its source, and the
columns are followed through its transformations and validation rules, so an unknown
column answers 422 naming ``transformations.<i>.<field>`` or ``validationRules.<i>.column``.
Steps and rules are stored as they are sent (camelCase JSON).
"""

from collections.abc import Mapping
from typing import Any

from pydantic import TypeAdapter
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.db import Base
from urutiq_ai.core.errors import field_error
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
from urutiq_ai.pipelines.steps import TransformStep
from urutiq_ai.quality.rules import QualityCheck, named_columns
from urutiq_ai.sources.schemas import SourceSpec

STEPS: TypeAdapter[list[TransformStep]] = TypeAdapter(list[TransformStep])
RULES: TypeAdapter[list[QualityCheck]] = TypeAdapter(list[QualityCheck])
RESERVED_PREFIXES = ("AI", "Ledger")
"""Targets may not be the seed's tables (AI...) nor the platform's ledger (read-only here)."""


def steps_of(row: Any) -> list[dict[str, Any]]:
    """The pipeline's steps as plain dicts with snake_case keys (what ml.transform takes)."""
    return [
        step.model_dump(by_alias=False) for step in STEPS.validate_python(row.transformations or [])
    ]


def rules_of(row: Any) -> list[Any]:
    return list(RULES.validate_python(row.validation_rules or []))


def _wire(adapter: TypeAdapter[Any], value: Any) -> Any:
    if value is None:
        return None
    return [
        item.model_dump(mode="json", by_alias=True, exclude_none=True)
        for item in adapter.validate_python(value)
    ]


def _check_pipeline(
    session: Session, ctx: TenantContext, row: Any, changes: Mapping[str, Any]
) -> None:
    """Source, target, the columns through the steps and the rules (see module docstring)."""
    from urutiq_ai.sources.repository import SourceRepository

    row.transformations = _wire(STEPS, row.transformations)
    row.validation_rules = _wire(RULES, row.validation_rules)
    source, target = _first(row.source_tables), _first(row.target_tables)
    if target is not None:
        _check_target(target, source)
    if source is None:
        if row.transformations or row.validation_rules:
            raise field_error("sourceTables", "a pipeline with steps or rules needs a source table")
        return
    repo = SourceRepository(session, ctx, sources_dir=".", field="sourceTables")
    columns = repo.columns(SourceSpec(table=source))
    output = _planned_columns(repo, columns, steps_of(row))
    for index, rule in enumerate(rules_of(row)):
        for field, names in named_columns(rule):
            missing = [name for name in names if name not in output]
            if missing:
                raise field_error(
                    f"validationRules.{index}.{field}",
                    f"no column {missing[0]!r} in the output; it has {', '.join(output)}",
                )
    del changes


def _first(value: Any) -> str | None:
    return str(value[0]) if isinstance(value, list) and value else None


def _check_target(target: str, source: str | None) -> None:
    if target in Base.metadata.tables or target.startswith(RESERVED_PREFIXES):
        raise field_error("targetTables.0", f"{target!r} is one of the system's own tables")
    if target == source:
        raise field_error("targetTables.0", "the target cannot be the source")


def _planned_columns(repo: Any, columns: list[str], steps: list[dict[str, Any]]) -> list[str]:
    from urutiq_ai.ml.transform import StepError, plan

    def other(spec: Mapping[str, Any]) -> list[str]:
        source = SourceSpec.model_validate(spec)
        return repo.columns(source) if source.table else []

    try:
        return plan([c for c in columns if c not in ("tenantId", "companyId")], steps, other)
    except StepError as exc:
        raise field_error(f"transformations.{exc.index}.{exc.field}", exc.reason) from exc


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
    validators=(_check_pipeline,),
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
