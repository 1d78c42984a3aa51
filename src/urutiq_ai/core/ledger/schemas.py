"""How a job reads over the API (``GET /companies/{c}/jobs``): what ran, where, how often."""

from datetime import datetime
from enum import StrEnum

from pydantic import JsonValue

from urutiq_ai.core.schemas import CompanyOwnedRead


class JobStatus(StrEnum):
    queued = "queued"  # waiting for a worker (first dispatch, or a retry after backoff)
    running = "running"  # claimed by ``workerId``
    completed = "completed"
    failed = "failed"


class WorkerKind(StrEnum):
    inline = "inline"  # the thread pool inside ``urutiq-ai serve``
    celery = "celery"  # ``urutiq-ai worker``


class JobRead(CompanyOwnedRead):
    name: str
    payload: JsonValue | None
    status: JobStatus
    attempt: int
    max_attempts: int
    not_before: datetime
    dispatched_at: datetime | None
    worker_id: str | None
    started_at: datetime | None
    finished_at: datetime | None
    error: str | None
