"""Run declared data-quality checks on a company's sources and store their results.

Checks are grouped by source, and each source is read once, in chunks of only the columns
its checks need (see :mod:`urutiq_ai.sources.repository`); reference sources are read
first, once per check that names one. Every column a check names is checked against the
source before any row is read, so a typo answers 422 naming ``checks.<i>.<field>``.
"""

import math
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from urutiq_ai.alerts.schemas import AlertSource
from urutiq_ai.alerts.service import Observation, observe
from urutiq_ai.core.context import TenantContext
from urutiq_ai.core.errors import field_error
from urutiq_ai.ml import quality as ml
from urutiq_ai.ml.expressions import parse as parse_expression
from urutiq_ai.quality import rules
from urutiq_ai.quality.models import AIDataQuality
from urutiq_ai.quality.repository import QualityRepository
from urutiq_ai.quality.schemas import QualityCheckResult, QualityRunResult, QualityStatus
from urutiq_ai.sources.repository import OWNER_COLUMNS, SourceRepository
from urutiq_ai.sources.schemas import SourceSpec
from urutiq_ai.tenancy import service as tenancy_service

STATUS_RANK = {QualityStatus.passed: 0, QualityStatus.warning: 1, QualityStatus.fail: 2}
LOWER_IS_BETTER = frozenset({"control_total", "freshness"})


@dataclass
class Planned:
    """One check ready to run: where it reads, and its accumulator."""

    index: int
    rule: Any  # one of rules.QualityCheck's classes
    source: SourceSpec
    measure: ml.Check


def run_checks(
    session: Session,
    ctx: TenantContext,
    data: rules.QualityRunRequest,
    *,
    sources_dir: str,
    report: Callable[[str], None] | None = None,
) -> QualityRunResult:
    """Run ``data.checks`` for the context's company; stores one AIDataQuality row per check
    unless ``data.store`` is false. Raises 422/403 before reading any row."""
    started = time.perf_counter()
    repo = SourceRepository(session, ctx, sources_dir=sources_dir)
    known: dict[str, list[str]] = {}
    plan = [_plan(repo, index, rule, data.source, known) for index, rule in enumerate(data.checks)]
    for planned in plan:
        _read_reference(session, ctx, sources_dir, planned)
    rows_read = 0
    for source, group in _by_source(plan):
        columns = sorted(set().union(*(p.measure.columns for p in group)))
        rows = ml.feed([p.measure for p in group], repo.stream(source, columns))
        rows_read += rows
        if report:
            report(f"{source.label()}: {rows} rows, {len(group)} checks")
    results = [_result(planned, data.name) for planned in plan]
    if data.store:
        _store(session, ctx, results, plan)
    return _summary(data.name, results, rows_read, time.perf_counter() - started)


def check_frame(
    session: Session,
    ctx: TenantContext,
    checks: Sequence[Any],
    frame: Any,
    *,
    table: str,
    name: str,
    sources_dir: str,
    references: Mapping[int, list[Any]] | None = None,
    counted: Sequence[Mapping[str, Any]] | None = None,
) -> list[QualityCheckResult]:
    """Run ``checks`` over rows in memory (a pipeline's output, before its rejects) as if
    read from ``table``, and store them as AIDataQuality rows like any quality run (alerts
    included). The checks' columns were checked when the pipeline was saved; a reference
    check reads its reference source, unless ``references`` (from :func:`read_references`,
    check index -> frames) holds it already. ``counted`` (one per check) says which rows
    the figures count and where the failing ones went; it is stored in ``issues.counted``."""
    source = SourceSpec(table=table)
    columns = [str(c) for c in frame.columns]
    plan = [
        Planned(index, rule, source, measure_of(rule, _sample_columns(rule, columns)))
        for index, rule in enumerate(checks)
    ]
    for planned in plan:
        measure = planned.measure
        if isinstance(measure, ml.ReferenceSum | ml.ReferenceMatch) and references is not None:
            for part in references.get(planned.index, []):
                measure.update_reference(part)
        else:
            _read_reference(session, ctx, sources_dir, planned)
    ml.feed([planned.measure for planned in plan], [frame])
    results = [_result(planned, name) for planned in plan]
    for result, note in zip(results, counted or [], strict=False):
        if isinstance(result.issues, dict):
            result.issues["counted"] = dict(note)
    if results:
        _store(session, ctx, results, plan)
    return results


