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
from pydantic import ValidationError as PydanticValidationError
from sqlalchemy.orm import Session

from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import ValidationError, field_error
from urutiq_ai.core.types import CompanyId
from urutiq_ai.crud import service as crud_service
from urutiq_ai.crud.lifecycle import RUN_TRANSITIONS_MOVES, stamp_run_times
from urutiq_ai.crud.resource import Resource, transitions
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.repository import PipelineRunRepository, TargetRepository
from urutiq_ai.pipelines.schemas import (
    AIDataPipelineCreate,
    AIDataPipelineRead,
    AIDataPipelineRunCreate,
    AIDataPipelineRunRead,
    AIDataPipelineRunUpdate,
    AIDataPipelineUpdate,
    PipelineConfig,
    RunMode,
)
from urutiq_ai.pipelines.steps import TransformStep
from urutiq_ai.quality.rules import QualityCheck, named_columns
from urutiq_ai.sources.repository import OWNER_COLUMNS
from urutiq_ai.sources.schemas import SourceSpec
from urutiq_ai.sources.tables import TABLE_NAME, is_system_table

STEPS: TypeAdapter[list[TransformStep]] = TypeAdapter(list[TransformStep])
RULES: TypeAdapter[list[QualityCheck]] = TypeAdapter(list[QualityCheck])
CONFIG_KEYS = {
    key for name, info in PipelineConfig.model_fields.items() for key in (name, info.alias)
}
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
    config = _stored_config(row, given="config" in changes)
    source, target = _first(row.source_tables), _first(row.target_tables)
    if target is not None:
        _check_target(target, source)
    if source is None:
        if row.transformations or row.validation_rules:
            raise field_error("sourceTables", "a pipeline with steps or rules needs a source table")
        if config is not None and config.mode == RunMode.incremental:
            raise field_error("sourceTables", "an incremental pipeline needs a source table")
        return
    repo = SourceRepository(session, ctx, sources_dir=".", field="sourceTables")
    columns = repo.columns(SourceSpec(table=source))
    output = _planned_columns(repo, columns, steps_of(row))
    if config is not None:
        _check_config(config, repo.time_columns(SourceSpec(table=source)), columns, output)
    for index, rule in enumerate(rules_of(row)):
        for field, names in named_columns(rule):
            missing = [name for name in names if name not in output]
            if missing:
                raise field_error(
                    f"validationRules.{index}.{field}",
                    f"no column {missing[0]!r} in the output; it has {', '.join(output)}",
                )
        reference = getattr(rule, "reference", None)
        if reference is not None and not reference.source.file:
            _check_reference(session, ctx, f"validationRules.{index}.reference", reference)


def _check_reference(session: Session, ctx: TenantContext, field: str, reference: Any) -> None:
    """A reference table or query must be readable (a data table; a query that compiles in
    the sandbox) and offer the reference column. Files are found only when a run reads them."""
    from urutiq_ai.sources.repository import SourceRepository

    repo = SourceRepository(session, ctx, sources_dir=".", field=f"{field}.source")
    offered = repo.columns(reference.source)
    if reference.column not in offered:
        raise field_error(
            f"{field}.column", f"no column {reference.column!r} in the reference source"
        )


def config_of(row: Any) -> PipelineConfig:
    """The pipeline's run settings (defaults when it has none). Keys unknown to this version
    (stored before configs were checked) are ignored rather than failing every run."""
    stored = row.config if isinstance(row.config, dict) else {}
    known = {k: v for k, v in stored.items() if k in CONFIG_KEYS}
    try:
        return PipelineConfig.model_validate(known)
    except PydanticValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(part) for part in ("config", *error["loc"]))
        raise field_error(where, str(error["msg"])) from exc


def _stored_config(row: Any, *, given: bool) -> PipelineConfig | None:
    """The config to check, stored in its camelCase form with defaults spelled out. A
    config sent now was validated by the request schema; one stored before configs were
    checked is only checked when it can be read (so such a pipeline can still be paused)."""
    if row.config is None:
        return None
    if given:
        config = PipelineConfig.model_validate(row.config)
        row.config = config.model_dump(mode="json", by_alias=True, exclude_none=True)
        return config
    try:
        return config_of(row)
    except ValidationError:
        return None


