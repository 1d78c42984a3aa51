"""How a pipeline run reads its source and writes its target: the run modes.

* ``full``: every source row of the company; the company's target rows are replaced.
* ``incremental``: only source rows whose ``watermarkColumn`` is past the high-water mark
  recorded by the pipeline's last completed run (``metrics.watermark.to``); the output is
  merged into the target (rows with the same ``keyColumns`` replaced, else appended). The
  first incremental run (no mark yet) reads everything and replaces, as a full run does.
* ``backfill``: source rows with ``from <= watermark < to``; exactly the company's target
  rows whose watermark lies in that range are replaced. A backfill does not move the mark.

Rolling windows over the watermark column see a look-back margin: rows up to the longest
such window before the lower bound are read too, go through the steps as context, and are
dropped from the output before it is validated and written. With an ``aggregate`` or
``sql`` step (whose output rows are not source rows) there is no margin: the steps see
only the rows in range.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import pandas as pd  # no stubs in the environment

from urutiq_ai.core.errors import field_error
from urutiq_ai.ml import transform
from urutiq_ai.pipelines.models import AIDataPipeline, AIDataPipelineRun
from urutiq_ai.pipelines.repository import PipelineRunRepository, TargetRepository
from urutiq_ai.pipelines.schemas import PipelineConfig, RunMode
from urutiq_ai.sources.repository import RowRange

BACKFILL = "backfill"
NO_MARGIN_STEPS = ("aggregate", "sql")


@dataclass(frozen=True)
class RunPlan:
    """What one run reads and how it writes (see the module docstring)."""

    mode: str  # full | incremental | backfill
    column: str | None = None  # the watermark column
    after: str | None = None  # incremental: the previous run's mark (None: read everything)
    start: str | None = None  # backfill: from (inclusive) ...
    end: str | None = None  # ... to (exclusive)
    margin: timedelta | None = None  # look-back for rolling windows over the watermark
    keys: tuple[str, ...] = ()

    def read_range(self) -> RowRange | None:
        """The source rows to read, the look-back margin included (None: all rows)."""
        if self.column is None:
            return None
        margin = self.margin or timedelta(0)
        if self.mode == RunMode.incremental and self.after is not None:
            return RowRange(self.column, after=parse_time(self.after) - margin)
        if self.mode == BACKFILL:
            return RowRange(
                self.column, start=parse_time(self.start) - margin, end=parse_time(self.end)
            )
        return None

    def own_range(self) -> RowRange | None:
        """The rows this run is about (the margin left out); None: every row read."""
        if self.column is None:
            return None
        if self.mode == RunMode.incremental and self.after is not None:
            return RowRange(self.column, after=parse_time(self.after))
        if self.mode == BACKFILL:
            return RowRange(self.column, start=parse_time(self.start), end=parse_time(self.end))
        return None

    def describe(self, table: str) -> str:
        if self.mode == BACKFILL:
            return f"backfill of {table}: rows with {self.column} from {self.start} to {self.end}"
        if self.mode == RunMode.incremental:
            if self.after is None:
                return f"incremental: no high-water mark yet, reading every row of {table}"
            return f"incremental: rows of {table} with {self.column} after {self.after}"
        return f"full: every row of {table}"


def plan_run(
    runs: PipelineRunRepository,
    pipeline: AIDataPipeline,
    run: AIDataPipelineRun,
    config: PipelineConfig,
    steps: Sequence[Mapping[str, Any]],
    payload: Mapping[str, Any],
) -> RunPlan:
    """The run's plan: a backfill when its row (or, for older rows, its job) says so, else
    the pipeline's mode. The run row is the source of truth for a backfill's range."""
    recorded = run.metrics if isinstance(run.metrics, dict) else {}
    window = recorded.get(BACKFILL) or payload.get(BACKFILL)
    column = config.watermark_column
    margin = lookback(steps, column)
    if window:
        if column is None:
            raise field_error("config.watermarkColumn", "a backfill needs a watermark column")
        return RunPlan(
            BACKFILL, column, start=str(window["from"]), end=str(window["to"]), margin=margin
        )
    if config.mode == RunMode.incremental:
        if column is None:
            raise field_error("config.watermarkColumn", "incremental runs need a watermark column")
        mark = runs.last_watermark(pipeline.id, column)
        return RunPlan(
            RunMode.incremental.value,
            column,
            after=None if mark is None else str(mark),
            margin=margin,
            keys=tuple(config.key_columns or ()),
        )
    return RunPlan(RunMode.full.value, column)


def lookback(steps: Sequence[Mapping[str, Any]], column: str | None) -> timedelta | None:
    """The longest rolling window over ``column`` (None without one, or when a step makes
    rows that are not source rows, so context rows could not be told apart)."""
    if column is None or any(step["step"] in NO_MARGIN_STEPS for step in steps):
        return None
    windows = [
        transform.window_length(str(step["window"])).to_pytimedelta()
        for step in steps
        if step["step"] == "rolling" and step.get("time_column") == column
    ]
    return max(windows) if windows else None


def parse_time(text: str | None) -> datetime:
    """A recorded bound (ISO date or time; naive means UTC) as a datetime."""
    if text is None:
        raise ValueError("no time to parse")
    return datetime.fromisoformat(text)


def high_water(values: pd.Series) -> str | None:
    """The largest non-null value of a watermark column, as ISO text (None when none)."""
    present = values.dropna()
    if present.empty:
        return None
    top = present.max()
    if isinstance(top, datetime | date | pd.Timestamp):
        return top.isoformat()
    return str(top)


def in_own_range(plan: RunPlan, frame: pd.DataFrame) -> pd.Series:
    """Which rows of ``frame`` (read, or output) are this run's own, not look-back context."""
    own = plan.own_range()
    if own is None or plan.column not in frame.columns:
        return pd.Series(True, index=frame.index)
    return own.mask(frame[plan.column])


