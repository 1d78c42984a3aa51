"""Mapping conventions, engines and the unit of work.

* Python attributes are snake_case; the database column names are the seed's
  camelCase names. The conversion happens once, in :class:`Base`.
* Every table has a text ``id`` with a database default (so the seed's plain SQL
  inserts work), plus ``createdAt`` / ``updatedAt`` defaulted by the database.
* :func:`unit_of_work` is the only place that commits.
"""

import json
import logging
import sqlite3
import threading
import uuid
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import orjson
from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    Engine,
    Enum,
    FromClause,
    Integer,
    MetaData,
    String,
    create_engine,
    event,
    func,
)
from sqlalchemy import inspect as inspect_row
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import (
    DeclarativeBase,
    Mapped,
    MappedColumn,
    Session,
    mapped_column,
    sessionmaker,
)
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.types import TypeDecorator

from urutiq_ai.core.naming import to_camel

if TYPE_CHECKING:
    from urutiq_ai.core.settings import Settings

logger = logging.getLogger("urutiq_ai.db")

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


RowT = TypeVar("RowT")


def detached_copy(row: RowT) -> RowT:
    """A copy of a loaded row's column values that belongs to no session, for a cache
    shared by threads: a rollback expires every row of its session, and a cached row must
    never be expired while another request reads it."""
    mapper = inspect_row(row).mapper
    values = {attr.key: getattr(row, attr.key) for attr in mapper.column_attrs}
    return type(row)(**values)


def new_id() -> str:
    return uuid.uuid4().hex


def utcnow() -> datetime:
    return datetime.now(UTC)


SQLITE_TIMESTAMP = "%Y-%m-%d %H:%M:%S.%f"
"""How SQLAlchemy writes a datetime into SQLite (naive UTC for :class:`UTCDateTime`)."""


def sqlite_now() -> str:
    """``NOW()`` on SQLite: the current UTC time as text in the format the app stores
    timestamps in (``2026-03-01 09:30:00.123456``), so ``"createdAt" > NOW()`` and
    ``"createdAt" > datetime(NOW(), '-30 days')`` compare like for like. Unlike
    PostgreSQL's, it is the time of the call, not of the transaction's start."""
    return datetime.now(UTC).strftime(SQLITE_TIMESTAMP)


class new_id_sql(FunctionElement[str]):
    """Database-side id default: a random 32-char hex string, like :func:`new_id`."""

    type = String()
    inherit_cache = True


@compiles(new_id_sql, "sqlite")
def _new_id_sqlite(element: new_id_sql, compiler: Any, **kw: Any) -> str:  # noqa: ARG001
    return "(lower(hex(randomblob(16))))"


@compiles(new_id_sql, "postgresql")
def _new_id_postgresql(element: new_id_sql, compiler: Any, **kw: Any) -> str:  # noqa: ARG001
    return "replace(gen_random_uuid()::text, '-', '')"


class UTCDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite stores naive UTC)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            value = value.replace(tzinfo=UTC)
        try:
            value = value.astimezone(UTC)
        except OverflowError:
            # a time at the calendar's ends (9999-12-31T23:00-12:00) whose UTC time Python
            # cannot hold: the nearest it can, as a bound of a filter means the same
            value = (datetime.max if value.year == datetime.max.year else datetime.min).replace(
                tzinfo=UTC
            )
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: Any, dialect: Dialect) -> datetime | None:  # noqa: ARG002
        if value is None:
            return None
        if isinstance(value, str):  # raw SQL on SQLite may store ISO strings
            value = datetime.fromisoformat(value)
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def integer_bounds(column_type: Any) -> tuple[int, int] | None:
    """The integers a column of ``column_type`` holds on every backend (INTEGER is 32 bits
    on PostgreSQL, BIGINT 64); None for a column that holds no integers."""
    if isinstance(column_type, BigInteger):
        return -(2**63), 2**63 - 1
    if isinstance(column_type, Integer):
        return -(2**31), 2**31 - 1
    return None


