"""The CLI answers at once: building the command line loads nothing heavy, and the SDK loads
a domain's schemas only when a client of that domain is used (issue 18, item 3).

benchmarks/cli_speed.py measures the times; these tests keep the causes away: each fails if
someone adds a heavy import at the top of a command module, or makes the SDK eager again.
"""

import json
import subprocess
import sys
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from urutiq_ai.cli import main
from urutiq_ai.cli.resources import RESOURCES
from urutiq_ai.sdk import RESOURCE_SPECS, SUPPORT_SPECS, Client

# What `--help` must not load: the SDK, the wire schemas and everything below them.
HEAVY = (
    "urutiq_ai.sdk",
    "sqlalchemy",
    "fastapi",
    "starlette",
    "uvicorn",
    "httpx",
    "pydantic",
    "pydantic_settings",
    "pandas",
    "numpy",
    "sklearn",
    "croniter",
)


def _loaded_after(code: str) -> list[str]:
    """The heavy modules (and any ``urutiq_ai.*.schemas``) loaded after running ``code``."""
    probe = (
        f"{code}\nimport json, sys\n"
        "print(json.dumps(sorted(m for m in sys.modules"
        " if m.startswith('urutiq_ai.') and m.endswith('.schemas')"
        f" or any(m == h or m.startswith(h + '.') for h in {HEAVY!r}))))"
    )
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, timeout=120
    )
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def _help_code(*args: str) -> str:
    return (
        "import contextlib, io, sys\n"
        f"sys.argv = ['urutiq-ai', *{list(args)!r}, '--help']\n"
        "from urutiq_ai.cli.main import app\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    try:\n"
        "        app()\n"
        "    except SystemExit as exc:\n"
        "        assert exc.code == 0, exc.code\n"
    )


class TestHelpIsLight:
    def test_importing_the_cli_loads_nothing_heavy(self) -> None:
        assert _loaded_after("import urutiq_ai.cli.main") == []

    @pytest.mark.parametrize(
        "args",
        [
            (),
            ("deployments",),
            ("deployments", "status"),
            ("pipelines", "runs", "list"),
            ("config", "set"),
            ("feedback", "add"),
            ("serve",),
        ],
        ids=lambda args: " ".join(args) or "root",
    )
    def test_help_loads_nothing_heavy(self, args: tuple[str, ...]) -> None:
        assert _loaded_after(_help_code(*args)) == []

    def test_a_command_converts_only_its_branch(self) -> None:
        """`deployments status --help` converts the deployments group, not the others."""
        root: Any = typer.main.get_command(main.app)
        with pytest.raises(SystemExit):
            root.main(["deployments", "status", "--help"], prog_name="urutiq-ai")
        assert "deployments" in root.commands
        assert {"models", "pipelines", "config"} <= set(root.pending)
        assert "status" in root.commands["deployments"].commands
        assert "history" in root.commands["deployments"].pending


def _eager_copy(app: Any) -> typer.Typer:
    """The same commands and groups on a plain Typer app, which converts all of them."""
    eager = typer.Typer(name=app.info.name, help=app.info.help, no_args_is_help=True)
    eager.registered_commands = list(app.registered_commands)
    eager.registered_groups = list(app.lazy_groups)
    eager.registered_callback = app.registered_callback  # the root's --url, --api-key, ...
    return eager


