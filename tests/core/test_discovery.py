"""The CLI and the SDK find a local ``urutiq-ai serve`` through its record (core/discovery.py):
a live server on the same database is used (said once on stderr), a stale record or one of
another database is not, and ``URUTIQ_URL=local`` always runs in-process."""

import json
import os
import stat
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from urutiq_ai.core import discovery
from urutiq_ai.core.discovery import (
    ServerRecord,
    advertised_url,
    find_server,
    read_record,
    record_path,
    remove_record,
    sqlite_path,
    write_record,
)
from urutiq_ai.core.settings import get_settings


class _Health(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        body = json.dumps({"status": "ok", "version": "test"}).encode()
        self.send_response(200 if self.path == "/healthz" else 404)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_: object) -> None:
        pass


@pytest.fixture
def health_server() -> Iterator[str]:
    """A stand-in for a serving process: answers /healthz like the app does."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Health)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def database_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'urutiq.db'}"


def _dead_pid() -> int:
    process = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    return int(process.stdout)


class TestSqlitePath:
    def test_absolute_and_relative(self, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        assert sqlite_path("sqlite:////srv/data/u.db") == Path("/srv/data/u.db")
        assert (
            sqlite_path("sqlite:///./urutiq-data/urutiq.db") == tmp_path / "urutiq-data/urutiq.db"
        )
        assert sqlite_path("sqlite+pysqlite:///x.db?timeout=5") == tmp_path / "x.db"

    def test_other_databases_have_none(self) -> None:
        assert sqlite_path("postgresql+psycopg://u@h/db") is None
        assert sqlite_path("sqlite:///:memory:") is None
        assert sqlite_path("sqlite://") is None
        assert record_path("postgresql+psycopg://u@h/db") is None


class TestAdvertisedUrl:
    def test_wildcard_binds_are_reached_on_loopback(self) -> None:
        assert advertised_url("0.0.0.0", 8000) == "http://127.0.0.1:8000"
        assert advertised_url("::", 8000) == "http://[::1]:8000"
        assert advertised_url("127.0.0.1", 8103) == "http://127.0.0.1:8103"


class TestRecord:
    def test_written_private_and_read_back(self, database_url: str, tmp_path: Path) -> None:
        path = write_record(database_url, "http://127.0.0.1:9", 4242)
        assert path == tmp_path / "server.json"
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
        assert read_record(path) == ServerRecord(
            url="http://127.0.0.1:9", pid=4242, database=str(tmp_path / "urutiq.db")
        )
        assert [p.name for p in tmp_path.iterdir()] == ["server.json"]  # no temporary left

    def test_removed_only_by_its_writer(self, database_url: str) -> None:
        path = write_record(database_url, "http://127.0.0.1:9", 4242)
        assert path is not None
        remove_record(path, 4343)  # another server's stop leaves it
        assert path.exists()
        remove_record(path, 4242)
        assert not path.exists()

    def test_unreadable_record_is_none(self, tmp_path: Path) -> None:
        (tmp_path / "server.json").write_text("{not json")
        assert read_record(tmp_path / "server.json") is None


class TestFindServer:
    def test_live_server_on_the_same_database(self, database_url: str, health_server: str) -> None:
        write_record(database_url, health_server, os.getpid())
        found = find_server(database_url)
        assert found is not None
        assert found.url == health_server

    def test_other_database_is_ignored(self, tmp_path: Path, health_server: str) -> None:
        write_record(f"sqlite:///{tmp_path / 'other.db'}", health_server, os.getpid())
        assert find_server(f"sqlite:///{tmp_path / 'urutiq.db'}") is None

    def test_dead_process_record_is_removed(self, database_url: str, health_server: str) -> None:
        path = write_record(database_url, health_server, _dead_pid())
        assert path is not None
        assert find_server(database_url) is None
        assert not path.exists()

    def test_silent_server_is_ignored_and_kept(self, database_url: str) -> None:
        # a live process (this one) that does not answer: starting, or another program
        path = write_record(database_url, "http://127.0.0.1:9", os.getpid())
        assert path is not None
        assert find_server(database_url) is None
        assert path.exists()

    @pytest.mark.parametrize(
        "url", ["http://203.0.113.5:8000", "https://127.0.0.1:8000", "http://keys.example:80"]
    )
    def test_a_record_pointing_off_this_machine_is_not_followed(
        self, database_url: str, url: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        """The CLI would send its API key there: whoever could write the data folder would
        collect the keys of those who run the CLI (the host answers, as theirs would)."""
        monkeypatch.setattr("urutiq_ai.core.discovery.answers", lambda _url: True)
        write_record(database_url, url, os.getpid())
        assert find_server(database_url) is None

    def test_a_record_others_may_write_is_not_followed(
        self, database_url: str, health_server: str
    ) -> None:
        path = write_record(database_url, health_server, os.getpid())
        assert path is not None
        assert find_server(database_url) is not None
        path.chmod(0o666)
        assert find_server(database_url) is None

    def test_postgresql_has_no_discovery(self) -> None:
        assert find_server("postgresql+psycopg://u@127.0.0.1:1/db") is None


class TestClientChoice:
    @pytest.fixture(autouse=True)
    def _settings(self, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
        for name in ("URUTIQ_URL", "URUTIQ_API_KEY", "URUTIQ_COMPANY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("URUTIQ_DATABASE_URL", database_url)
        monkeypatch.setattr(discovery, "_announced", set())
        get_settings.cache_clear()
        yield
        get_settings.cache_clear()

    def test_client_uses_the_recorded_server_and_says_so_once(
        self, database_url: str, health_server: str, capsys: pytest.CaptureFixture[str]
    ) -> None:
        from urutiq_ai.sdk import Client

        write_record(database_url, health_server, os.getpid())
        with Client() as first, Client() as second:
            assert first.url == second.url == health_server
        err = capsys.readouterr().err
        assert err.count(f"using the server at {health_server}") == 1
        assert "URUTIQ_URL=local" in err

    def test_local_runs_in_process(
        self, database_url: str, health_server: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        from urutiq_ai.sdk import Client, DatabaseNotReady

        write_record(database_url, health_server, os.getpid())
        monkeypatch.setenv("URUTIQ_URL", "local")
        get_settings.cache_clear()
        # in-process on a database that does not exist yet: the in-process refusal, not
        # the recorded server
        with pytest.raises(DatabaseNotReady):
            Client()