def _plan(
    repo: SourceRepository,
    index: int,
    rule: Any,
    default: SourceSpec | None,
    known: dict[str, list[str]],
) -> Planned:
    """Check the rule's columns against its source (whose columns are read once per run)."""
    source = rule.source or default
    if source is None:
        raise field_error(
            f"checks.{index}.source", "no source: give one here or a top-level source"
        )
    field_repo = SourceRepository(
        repo.session,
        repo.ctx,
        sources_dir=str(repo.sources_dir),
        field=f"checks.{index}.source" if rule.source else "source",
    )
    key = source.model_dump_json()
    if key not in known:
        known[key] = field_repo.columns(source)
    available = known[key]
    for field, names in rules.named_columns(rule):
        _require_columns(f"checks.{index}.{field}", names, available, source)
    sample = _sample_columns(rule, available)
    return Planned(index, rule, source, measure_of(rule, sample))


def _require_columns(
    field: str, names: Sequence[str], available: Sequence[str], source: SourceSpec
) -> None:
    missing = [name for name in names if name not in available]
    if missing:
        offered = ", ".join(c for c in available if c not in OWNER_COLUMNS)
        raise field_error(
            field, f"no column {missing[0]!r} in {source.label()!r}; its columns: {offered}"
        )


def _sample_columns(rule: Any, available: Sequence[str]) -> list[str]:
    """The rule's sampleColumns, else the source's first id column (``id`` or ``...Id``)."""
    if rule.sample_columns:
        return list(rule.sample_columns)
    for name in available:
        if name not in OWNER_COLUMNS and (name == "id" or name.endswith("Id")):
            return [name]
    return []


def measure_of(rule: Any, sample: list[str]) -> ml.Check:
    kind = rule.check
    if kind == "not_null":
        return ml.NotNull([rule.column], sample)
    if kind == "type":
        return ml.TypeCheck(rule.column, ml.ValueType(rule.type), sample)
    if kind == "range":
        return ml.Range(rule.column, rule.min, rule.max, sample)
    if kind == "pattern":
        return ml.Pattern(rule.column, rule.regex, sample)
    if kind == "allowed_values":
        return ml.Allowed(rule.column, rule.values, sample)
    if kind == "expression":
        return ml.ExpressionCheck(parse_expression(rule.expression), sample)
    if kind == "unique":
        return ml.Unique(rule.columns, sample)
    if kind == "group_balance":
        return ml.GroupBalance(rule.group_by, rule.left, rule.right, rule.tolerance)
    if kind in ("reference_sum", "reference_match"):
        kind_class = ml.ReferenceSum if kind == "reference_sum" else ml.ReferenceMatch
        reference_key = rule.reference.key or rule.key
        if len(reference_key) != len(rule.key):
            raise field_error("reference.key", "needs as many columns as key")
        return kind_class(
            rule.key, rule.column, reference_key, rule.reference.column, rule.tolerance
        )
    if kind == "control_total":
        where = parse_expression(rule.where) if rule.where else None
        return ml.ControlTotal(rule.column, rule.expected, where)
    return ml.Freshness(rule.column, rule.as_of)


def _read_reference(
    session: Session, ctx: TenantContext, sources_dir: str, planned: Planned
) -> None:
    measure = planned.measure
    if not isinstance(measure, ml.ReferenceSum | ml.ReferenceMatch):
        return
    for frame in reference_frames(session, ctx, sources_dir, planned.index, planned.rule):
        measure.update_reference(frame)


def read_references(
    session: Session, ctx: TenantContext, checks: Sequence[Any], *, sources_dir: str
) -> dict[int, list[Any]]:
    """The reference sources of ``checks`` read now (check index -> frames), for
    :func:`check_frame` to use later, e.g. outside any transaction."""
    return {
        index: list(reference_frames(session, ctx, sources_dir, index, rule))
        for index, rule in enumerate(checks)
        if isinstance(getattr(rule, "reference", None), rules.Reference)
    }