# JSON columns: JSONB on PostgreSQL (validated by the server), JSON text elsewhere.
JSONValue = JSON(none_as_null=True).with_variant(JSONB(none_as_null=True), "postgresql")


def _rename_columns(cls: type) -> None:
    """Give every mapped column the camelCase name of its snake_case attribute."""
    annotations = cls.__dict__.get("__annotations__", {})
    for key, annotation in annotations.items():
        if key.startswith("__") or key in cls.__dict__:
            continue
        if "Mapped[" in str(annotation) and "relationship" not in str(annotation):
            setattr(cls, key, mapped_column())
    for key, value in list(cls.__dict__.items()):
        if isinstance(value, MappedColumn) and value.column.name is None:
            value.column.name = to_camel(key)
            value.column.key = key


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)

    def __init_subclass__(cls, **kw: Any) -> None:
        for klass in reversed(cls.__mro__):
            if klass.__module__.startswith("urutiq_ai") and klass is not Base:
                _rename_columns(klass)
        super().__init_subclass__(**kw)


class Timestamped:
    """``id``, ``createdAt`` and ``updatedAt``, each defaulted by the database too."""

    if TYPE_CHECKING:  # what DeclarativeBase gives mapped subclasses, for mixin users
        __tablename__: Any
        __table__: FromClause

    id: Mapped[str] = mapped_column(
        String(64), primary_key=True, default=new_id, server_default=new_id_sql()
    )
    created_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, server_default=func.current_timestamp(), index=True
    )
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, onupdate=utcnow, server_default=func.current_timestamp()
    )


_JSON_OPTIONS = (
    orjson.OPT_NON_STR_KEYS | orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_PASSTHROUGH_DATETIME
)


def json_text(value: Any) -> str:
    """The JSON text of a JSON column's value, the same on every write path (the engine's
    inserts and updates, and ``core.bulk``'s COPY): orjson, datetimes and other unknown
    types as ``str()``; NaN and infinities become null (JSONB refuses them); what orjson
    cannot write (integers past 64 bits) goes through the standard library."""
    try:
        return orjson.dumps(value, default=str, option=_JSON_OPTIONS).decode()
    except TypeError:
        return json.dumps(value, separators=(",", ":"), default=str)


def make_engine(url: str) -> Engine:
    """Create an engine; SQLite gets foreign keys on and working SAVEPOINTs."""
    if url.startswith("sqlite"):
        engine = create_engine(
            url,
            json_serializer=json_text,
            connect_args={"check_same_thread": False, "timeout": SQLITE_BUSY_TIMEOUT},
        )
        _configure_sqlite(engine)
        return engine
    return create_engine(url, json_serializer=json_text, pool_pre_ping=True)


def _configure_sqlite(engine: Engine) -> None:
    # See SQLAlchemy's SQLite dialect docs, "Serializable isolation / Savepoints /
    # Transactional DDL": let SQLAlchemy emit BEGIN itself.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, connection_record: Any) -> None:  # noqa: ARG001
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")  # tenancy: global - connection set-up, no rows
        cursor.execute("PRAGMA journal_mode=WAL")  # tenancy: global - connection set-up, no rows
        cursor.execute("PRAGMA synchronous=NORMAL")  # tenancy: global - connection set-up, no rows
        cursor.close()
        # PostgreSQL's NOW(), which the seed's SQL uses; SQLite has no such function.
        dbapi_connection.create_function("NOW", 0, sqlite_now)

    gate = _write_gate(engine.url.database)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        # IMMEDIATE: take the write lock up front, so two writers queue on the
        # busy timeout instead of failing on a read-to-write lock upgrade. Threads of this
        # process queue in order first (WriteGate).
        token = conn.connection.dbapi_connection  # tenancy: global - the write gate's key
        gate.enter(token)
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")  # tenancy: global - transaction mechanics
        except BaseException:
            gate.leave(token)
            raise

    @event.listens_for(engine, "commit")
    @event.listens_for(engine, "rollback")
    def _on_end(conn: Any) -> None:
        gate.leave(conn.connection.dbapi_connection)  # tenancy: global - the write gate's key

    @event.listens_for(engine, "reset")
    def _on_reset(dbapi_connection: Any, *_: Any) -> None:
        gate.leave(dbapi_connection)  # a connection back in the pool holds nothing


