"""Process settings, read once from ``URUTIQ_*`` environment variables.

Nothing else in the code base reads ``os.environ``: everything goes through
:func:`get_settings`, which tests override with ``get_settings.cache_clear()``
after changing the environment, or by passing a ``Settings`` to ``create_app``.
Tenant-editable values live in the ``config`` domain, not here.
"""

from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

DEFAULT_DATABASE_URL = "sqlite:///./urutiq-data/urutiq.db"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="URUTIQ_", extra="ignore")

    database_url: str = DEFAULT_DATABASE_URL
    # Optional PostgreSQL role the app switches to in every transaction, so that
    # row-level security applies even when the connection user owns the tables.
    database_role: str | None = None
    artifacts: str = "./urutiq-data/artifacts"
    sources: str = "./urutiq-data/sources"
    url: str | None = None
    api_key: str | None = None
    company: str | None = None
    # Where jobs run: "inline" (a thread pool inside `serve`) or "celery" (`urutiq-ai
    # worker` processes fed through the broker's queue).
    executor: Literal["inline", "celery"] = "inline"
    broker_url: str = "redis://127.0.0.1:6379/0"
    queue: str = "urutiq"  # the Celery queue jobs go to and workers consume
    worker_heartbeat: float = 10.0  # seconds between two heartbeats of a job-running process
    worker_timeout: float = 60.0  # a worker silent this long is dead: its jobs are recovered
    test_database_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # The scheduler (monitors, webhook retries): "embedded" runs it inside `serve`;
    # "off" leaves it to a separate `urutiq-ai scheduler` process.
    scheduler: Literal["embedded", "off"] = "embedded"
    scheduler_interval: float = 10.0  # seconds between two looks at what is due
    webhook_attempts: int = 5  # sends of one delivery before it is marked failed
    webhook_backoff: float = 30.0  # seconds before the 2nd send; doubles each time (max 1 h)
    webhook_timeout: float = 5.0  # seconds a receiver has to answer
    # Webhooks reach public addresses only; these host names, IPs or networks (CIDR) are
    # allowed even when loopback or private (on-premise receivers, tests). Comma-separated.
    webhook_allow_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    # Seconds a user's SQL (query sources, validation references, pipeline sql steps) may
    # run in its sandbox before it is stopped (docs/security.md).
    query_seconds: float = Field(default=60.0, gt=0)
    # Seconds `serve` waits for requests still in flight after SIGTERM before it stops
    # (running jobs stop at their next check and fail their runs as stopped).
    shutdown_seconds: int = Field(default=10, ge=0)
    # Jobs of one tenant that may run at once on all workers together (0: no limit); more
    # wait their turn, so one tenant's long jobs cannot hold every worker (docs/jobs.md).
    tenant_jobs: int = Field(default=2, ge=0)
    inline_workers: int = Field(default=3, ge=1)  # job threads of `serve` (inline executor)
    live_flush: float = 5.0  # seconds between two writes of live deployment figures
    # Concurrent deployment predicts of a process answered together in one unit of work
    # (predictions/predict_route.py); false: FastAPI's route serves each on its own.
    predict_coalescing: bool = True
    # Predictions older than this many days are deleted once a day (those a feedback refers
    # to are kept); 0 keeps them forever. The audit log is never purged.
    retention_days: int = Field(default=183, ge=0)
    # The dashboard's session cookies are signed with this secret. Unset: a random secret per
    # process (sessions end when the server restarts). Set it when several processes serve.
    session_secret: str | None = None
    session_hours: float = 12.0  # a dashboard session lasts this long after login
    # The dashboard's cookies carry the Secure flag (browsers accept it on http://127.0.0.1
    # and localhost too); switch off only behind a plain-HTTP proxy on another host name.
    cookie_secure: bool = True
    # Requests whose body is larger are refused with 413 before any of it is used (bytes;
    # 0: no limit). 32 MiB holds a batch predict of 10,000 rows of ~3 KB (some 80 features;
    # the demo's models send 100-400 bytes a row) and a run's 5 MB of logs (docs/api.md).
    max_body_bytes: int = Field(default=32 * 1024 * 1024, ge=0)

    @field_validator("webhook_allow_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, value: Any) -> Any:
        """``URUTIQ_WEBHOOK_ALLOW_HOSTS=127.0.0.1,hooks.lan,10.0.0.0/8`` -> its entries."""
        return (
            [h.strip() for h in value.split(",") if h.strip()] if isinstance(value, str) else value
        )


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
