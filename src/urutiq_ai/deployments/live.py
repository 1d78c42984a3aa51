"""Live figures of a deployment (``performance``): requests, errors, p50/p95/p99 latency over
a recent window, kept in memory as traffic flows and written every few seconds, never once
per request.

Each serving process counts its requests per deployment revision in one-minute slots with
a latency histogram (log-spaced buckets, 10% wide, so a percentile is exact to within
10%), for a day. A flush writes the process's slots into the deployment's ``performance.sources``
under the process's id and recomputes the totals from every process's slots inside the
window, so replicas add up; a revision without new traffic is rewritten once a minute, so
its window moves on. A new revision starts from zero. After each flush the error
rate is compared with the revision's ``rollback`` limits: past them within
``watchSeconds`` of the release, the deployment is rolled back automatically.
"""

import logging
import math
import os
import socket
import threading
from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from urutiq_ai.core.db import utcnow

logger = logging.getLogger("urutiq_ai.deployments")

SLOT_SECONDS = 60
FIRST_BUCKET_MS = 0.05
GROWTH = 1.1
KEEP_SLOTS = 24 * 60  # a day of minutes: the longest window a config may ask for
OK, ERROR, REJECTED = "ok", "error", "rejected"


def bucket_of(latency_ms: float) -> int:
    """The histogram bucket of a latency: bucket ``i`` holds ``(upper(i-1), upper(i)]``."""
    if latency_ms <= FIRST_BUCKET_MS:
        return 0
    return math.ceil(math.log(latency_ms / FIRST_BUCKET_MS) / math.log(GROWTH))


def bucket_upper(index: int) -> float:
    return FIRST_BUCKET_MS * GROWTH**index


def percentile(histogram: Mapping[int, int], q: float) -> float | None:
    """The ``q`` quantile (0..1) of a histogram: the upper edge of the bucket holding it."""
    total = sum(histogram.values())
    if total == 0:
        return None
    rank = max(1, math.ceil(q * total))
    seen = 0
    for index in sorted(histogram):
        seen += histogram[index]
        if seen >= rank:
            return round(bucket_upper(index), 3)
    return round(bucket_upper(max(histogram)), 3)


@dataclass
class Slot:
    requests: int = 0
    errors: int = 0
    rejected: int = 0
    rows: int = 0
    latency: Counter[int] = field(default_factory=Counter)

    def as_json(self) -> dict[str, Any]:
        return {
            "requests": self.requests,
            "errors": self.errors,
            "rejected": self.rejected,
            "rows": self.rows,
            "latency": {str(k): v for k, v in sorted(self.latency.items())},
        }


@dataclass(frozen=True)
class Key:
    tenant_id: str
    company_id: str
    deployment_id: str
    version: int


class LiveStats:
    """This process's counts per deployment revision and minute (thread-safe)."""

    def __init__(self, source: str | None = None) -> None:
        self.source = source or f"{socket.gethostname()}:{os.getpid()}:{id(self):x}"
        self._slots: dict[Key, dict[int, Slot]] = {}
        self._dirty: set[Key] = set()
        self._refreshed: dict[Key, int] = {}  # the minute a revision was last written
        self._lock = threading.Lock()

    def record(
        self,
        key: Key,
        *,
        latency_ms: float,
        rows: int,
        outcome: str,
        now: datetime | None = None,
    ) -> None:
        minute = _slot_of(now or utcnow())
        with self._lock:
            slots = self._slots.setdefault(key, {})
            slot = slots.get(minute)
            if slot is None:
                slot = slots[minute] = Slot()
                for old in [m for m in slots if m <= minute - KEEP_SLOTS * SLOT_SECONDS]:
                    del slots[old]
            slot.requests += 1
            slot.rows += rows
            slot.errors += outcome == ERROR
            slot.rejected += outcome == REJECTED
            slot.latency[bucket_of(latency_ms)] += 1
            self._dirty.add(key)

    @property
    def counting(self) -> bool:
        """Whether any revision's traffic is counted here (else there is nothing to write)."""
        with self._lock:
            return bool(self._slots)

    def take_due(self, now: datetime | None = None) -> dict[Key, dict[str, Any]]:
        """The slots of every revision to write now, as JSON: those counted since the last
        call, and once a minute those counted within the last day (their window moves on
        without traffic). Revisions with nothing left in a day are forgotten."""
        minute = _slot_of(now or utcnow())
        oldest = minute - KEEP_SLOTS * SLOT_SECONDS
        with self._lock:
            for key in [k for k, slots in self._slots.items() if max(slots, default=0) < oldest]:
                del self._slots[key]
                self._dirty.discard(key)
            due = set(self._dirty)
            due |= {key for key in self._slots if self._refreshed.get(key, 0) < minute}
            self._dirty = set()
            for key in due:
                self._refreshed[key] = minute
            return {
                key: {str(m): s.as_json() for m, s in self._slots.get(key, {}).items()}
                for key in due
                if key in self._slots
            }

    def put_back(self, keys: Iterable[Key]) -> None:
        """A flush failed: count these revisions as changed again."""
        with self._lock:
            self._dirty.update(keys)