def _paths(command: Any, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    found = [path]
    for name, sub in getattr(command, "commands", {}).items():
        found += _paths(sub, (*path, name))
    return found


class TestLazyTreeIsTyperTree:
    def test_every_help_page_is_typers(self, monkeypatch: pytest.MonkeyPatch) -> None:
        """Every command's and group's help, its names and texts, reads as Typer's eager
        conversion of the same registrations prints it."""
        eager = _eager_copy(main.app)
        runner = CliRunner()
        converted = typer.main.get_command(eager)
        # CliRunner.invoke converts its app on every call: the eager copy's whole tree
        # (0.1 s) for each of the 150+ pages. Its pages come from that one conversion; the
        # lazy app is still converted afresh on every call, as a command line would.
        convert = typer.testing._get_command
        monkeypatch.setattr(
            typer.testing, "_get_command", lambda app: converted if app is eager else convert(app)
        )
        paths = _paths(converted)
        assert len(paths) > 150
        assert ("deployments", "status") in paths
        assert ("pipelines", "runs", "list") in paths
        for path in paths:
            lazy_help = runner.invoke(main.app, [*path, "--help"], env={"COLUMNS": "160"})
            eager_help = runner.invoke(eager, [*path, "--help"], env={"COLUMNS": "160"})
            assert lazy_help.exit_code == 0, (path, lazy_help.output)
            assert lazy_help.output == eager_help.output, path

    def test_a_mistyped_command_is_suggested_among_all(self) -> None:
        result = CliRunner().invoke(main.app, ["deploymets"])
        assert result.exit_code == 2
        assert "Did you mean 'deployments'" in result.output


class TestResourceTable:
    def test_the_cli_table_is_the_sdks(self) -> None:
        """cli.resources.RESOURCES names the SDK's resources without importing their schemas:
        the same paths in the same order, what a row is, and whether it has a status."""
        sdk_side = [
            (spec.path, spec.read.__name__.removesuffix("Read"), spec.has_status)
            for spec in (*RESOURCE_SPECS, *SUPPORT_SPECS)
        ]
        assert [(r.path, r.row, r.has_status) for r in RESOURCES] == sdk_side


class TestSdkIsLazy:
    def test_importing_the_sdk_loads_no_schema(self) -> None:
        assert _loaded_after("import urutiq_ai.sdk") == ["urutiq_ai.sdk"]

    def test_a_client_loads_only_the_schemas_it_uses(self) -> None:
        code = (
            "from urutiq_ai.sdk import Client\n"
            "client = Client('http://127.0.0.1:9', 'key', 'company')\n"
            "client.models.spec.read, client.models._page\n"
        )
        loaded = _loaded_after(code)
        assert "urutiq_ai.registry.schemas" in loaded
        assert "sqlalchemy" not in loaded
        assert "croniter" not in loaded  # the schemas' cron validator imports it when it runs
        assert not {
            "urutiq_ai.deployments.schemas",
            "urutiq_ai.pipelines.schemas",
            "urutiq_ai.monitoring.schemas",
            "urutiq_ai.quality.schemas",
        } & set(loaded)

    def test_every_sub_client_loads_and_none_needs_sqlalchemy(self) -> None:
        code = (
            "from urutiq_ai.sdk import Client, RESOURCE_SPECS, SUPPORT_SPECS\n"
            "client = Client('http://127.0.0.1:9', 'key', 'company')\n"
            "for name in [n for n in dir(client) if not n.startswith('_')]:\n"
            "    getattr(client, name)\n"
            "for spec in (*RESOURCE_SPECS, *SUPPORT_SPECS):\n"
            "    client.resource(spec.path)._page, spec.create, spec.update\n"
        )
        assert "sqlalchemy" not in _loaded_after(code)

    def test_sub_clients_are_typed_and_kept(self) -> None:
        from urutiq_ai.sdk._deployments import DeploymentsClient

        client = Client("http://127.0.0.1:9", "key", "company")
        try:
            assert isinstance(client.deployments, DeploymentsClient)
            assert client.deployments is client.deployments
            assert client.resource("deployments") is client.deployments
        finally:
            client.close()


def test_the_cli_does_not_load_httpxs_command_line() -> None:
    """httpx imports click, pygments and Rich's syntax for its own command line unless told
    not to; the CLI opens its SDK client without them."""
    code = (
        "import sys\n"
        "from urutiq_ai.cli._sdk import _skip_httpx_command_line\n"
        "_skip_httpx_command_line()\n"
        "import httpx\n"
        "assert callable(httpx.Client)\n"
        "print([m for m in ('click', 'pygments') if m in sys.modules])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, timeout=60
    )
    assert result.stdout.strip() == "[]"
