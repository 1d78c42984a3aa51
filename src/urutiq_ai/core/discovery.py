"""Where a local ``urutiq-ai serve`` listens, so that the CLI and the SDK use it.

``serve`` on an embedded SQLite database writes ``server.json`` next to the database
file (mode 0600, written atomically) with its URL, its process id and the database it
serves, and removes it when it stops. With ``URUTIQ_URL`` unset, the CLI and
``Client()`` read that record, check that the process lives and that ``/healthz``
answers, and talk to the server over HTTP instead of opening the database themselves
(a second process writing the same SQLite file only waits on the server's writes).
``URUTIQ_URL=local`` always runs the app in-process.

Standard library only, apart from httpx for the health check: the CLI's start path
imports this module, and SQLAlchemy or FastAPI would cost it a second.
"""

import ipaddress
import json
import os
import sys
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

import httpx

RECORD_NAME = "server.json"
LOCAL = "local"
"""The value of ``URUTIQ_URL`` (or ``--url``) that runs the app in-process, server or not."""
HEALTH_TIMEOUT = 3.0  # seconds a recorded server has to answer its health check (busy, loaded)


@dataclass(frozen=True)
class ServerRecord:
    """A running ``urutiq-ai serve``: where it answers, its process, its database."""

    url: str
    pid: int
    database: str


def sqlite_path(database_url: str) -> Path | None:
    """The absolute path of a SQLite database file, None for another database (or memory).

    Parsed by hand (``sqlite:///relative`` or ``sqlite:////absolute``, any driver, any
    query string) so that SQLAlchemy stays unimported."""
    scheme, sep, rest = database_url.partition(":///")
    if not sep or scheme.split("+")[0] != "sqlite":
        return None
    path = unquote(rest.split("?", 1)[0])
    if path in ("", ":memory:") or path.startswith("file:"):
        return None
    return Path(path).expanduser().resolve()


def record_path(database_url: str) -> Path | None:
    """The server record of a SQLite database (``server.json`` in its folder), else None."""
    database = sqlite_path(database_url)
    return database.parent / RECORD_NAME if database is not None else None


def advertised_url(host: str, port: int) -> str:
    """The URL a local client reaches a server bound to ``host:port`` at: a wildcard
    bind (``0.0.0.0``, ``::``) is reached on the loopback address."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host:
        host = f"[{host}]"
    return f"http://{host}:{port}"


def write_record(database_url: str, url: str, pid: int) -> Path | None:
    """Record that the server ``pid`` serves ``database_url`` at ``url``; the path written.

    Written to a temporary file (0600) then renamed, so a reader never sees half a record."""
    path = record_path(database_url)
    database = sqlite_path(database_url)
    if path is None or database is None:
        return None
    record = ServerRecord(url=url, pid=pid, database=str(database))
    temporary = path.with_name(f".{RECORD_NAME}.{pid}.tmp")
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(asdict(record), file)
    os.replace(temporary, path)
    return path


def read_record(path: Path) -> ServerRecord | None:
    """The record at ``path``; None when there is none or it cannot be read."""
    try:
        data = json.loads(path.read_text())
        return ServerRecord(url=str(data["url"]), pid=int(data["pid"]), database=data["database"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove_record(path: Path, pid: int) -> None:
    """Remove the record at ``path`` if process ``pid`` wrote it (not a later server's)."""
    record = read_record(path)
    if record is not None and record.pid == pid:
        path.unlink(missing_ok=True)


def process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # another user's process: it exists
        return True
    except OSError:
        return False
    return True


def answers(url: str, timeout: float = HEALTH_TIMEOUT) -> bool:
    """``GET {url}/healthz`` answers ``{"status": "ok"}`` within ``timeout`` seconds."""
    try:
        # verify=False: the recorded URL is plain http:// on this machine, and loading the CA
        # bundle for nothing cost the CLI about 30 ms.
        response = httpx.get(f"{url}/healthz", timeout=timeout, trust_env=False, verify=False)
        return response.status_code == 200 and response.json().get("status") == "ok"
    except (httpx.HTTPError, ValueError, AttributeError):
        return False


def trusted(path: Path, record: ServerRecord) -> bool:
    """Whether the CLI may send its API key where ``record`` points: a plain-HTTP loopback
    address (what ``serve`` records), in a file this user owns and nobody else may write.
    Anyone else able to write the data folder could otherwise point the CLI at a host of
    theirs and collect the keys of those who run it."""
    try:
        info = path.stat()
    except OSError:
        return False
    if info.st_uid != os.getuid() or info.st_mode & 0o022:
        return False
    parts = urlsplit(record.url)
    if parts.scheme != "http" or parts.hostname is None:
        return False
    try:
        return ipaddress.ip_address(parts.hostname).is_loopback
    except ValueError:
        return parts.hostname == "localhost"


def find_server(database_url: str) -> ServerRecord | None:
    """The live local server recorded for ``database_url``, if there is one.

    A record of another database is ignored; one whose process is gone is removed; one
    whose process lives but does not answer (starting, stopping, busy) is ignored."""
    path = record_path(database_url)
    if path is None:
        return None
    record = read_record(path)
    if record is None or record.database != str(sqlite_path(database_url)):
        return None
    if not trusted(path, record):
        return None
    if not process_alive(record.pid):
        remove_record(path, record.pid)
        return None
    return record if answers(record.url) else None


_announced: set[str] = set()


def announce(record: ServerRecord) -> None:
    """Say once per process, on stderr, which server the CLI or SDK talks to and why."""
    if record.url in _announced:
        return
    _announced.add(record.url)
    print(  # noqa: T201 - a notice to the user, on stderr
        f"using the server at {record.url} (urutiq-ai serve, pid {record.pid}) on "
        f"{record.database}; set URUTIQ_URL={LOCAL} to run in-process instead",
        file=sys.stderr,
    )
