"""Shared lifecycle helpers for run-like rows (training runs, pipeline runs)."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

RUN_TRANSITIONS_MOVES: dict[str, tuple[str, ...]] = {
    "running": ("completed", "failed", "cancelled"),
}


def stamp_run_times(row: Any, changes: Mapping[str, Any]) -> None:
    """Fill startTime on creation, and endTime / duration when a run reaches an end state."""
    now = datetime.now(UTC)
    if getattr(row, "start_time", None) is None:
        row.start_time = now
    status = str(getattr(row.status, "value", row.status))
    if status == "running" or "status" not in changes:
        return
    if row.end_time is None:
        row.end_time = now
    if row.duration is None and row.start_time is not None and hasattr(row, "duration"):
        start = row.start_time if row.start_time.tzinfo else row.start_time.replace(tzinfo=UTC)
        row.duration = max((row.end_time - start).total_seconds(), 0.0)