def reference_frames(
    session: Session, ctx: TenantContext, sources_dir: str, index: int, rule: Any
) -> Iterator[Any]:
    """The key and value columns of a reference check's source, its columns checked."""
    field = f"checks.{index}.reference"
    repo = SourceRepository(session, ctx, sources_dir=sources_dir, field=f"{field}.source")
    source = rule.reference.source
    available = repo.columns(source)
    reference_key = rule.reference.key or rule.key
    _require_columns(f"{field}.key", reference_key, available, source)
    _require_columns(f"{field}.column", [rule.reference.column], available, source)
    yield from repo.stream(source, sorted({*reference_key, rule.reference.column}))


def _by_source(plan: list[Planned]) -> list[tuple[SourceSpec, list[Planned]]]:
    groups: dict[str, tuple[SourceSpec, list[Planned]]] = {}
    for planned in plan:
        key = planned.source.model_dump_json()
        groups.setdefault(key, (planned.source, []))[1].append(planned)
    return list(groups.values())


def _result(planned: Planned, run_name: str | None) -> QualityCheckResult:
    rule = planned.rule
    found = planned.measure.finish()
    error = planned.measure.error
    threshold, warning = _limits(rule)
    no_data = error is None and (
        found.details.get("rows", 0) == 0 or found.metric_value != found.metric_value
    )
    status = QualityStatus(
        ml.grade(
            math.nan if no_data or error else found.metric_value,
            threshold,
            warning,
            higher_is_better=rule.check not in LOWER_IS_BETTER,
        )
    )
    name = check_name(rule)
    issues: dict[str, Any] = {
        "check": rule.check,
        "name": name,
        "rowsChecked": found.rows_checked,
        "rowsFailed": found.rows_failed,
        **_finite_json(found.details),
        "sample": found.sample,
        "rule": rule.model_dump(mode="json", by_alias=True, exclude_none=True),
    }
    if no_data:
        issues["noData"] = True
    if error:  # the run reports the check it could not measure, and goes on
        issues["error"] = error
    if run_name:
        issues["run"] = run_name
    return QualityCheckResult(
        id=None,
        name=name,
        check=rule.check,
        quality_metric=rule.dimension or rules.DIMENSIONS[rule.check],
        table_name=planned.source.label()[:255],
        column_name=_column_name(rule),
        metric_value=0.0 if no_data or error else _finite(found.metric_value),
        threshold=threshold,
        status=status,
        rows_checked=found.rows_checked,
        rows_failed=found.rows_failed,
        issues=issues,
        recommendations=(
            [f"Correct the check: {error}", "Re-run the check after the fix."]
            if error
            else _recommendations(rule, status, planned.source, found, no_data=no_data)
        ),
    )


def _finite_json(details: dict[str, Any]) -> dict[str, Any]:
    """A measurement's details with its infinite figures (a total of overflowing values) as
    the largest float and NaN as null: JSON and both databases hold those."""
    return {
        k: (None if math.isnan(v) else _finite(v)) if isinstance(v, float) else v
        for k, v in details.items()
    }


def _finite(value: float) -> float:
    """A metric as stored: an infinite one (a control total of overflowing values) is the
    largest float, which JSON and both databases hold."""
    if math.isinf(value):
        return math.copysign(sys.float_info.max, value)
    return value


def _limits(rule: Any) -> tuple[float, float | None]:
    if rule.check == "freshness":
        return rule.max_age_hours, rule.warning_age_hours
    if rule.check == "control_total":
        return rule.tolerance, None
    return rule.threshold, rule.warning_threshold


def _column_name(rule: Any) -> str | None:
    for field in ("column", "columns", "group_by"):
        value = getattr(rule, field, None)
        if value:
            return value if isinstance(value, str) else ",".join(value)
    return None


def check_name(rule: Any) -> str:
    """A check's name in results and pipeline rejects: its own, else ``check: column``."""
    return str(rule.name or _default_name(rule))


def _default_name(rule: Any) -> str:
    target = _column_name(rule) or getattr(rule, "expression", "")
    return f"{rule.check}: {target}"