def _check_config(
    config: PipelineConfig, time_columns: list[str] | None, source: list[str], output: list[str]
) -> None:
    """The watermark: a date/time column of the source that the steps keep; the keys:
    columns of the output. Incremental runs need a watermark."""
    column = config.watermark_column
    if column is None:
        if config.mode == RunMode.incremental:
            raise field_error("config.watermarkColumn", "incremental runs need a watermark column")
    elif column not in source:
        raise field_error(
            "config.watermarkColumn",
            f"no column {column!r} in the source; it has {', '.join(source)}",
        )
    elif time_columns is not None and column not in time_columns:
        raise field_error(
            "config.watermarkColumn", f"{column!r} is not a date or time column of the source"
        )
    elif column not in output:
        raise field_error(
            "config.watermarkColumn",
            f"the steps drop {column!r}; keep it in the output (it has {', '.join(output)})",
        )
    for index, key in enumerate(config.key_columns or []):
        if key not in output:
            raise field_error(
                f"config.keyColumns.{index}",
                f"no column {key!r} in the output; it has {', '.join(output)}",
            )


def _first(value: Any) -> str | None:
    return str(value[0]) if isinstance(value, list) and value else None


def _check_target(target: str, source: str | None) -> None:
    """A target is a data table of a plain name (see :mod:`urutiq_ai.sources.tables`): not
    one of the system's own tables nor the ledger, in any letter case, nor the source."""
    if not TABLE_NAME.match(target):
        raise field_error(
            "targetTables.0",
            "a table name is a letter, then letters, digits or underscores (63 at most)",
        )
    reserved = target.startswith(RESERVED_PREFIXES[0]) or target.casefold().startswith("ledger")
    if is_system_table(target) or is_system_table(f"{target}Rejects") or reserved:
        raise field_error("targetTables.0", f"{target!r} is one of the system's own tables")
    if source is not None and target.casefold() == source.casefold():
        raise field_error("targetTables.0", "the target cannot be the source")


def _planned_columns(repo: Any, columns: list[str], steps: list[dict[str, Any]]) -> list[str]:
    """The output's columns. No step may make a column named tenantId or companyId (in any
    letter case): written rows take their owners from the run, never from the data."""
    from urutiq_ai.ml.transform import StepError, plan

    def other(spec: Mapping[str, Any]) -> list[str]:
        source = SourceSpec.model_validate(spec)
        return repo.columns(source) if source.table else []

    given = [c for c in columns if c not in OWNER_COLUMNS]
    try:
        output = plan(given, steps, other)
        for index in range(len(steps)) if _owners(output) else ():
            made = _owners(plan(given, steps[: index + 1], other))
            if made:
                raise field_error(
                    f"transformations.{index}",
                    f"the step makes a column {made[0]!r}; a run sets the rows' owners itself",
                )
    except StepError as exc:
        raise field_error(f"transformations.{exc.index}.{exc.field}", exc.reason) from exc
    return output


def _owners(columns: list[str]) -> list[str]:
    return [c for c in columns if c.casefold() in ("tenantid", "companyid")]


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


def last_runs(
    session: Session, ctx: TenantContext, pipeline_ids: list[str]
) -> dict[str, AIDataPipelineRun]:
    """The newest run of each pipeline in ``pipeline_ids`` that has one (for lists)."""
    return PipelineRunRepository(session, ctx).latest_of(pipeline_ids)


def run_rejects(
    session: Session, ctx: TenantContext, *, run_id: str, limit: int = 50
) -> tuple[list[dict[str, Any]], int]:
    """The first ``limit`` rows a run sent to its target's rejects table (``<target>Rejects``)
    and how many it sent (404 for a run the context may not see)."""
    run: AIDataPipelineRun = crud_service.get_row(session, ctx, PIPELINE_RUNS, run_id)
    pipeline: AIDataPipeline = crud_service.get_row(session, ctx, PIPELINES, run.pipeline_id)
    target = _first(pipeline.target_tables)
    if target is None:
        return [], 0
    scoped = ctx.for_company(CompanyId(run.company_id))
    return TargetRepository(session, scoped).rejects(f"{target}Rejects", run.run_id, limit)