def _slot_of(moment: datetime) -> int:
    epoch = int(moment.timestamp())
    return epoch - epoch % SLOT_SECONDS


def figures(
    sources: Mapping[str, Mapping[str, Any]],
    *,
    version: int,
    window_seconds: int,
    now: datetime,
) -> dict[str, Any]:
    """The ``performance`` JSON of a revision from every process's slots (pure)."""
    since = _slot_of(now) - (math.ceil(window_seconds / SLOT_SECONDS) - 1) * SLOT_SECONDS
    total = Slot()
    kept: dict[str, Any] = {}
    for source, entry in sources.items():
        if entry.get("version") != version:
            continue
        slots = {m: s for m, s in entry.get("slots", {}).items() if int(m) >= since}
        if not slots:
            continue
        kept[source] = {**entry, "slots": slots}
        for slot in slots.values():
            total.requests += slot["requests"]
            total.errors += slot["errors"]
            total.rejected += slot["rejected"]
            total.rows += slot["rows"]
            total.latency.update({int(k): v for k, v in slot["latency"].items()})
    rate = total.errors / total.requests if total.requests else 0.0
    return {
        "version": version,
        "windowSeconds": window_seconds,
        "windowStart": datetime.fromtimestamp(since, UTC).isoformat(),
        "updatedAt": now.isoformat(),
        "requests": total.requests,
        "errors": total.errors,
        "rejected": total.rejected,
        "rows": total.rows,
        "errorRate": round(rate, 6),
        "p50Ms": percentile(total.latency, 0.50),
        "p95Ms": percentile(total.latency, 0.95),
        "p99Ms": percentile(total.latency, 0.99),
        "sources": kept,
    }


def error_rate_breach(
    performance: Mapping[str, Any],
    *,
    released_at: datetime | None,
    max_error_rate: float,
    min_requests: int,
    watch_seconds: int,
    now: datetime,
) -> str | None:
    """Why the figures call for a rollback, or None (pure)."""
    if released_at is None or now - released_at > timedelta(seconds=watch_seconds):
        return None
    requests, rate = int(performance.get("requests", 0)), float(performance.get("errorRate", 0))
    if requests < min_requests or rate <= max_error_rate:
        return None
    return (
        f"error rate {rate:.1%} over {requests} requests since the release passed the "
        f"{max_error_rate:.1%} limit"
    )


class LiveFlusher:
    """A daemon thread that calls ``flush`` every ``interval`` seconds, and once at stop."""

    def __init__(self, flush: Callable[[], object], *, interval: float = 5.0) -> None:
        self._flush = flush
        self._interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="urutiq-live-figures", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=self._interval + 5)
        self._safe_flush()

    def _run(self) -> None:
        while not self._stop.wait(self._interval):
            self._safe_flush()

    def _safe_flush(self) -> None:
        try:
            self._flush()
        except Exception:  # a database hiccup must not kill the thread; retried next time
            logger.exception("writing live deployment figures failed")