def _recommendations(
    rule: Any, status: QualityStatus, source: SourceSpec, found: ml.Measurement, *, no_data: bool
) -> list[str]:
    if status == QualityStatus.passed:
        return []
    table = source.label()
    if no_data:
        return [
            f"Nothing to measure: {table} has no rows"
            + (f" with a date in {_column_name(rule)}" if rule.check == "freshness" else "")
            + " for this company. Check that it is loaded."
        ]
    column = _column_name(rule)
    advice = {
        "not_null": f"Fill the missing {column} values upstream and make the field required "
        f"where {table} rows are entered or imported.",
        "type": f"Correct the {column} values that are not {rule.__dict__.get('type')} at the "
        "source, or reject them in the pipeline's validation step.",
        "range": f"Review the out-of-range {column} values (sign errors, wrong units) and "
        "correct them at the source.",
        "pattern": f"Correct the {column} values that do not match the expected format.",
        "allowed_values": f"Map or correct the unexpected {column} values, or add them to the "
        "allowed list if they are legitimate.",
        "expression": f"Investigate the rows breaking `{getattr(rule, 'expression', '')}`.",
        "unique": f"Merge or remove the repeated {column} rows and enforce a unique key "
        "where they are created.",
        "group_balance": f"Post correcting entries for the unbalanced {column} groups and "
        "check the posting integration for rounding.",
        "reference_sum": f"Reconcile {table}.{column} with the sum of its lines; a line may be "
        "missing, duplicated or edited after the total was set.",
        "reference_match": f"Reconcile {table}.{column} with the reference source.",
        "control_total": f"Reconcile the total of {column} with the control total.",
        "freshness": f"No new {table} data for {_hours(found.metric_value)}: check the "
        "pipeline or integration that loads it.",
    }[rule.check]
    more = ["Re-run the check after the fix."]
    if rule.check in rules.ROW_CHECKS:
        more.insert(
            0,
            "Add this rule to the pipeline's validationRules so such rows are "
            "rejected before they reach a model.",
        )
    return [advice, *more]


def _hours(value: float) -> str:
    return f"{value:.1f} hours" if value < 72 else f"{value / 24:.1f} days"


def _store(
    session: Session,
    ctx: TenantContext,
    results: list[QualityCheckResult],
    plan: list[Planned],
) -> None:
    (company_id,) = ctx.company_ids
    repository = QualityRepository(session, ctx)
    rows = []
    for result in results:
        row = AIDataQuality(
            table_name=result.table_name,
            column_name=result.column_name[:255] if result.column_name else None,
            quality_metric=result.quality_metric,
            metric_value=result.metric_value,
            threshold=result.threshold,
            status=result.status,
            issues=result.issues,
            recommendations=result.recommendations,
        )
        rows.append(repository.add(row, company_id=company_id))
    session.flush()
    for result, row in zip(results, rows, strict=True):
        result.id = row.id
    observe(session, ctx, company_id, [_observation(result) for result in results])
    tenancy_service.record_audit(
        session,
        ctx,
        action="quality_check",
        row=rows[0],
        company_id=company_id,
        after={
            "checks": len(results),
            "statuses": {r.name: r.status.value for r in results},
            "sources": sorted({p.source.label() for p in plan}),
        },
    )


def _observation(result: QualityCheckResult) -> Observation:
    """A failing check is an alert condition; a passing (or warning) one clears it."""
    where = f"{result.table_name}.{result.column_name}" if result.column_name else result.table_name
    return Observation(
        key=f"quality:{result.table_name}:{result.name}",
        source=AlertSource.quality,
        active=result.status == QualityStatus.fail,
        title=f"Data quality check failed: {result.name} ({where}, "
        f"{result.rows_failed} of {result.rows_checked} failing)",
        subject=result.table_name,
        details={
            "dataQualityId": result.id,
            "check": result.check,
            "qualityMetric": result.quality_metric.value,
            "metricValue": result.metric_value,
            "threshold": result.threshold,
            "rowsFailed": result.rows_failed,
            "recommendations": result.recommendations,
        },
    )


def _summary(
    name: str | None, results: list[QualityCheckResult], rows_read: int, duration: float
) -> QualityRunResult:
    counts = dict.fromkeys(QualityStatus, 0)
    for result in results:
        counts[result.status] += 1
    worst = max((r.status for r in results), key=STATUS_RANK.__getitem__)
    return QualityRunResult(
        name=name,
        status=worst,
        checks=len(results),
        passed=counts[QualityStatus.passed],
        warnings=counts[QualityStatus.warning],
        failed=counts[QualityStatus.fail],
        rows_read=rows_read,
        duration=round(duration, 3),
        results=results,
    )