def latest_per_key(frame: pd.DataFrame, plan: RunPlan) -> tuple[pd.DataFrame, int]:
    """One row per key (the latest by watermark) so a merge cannot duplicate a key;
    rows with a null key are all kept. Returns the frame and the rows dropped."""
    if not plan.keys or plan.column is None or frame.empty:
        return frame, 0
    keyed = frame[frame[list(plan.keys)].notna().all(axis=1)]
    ordered = keyed.sort_values(plan.column, kind="stable")
    repeated = ordered.index[ordered.duplicated(list(plan.keys), keep="last")]
    return frame.drop(index=repeated).reset_index(drop=True), len(repeated)


def write(
    targets: TargetRepository, name: str, output: pd.DataFrame, plan: RunPlan
) -> tuple[int, str]:
    """Write the output as the plan says; returns the rows written and a log line."""
    if plan.mode == BACKFILL:
        own = plan.own_range()
        assert own is not None
        written = targets.replace_range(name, output, own)
        return written, f"replaced the rows of {name} in the range with {written} rows"
    if plan.mode == RunMode.incremental and plan.after is not None:
        written = targets.merge(name, output, list(plan.keys))
        if plan.keys:
            return written, f"merged {written} rows into {name} on {', '.join(plan.keys)}"
        return written, f"appended {written} rows to {name}"
    written = targets.replace(name, output)
    return written, f"wrote {written} rows to {name}"


def plan_metrics(plan: RunPlan, mark: str | None) -> dict[str, Any]:
    """``mode``, and ``watermark`` (column, from, to) or ``backfill`` (from, to)."""
    metrics: dict[str, Any] = {"mode": plan.mode}
    if plan.mode == BACKFILL:
        metrics[BACKFILL] = {"from": plan.start, "to": plan.end}
    elif plan.column is not None:
        metrics["watermark"] = {"column": plan.column, "from": plan.after, "to": mark}
    if plan.margin is not None:
        metrics["lookback"] = {"seconds": plan.margin.total_seconds()}
    return metrics
