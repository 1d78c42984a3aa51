"""In-process commands: db upgrade, serve, tenants, companies, keys, bootstrap."""

import os
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
import uvicorn
from typer._click import Context

from tests.cli.conftest import Invoke, Local
from urutiq_ai.cli._recorded_server import RecordedServer
from urutiq_ai.cli.main import app
from urutiq_ai.core.context import Role
from urutiq_ai.core.migrations import head_revision
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import Client, Unauthorized


def _command_paths(command: Any, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path under ``command`` (a Click command or group), itself included.

    Asked through ``list_commands``/``get_command``: the groups convert their commands when
    asked for (cli/_lazy.py), so ``.commands`` holds only those converted so far."""
    paths = [prefix]
    if hasattr(command, "list_commands"):
        ctx = Context(command)
        for name in command.list_commands(ctx):
            paths.extend(_command_paths(command.get_command(ctx, name), (*prefix, name)))
    return paths


def _last_line(output: str) -> str:
    return output.strip().splitlines()[-1]


class TestHelp:
    def test_root(self, invoke: Invoke) -> None:
        result = invoke("--help")
        assert result.exit_code == 0, result.output
        for command in ("serve", "bootstrap", "db", "keys", "models", "governance-violations"):
            assert command in result.output

    def test_no_arguments_shows_help(self, invoke: Invoke) -> None:
        assert "Usage" in invoke().output

    def test_every_command_has_help(self, invoke: Invoke) -> None:
        paths = _command_paths(typer.main.get_command(app))
        assert ("models", "list") in paths
        assert ("governance-violations", "show") in paths
        for path in paths:
            result = invoke(*path, "--help")
            assert result.exit_code == 0, (path, result.output)
            assert "Usage" in result.output

    @pytest.mark.parametrize(
        "args",
        [
            ("models",),
            ("models", "list"),
            ("models", "show"),
            ("keys", "create"),
            ("audit-log", "list"),
            ("db", "upgrade"),
            ("serve",),
            ("bootstrap",),
        ],
    )
    def test_subcommands(self, invoke: Invoke, args: tuple[str, ...]) -> None:
        result = invoke(*args, "--help")
        assert result.exit_code == 0, result.output
        assert "Usage" in result.output


class TestDbUpgrade:
    def test_migrates_a_new_database(
        self, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        path = tmp_path / "new" / "u.db"
        monkeypatch.setenv("URUTIQ_DATABASE_URL", f"sqlite:///{path}")
        get_settings.cache_clear()
        try:
            result = invoke("db", "upgrade")
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 0, result.output
        assert f"revision {head_revision()}" in result.output
        assert path.is_file()


@pytest.mark.usefixtures("db_url")
class TestServe:
    @pytest.fixture
    def calls(self, monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, dict[str, Any]]]:
        """What serve asks uvicorn to run, without serving: ``uvicorn.run`` (several
        workers) or the recording server's ``run`` (one process), as ``(app, options)``."""
        seen: list[tuple[Any, dict[str, Any]]] = []
        monkeypatch.setattr(uvicorn, "run", lambda app, **kw: seen.append((app, kw)))

        def run(server: RecordedServer) -> None:
            config = server.config
            options = ("factory", "host", "port", "workers", "timeout_graceful_shutdown")
            seen.append((config.app, {name: getattr(config, name) for name in options}))
            server.started = True

        monkeypatch.setattr(RecordedServer, "run", run)
        return seen

    def test_defaults(self, invoke: Invoke, calls: list[tuple[Any, dict[str, Any]]]) -> None:
        assert invoke("serve").exit_code == 0
        assert calls == [
            (
                "urutiq_ai.api.app:create_app",
                {
                    "factory": True,
                    "host": "127.0.0.1",
                    "port": 8000,
                    "workers": 1,
                    "timeout_graceful_shutdown": 10,
                },
            )
        ]

    def test_options(self, invoke: Invoke, calls: list[tuple[Any, dict[str, Any]]]) -> None:
        assert invoke("serve", "--host", "0.0.0.0", "--port", "9001").exit_code == 0
        assert calls[0][1]["host"] == "0.0.0.0"
        assert calls[0][1]["port"] == 9001

    def test_workers_need_postgresql(
        self, invoke: Invoke, calls: list[tuple[Any, dict[str, Any]]]
    ) -> None:
        result = invoke("serve", "--workers", "2")
        assert result.exit_code == 1
        assert "--workers" in result.output
        assert "PostgreSQL" in result.output
        assert calls == []

    def test_workers_on_postgresql(
        self,
        invoke: Invoke,
        calls: list[tuple[Any, dict[str, Any]]],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        monkeypatch.setenv("URUTIQ_DATABASE_URL", "postgresql+psycopg://u@127.0.0.1:1/none")
        get_settings.cache_clear()
        try:
            assert invoke("serve", "--workers", "3").exit_code == 0
        finally:
            get_settings.cache_clear()
        assert calls[0][1]["workers"] == 3


class TestTenantsCompaniesKeys:
    @pytest.mark.usefixtures("db_url")
    def test_create_and_use_a_key(self, invoke: Invoke) -> None:
        result = invoke("tenants", "create", "Acme", "--id", "acme")
        assert result.exit_code == 0, result.output
        result = invoke("companies", "create", "Acme EU", "--tenant", "acme", "--id", "acme-eu")
        assert result.exit_code == 0, result.output
        result = invoke(
            "keys",
            "create",
            "--tenant",
            "acme",
            "--role",
            "editor",
            "--company",
            "acme-eu",
            "--name",
            "ci",
        )
        assert result.exit_code == 0, result.output
        key = _last_line(result.stdout)
        assert key.startswith("uiq_")
        assert " " not in key
        with Client(api_key=key, company="acme-eu") as sdk:
            me = sdk.whoami()
        assert (me.tenant_id, me.role, me.company_ids) == ("acme", Role.editor, ["acme-eu"])

    def test_revoke(self, invoke: Invoke, local: Local) -> None:
        result = invoke("keys", "create", "--tenant", "local", "--role", "viewer")
        key = _last_line(result.stdout)
        with Client(api_key=key, company=local.company) as sdk:
            key_id = sdk.whoami().key_id
        result = invoke("keys", "revoke", key_id)
        assert result.exit_code == 0, result.output
        with (
            Client(api_key=key, company=local.company) as sdk,
            pytest.raises(Unauthorized, match="revoked"),
        ):
            sdk.models.list()
        result = invoke("models", "list", "--api-key", key, "--company", local.company)
        assert result.exit_code == 1
        assert "Error: this API key has been revoked" in result.stderr

    @pytest.mark.usefixtures("db_url")
    def test_unknown_tenant(self, invoke: Invoke) -> None:
        result = invoke("companies", "create", "X", "--tenant", "nope")
        assert result.exit_code == 1
        assert "Error: Tenant 'nope' not found" in result.stderr

    @pytest.mark.usefixtures("db_url")
    def test_unknown_key(self, invoke: Invoke) -> None:
        result = invoke("keys", "revoke", "nope")
        assert result.exit_code == 1
        assert "Error: ApiKey 'nope' not found" in result.stderr

    @pytest.mark.usefixtures("local")
    def test_bad_company_id(self, invoke: Invoke) -> None:
        result = invoke("companies", "create", "X", "--tenant", "local", "--id", "bad id!")
        assert result.exit_code == 1
        assert "Error: invalid value" in result.stderr
        assert "id:" in result.stderr

    @pytest.mark.usefixtures("local")
    def test_key_for_unknown_company(self, invoke: Invoke) -> None:
        result = invoke(
            "keys", "create", "--tenant", "local", "--role", "viewer", "--company", "nope"
        )
        assert result.exit_code == 1
        assert "companyIds" in result.stderr

    @pytest.mark.usefixtures("local")
    def test_bad_role_is_a_usage_error(self, invoke: Invoke) -> None:
        result = invoke("keys", "create", "--tenant", "local", "--role", "boss")
        assert result.exit_code == 2
        assert "Invalid value for '--role'" in result.output

    def test_database_not_migrated(
        self, invoke: Invoke, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URUTIQ_DATABASE_URL", f"sqlite:///{tmp_path / 'empty.db'}")
        get_settings.cache_clear()
        try:
            result = invoke("tenants", "create", "X")
        finally:
            get_settings.cache_clear()
        assert result.exit_code == 1
        assert "run `urutiq-ai db upgrade`" in result.stderr


class TestBootstrap:
    @pytest.mark.usefixtures("db_url")
    def test_first_and_second_run(self, invoke: Invoke, data_dir: Path) -> None:
        first = invoke("bootstrap")
        assert first.exit_code == 0, first.output
        key = _last_line(first.stdout)
        key_file = data_dir / "admin-key"
        assert key_file.read_text().strip() == key
        assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
        assert "Dashboard: http://127.0.0.1:8000 (log in with the key below)" in first.stdout
        api = "API: http://127.0.0.1:8000/api/v1 (docs at http://127.0.0.1:8000/docs)"
        assert api in first.stdout
        with Client(api_key=key, company="local-company") as sdk:
            assert sdk.whoami().role is Role.admin

        second = invoke("bootstrap")
        assert second.exit_code == 0, second.output
        assert "nothing created" in second.stdout
        assert _last_line(second.stdout) == key
        with Client(api_key=key) as sdk:
            assert [c.id for c in sdk.companies.list()] == ["local-company"]
            assert len(sdk.api_keys.list()) == 1

    def test_existing_tenant_without_key_file(self, invoke: Invoke, local: Local) -> None:
        result = invoke("bootstrap")
        assert result.exit_code == 0, result.output
        assert "keys create" in result.stdout
        assert local.key not in result.stdout


class TestInFreshProcess:
    """The in-process admin commands as a user runs them: a new process, where only what the
    command itself imports is mapped (a test process has imported every domain already)."""

    @pytest.mark.parametrize(
        "args",
        [
            ("retention", "purge", "--dry-run"),
            ("retention", "purge", "--days", "30"),
        ],
    )
    def test_retention_purge(self, db_url: str, args: tuple[str, ...]) -> None:
        command = [str(Path(sys.executable).parent / "urutiq-ai"), *args]
        done = subprocess.run(
            command,
            env={**os.environ, "URUTIQ_DATABASE_URL": db_url},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert done.returncode == 0, done.stderr
        assert "prediction(s) made before" in done.stdout
        assert "Traceback" not in done.stderr
