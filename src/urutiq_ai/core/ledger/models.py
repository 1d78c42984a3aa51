"""``Job`` (what was dispatched, who claimed it, which attempt) and ``Worker`` (heartbeats)."""

from datetime import datetime
from typing import Any

from sqlalchemy import Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from urutiq_ai.core.db import Base, JSONValue, Timestamped, UTCDateTime, enum_type
from urutiq_ai.core.ledger.schemas import JobStatus, WorkerKind
from urutiq_ai.core.models import CompanyOwned


class JobRecord(Base, CompanyOwned):
    """One job: its function, payload, attempts and the worker that holds it."""

    __tablename__ = "Job"
    __table_args__ = (
        Index(None, "status", "not_before"),
        Index(None, "tenant_id", "company_id", "created_at"),
    )

    name: Mapped[str] = mapped_column(String(255), nullable=False)
    payload: Mapped[Any] = mapped_column(JSONValue, nullable=True)
    principal_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[JobStatus] = mapped_column(enum_type(JobStatus, "status"), nullable=False)
    attempt: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    max_attempts: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    worker_id: Mapped[str | None] = mapped_column(String(255), index=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    error: Mapped[str | None] = mapped_column(Text)
    on_lost: Mapped[str | None] = mapped_column(String(255))


class WorkerRecord(Base, Timestamped):
    """A process that runs jobs; ``lastSeenAt`` is its heartbeat. Not tenant data."""

    __tablename__ = "Worker"

    kind: Mapped[WorkerKind] = mapped_column(enum_type(WorkerKind, "kind"), nullable=False)
    hostname: Mapped[str] = mapped_column(String(255), nullable=False)
    pid: Mapped[int] = mapped_column(Integer, nullable=False)
    concurrency: Mapped[int] = mapped_column(Integer, nullable=False, default=1)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, nullable=False, index=True)
    stopped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