SETTINGS_KEY = "urutiq.settings"
"""``session.info`` key of the running app's settings (set on a request's and a job's
session)."""


def settings_of(session: Session) -> "Settings":
    """The settings of the app or worker that opened ``session``, else the process's."""
    from urutiq_ai.core.settings import get_settings

    found = session.info.get(SETTINGS_KEY)
    return found if found is not None else get_settings()


SQLITE_BUSY_TIMEOUT = 30.0  # seconds a SQLite connection waits for the write lock
_BUSY_MESSAGES = ("database is locked", "database is busy", "database table is locked")


def is_database_busy(exc: BaseException) -> bool:
    """Whether ``exc`` is SQLite's refusal of a lock that another connection held past the
    busy timeout (``database is locked``), raw or wrapped by SQLAlchemy. A passing state,
    not a fault: a periodic writer (heartbeat, scheduler) says so in one line and retries."""
    cause = exc.orig if isinstance(exc, OperationalError) else exc
    return isinstance(cause, sqlite3.OperationalError) and str(cause).startswith(_BUSY_MESSAGES)


def log_failure(log: logging.Logger, exc: BaseException, what: str, *, retry: str) -> None:
    """Log a periodic writer's failure: a database that stayed locked is one warning line
    saying when it is tried again (``retry``), anything else an error with its traceback."""
    if is_database_busy(exc):
        log.warning(
            "%s: the database stayed locked past the busy timeout (%g s); %s",
            what,
            SQLITE_BUSY_TIMEOUT,
            retry,
        )
    else:
        log.error("%s failed", what, exc_info=exc)


class WriteGate:
    """First come, first served entry to a SQLite database's transactions, in one process.

    Every transaction on SQLite starts with ``BEGIN IMMEDIATE`` (the write lock), and a
    connection that finds the lock taken waits in SQLite's busy handler, which sleeps and
    retries in no order: under load most transactions get through in milliseconds while
    some wait seconds (a p99 of 3-4 s at 16 concurrent predict clients). Connections of
    this process queue here instead, in arrival order, before their ``BEGIN``; other
    processes (a worker, the scheduler) still meet the busy handler. The gate belongs to a
    connection from its ``BEGIN`` to its commit or rollback (a request's transaction may end
    in another thread than it began). A wait longer than ``timeout`` leaves the queue and
    falls back on SQLite's own waiting.
    """

    def __init__(self, timeout: float = SQLITE_BUSY_TIMEOUT) -> None:
        self._timeout = timeout
        self._lock = threading.Lock()
        self._queue: deque[tuple[int, threading.Event]] = deque()
        self._holder: int | None = None

    def enter(self, token: object) -> None:
        key = id(token)
        with self._lock:
            if self._holder is None and not self._queue:
                self._holder = key
                return
            waiter = (key, threading.Event())
            self._queue.append(waiter)
        if waiter[1].wait(self._timeout):
            return
        with self._lock:
            if not waiter[1].is_set():
                self._queue.remove(waiter)

    def leave(self, token: object) -> None:
        with self._lock:
            if self._holder != id(token):
                return
            self._holder = None
            if self._queue:
                key, turn = self._queue.popleft()
                self._holder = key
                turn.set()


_GATES: dict[str, WriteGate] = {}
_GATES_LOCK = threading.Lock()


def _write_gate(database: str | None) -> WriteGate:
    """The process's gate of one SQLite file (engines of one file share it)."""
    path = str(Path(database).resolve()) if database and database != ":memory:" else ""
    with _GATES_LOCK:
        return _GATES.setdefault(path or f"memory:{len(_GATES)}", WriteGate())


def sqlite_file_missing(url: str) -> bool:
    """True for a SQLite URL whose file does not exist (connecting would create it empty)."""
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return False
    return not Path(parsed.database).exists()


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=False)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on normal exit, roll back on any exception (then write what
    :func:`record_after_rollback` asked for, in a transaction of its own)."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException:
        rollback(session)
        raise
    finally:
        session.close()


WROTE_KEY = "urutiq.wrote"
"""``session.info`` key: the session's transaction has written (a flush, or an INSERT,
UPDATE or DELETE through ``session.execute``)."""


def end_read_only_transaction(session: Session) -> bool:
    """End ``session``'s transaction now if it has written nothing, and say whether it did.

    On SQLite every transaction takes the database's write lock (``BEGIN IMMEDIATE``, and
    this process's :class:`WriteGate`), and a request's or job's unit of work holds it to the
    end. Code about to run something a user controls for a while (a sandboxed query) calls
    this first, so that no lock is held meanwhile; the next statement begins a new
    transaction (with its tenant scope set again, see ``core.scoping``). A transaction that
    has written, or has rows waiting to be flushed, is left alone: ending it would commit
    part of a unit of work."""
    pending = session.new or session.dirty or session.deleted
    if not session.in_transaction() or session.info.get(WROTE_KEY) or pending:
        return False
    if session.info.get(AFTER_ROLLBACK_KEY) or session.in_nested_transaction():
        return False
    session.commit()
    return True


@event.listens_for(Session, "after_flush")
def _wrote_by_flush(session: Session, _flush_context: Any) -> None:
    session.info[WROTE_KEY] = True


@event.listens_for(Session, "do_orm_execute")
def _wrote_by_statement(state: Any) -> None:
    # a row locked FOR UPDATE counts too: ending the transaction would let the lock go
    locking = getattr(state.statement, "_for_update_arg", None) is not None
    if state.is_insert or state.is_update or state.is_delete or locking:
        state.session.info[WROTE_KEY] = True


@event.listens_for(Session, "after_transaction_end")
def _forget_writes(session: Session, transaction: Any) -> None:
    if transaction.parent is None:
        session.info.pop(WROTE_KEY, None)


def rollback(session: Session) -> None:
    """Undo ``session``'s work, then write what :func:`record_after_rollback` asked for in a
    transaction of its own. Pages that show a refusal instead of raising it call this."""
    session.rollback()
    writes = session.info.pop(AFTER_ROLLBACK_KEY, [])
    if writes:
        _write_after_rollback(sessionmaker(bind=session.get_bind()), session, writes)


AFTER_ROLLBACK_KEY = "urutiq.after_rollback"
# What a record written after a rollback inherits from the failed unit of work: its scope
# (tenant, system flag, database role) and settings; never its pending jobs or executor.
_INHERITED = ("tenant_id", "system", "database_role", SETTINGS_KEY)


def record_after_rollback(session: Session, write: Callable[[Session], None]) -> None:
    """Keep a record of a refusal that undoes the rest: ``write(new_session)`` runs in a
    transaction of its own once ``session``'s unit of work rolls back (and never if it
    commits). E.g. a production release refused by governance stays in the audit log."""
    session.info.setdefault(AFTER_ROLLBACK_KEY, []).append(write)


def _write_after_rollback(
    factory: sessionmaker[Session], failed: Session, writes: list[Callable[[Session], None]]
) -> None:
    try:
        with unit_of_work(factory) as session:
            session.info.update({k: failed.info[k] for k in _INHERITED if k in failed.info})
            for write in writes:
                write(session)
    except Exception:  # the refusal itself must still reach the caller
        logger.exception("a record kept after a rollback could not be written")


def enum_type(enum_cls: type[Any], name: str) -> Enum:
    """A VARCHAR column with a CHECK constraint listing exactly ``enum_cls``'s values."""
    return Enum(
        enum_cls,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        length=32,
        values_callable=lambda members: [member.value for member in members],
    )


def model_for_table(table_name: str) -> type[Any]:
    """The mapped class of ``table_name``, so domains can name tables they may not import."""
    for mapper in Base.registry.mappers:
        if getattr(mapper.class_, "__tablename__", None) == table_name:
            return mapper.class_
    raise KeyError(f"no mapped class for table {table_name!r}")
