"""--url, --api-key and --company: given to the root, to the command, or by the environment
(cli._sdk, issue 19 item 3)."""

import json
from typing import Annotated, Any

import pytest
import typer
from typer.testing import CliRunner

from tests.cli.conftest import Invoke, Local
from urutiq_ai.cli import _sdk
from urutiq_ai.cli._sdk import Connection, company_command, tenant_command
from urutiq_ai.cli.main import app
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import Client


@pytest.fixture
def model_id(local: Local) -> str:
    with Client(api_key=local.key, company=local.company) as sdk:
        return sdk.models.create(
            model_name="alpha", model_version="1", model_type="regression", algorithm="ridge"
        ).id


def _ids(result: Any) -> list[str]:
    assert result.exit_code == 0, result.output
    return [row["id"] for row in json.loads(result.stdout)]


class TestWhereTheOptionsGo:
    def test_after_the_command(self, invoke: Invoke, local: Local, model_id: str) -> None:
        args = ("models", "list", "--company", local.company, "--api-key", local.key, "--json")
        assert _ids(invoke(*args)) == [model_id]

    def test_before_the_command(self, invoke: Invoke, local: Local, model_id: str) -> None:
        args = ("--company", local.company, "--api-key", local.key, "models", "list", "--json")
        assert _ids(invoke(*args)) == [model_id]

    def test_some_before_some_after(self, invoke: Invoke, local: Local, model_id: str) -> None:
        result = invoke(
            "--api-key", local.key, "models", "show", model_id, "--company", "local-company"
        )
        assert result.exit_code == 0, result.output
        assert "alpha" in result.stdout

    def test_the_commands_value_wins(self, invoke: Invoke, local: Local) -> None:
        result = invoke(
            "--company",
            local.company,
            "models",
            "list",
            "--company",
            "nope",
            "--api-key",
            local.key,
        )
        assert result.exit_code == 1
        assert "Error: Company 'nope' not found" in result.stderr

    def test_the_environment(
        self, invoke: Invoke, local: Local, model_id: str, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URUTIQ_COMPANY", local.company)
        monkeypatch.setenv("URUTIQ_API_KEY", local.key)
        get_settings.cache_clear()
        assert _ids(invoke("models", "list", "--json")) == [model_id]

    def test_the_root_over_the_environment(
        self, invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URUTIQ_COMPANY", local.company)
        monkeypatch.setenv("URUTIQ_API_KEY", local.key)
        get_settings.cache_clear()
        result = invoke("--company", "nope", "models", "list")
        assert result.exit_code == 1
        assert "Error: Company 'nope' not found" in result.stderr

    def test_a_tenant_command_takes_the_roots_key(self, invoke: Invoke, local: Local) -> None:
        result = invoke("--api-key", local.key, "whoami", "--json")
        assert result.exit_code == 0, result.output
        assert json.loads(result.stdout)["tenantId"] == "local"

    @pytest.mark.usefixtures("local")
    def test_an_error_given_at_the_root_exits_1(self, invoke: Invoke) -> None:
        result = invoke("--api-key", "uiq_nope", "whoami")
        assert result.exit_code == 1
        assert "Error: invalid API key" in result.stderr


class TestHelp:
    @pytest.mark.parametrize(
        "path",
        [(), ("models", "list"), ("deployments", "status"), ("pipelines", "runs", "list")],
        ids=lambda path: " ".join(path) or "root",
    )
    def test_lists_the_options(self, path: tuple[str, ...]) -> None:
        result = CliRunner().invoke(app, [*path, "--help"], env={"COLUMNS": "160"})
        assert result.exit_code == 0, result.output
        for option in ("--url", "--api-key", "--company"):
            assert option in result.stdout, (path, option)

    def test_a_tenant_command_has_no_company_of_its_own(self) -> None:
        result = CliRunner().invoke(app, ["whoami", "--help"], env={"COLUMNS": "160"})
        assert result.exit_code == 0, result.output
        assert "--api-key" in result.stdout
        assert "--company" not in result.stdout


class TestConnection:
    def test_over_keeps_what_was_given(self) -> None:
        root = Connection(url="http://root", api_key="root-key", company="root-co")
        assert Connection(company="mine").over(root) == Connection(
            url="http://root", api_key="root-key", company="mine"
        )
        assert Connection().over(root) == root
        assert Connection(api_key="k").over(None) == Connection(api_key="k")


def _app(command: Any) -> typer.Typer:
    """``command`` as ``run`` under a root that takes the connection options."""
    root = typer.Typer()
    root.callback()(_sdk.connect)
    root.command("run")(command)
    return root


class TestDecorators:
    def test_the_body_gets_the_resolved_connection(self) -> None:
        seen: list[Connection] = []

        @company_command
        def command(conn: Connection, name: Annotated[str, typer.Argument()]) -> None:
            seen.append(conn)
            typer.echo(name)

        result = CliRunner().invoke(
            _app(command), ["--url", "http://root", "--company", "a", "run", "x", "--company", "b"]
        )
        assert result.exit_code == 0, result.output
        assert result.stdout == "x\n"
        assert seen == [Connection(url="http://root", api_key=None, company="b")]

    def test_without_a_root_the_commands_own(self) -> None:
        seen: list[Connection] = []

        @tenant_command
        def command(conn: Connection) -> None:
            seen.append(conn)

        plain = typer.Typer()
        plain.command("run")(command)
        plain.command("other")(command)  # two commands: Typer keeps the group
        result = CliRunner().invoke(plain, ["run", "--api-key", "k"])
        assert result.exit_code == 0, result.output
        assert seen == [Connection(api_key="k")]

    def test_a_parameter_of_the_same_name_is_refused(self) -> None:
        def command(conn: Connection, url: str) -> None:
            typer.echo(f"{conn} {url}")

        with pytest.raises(TypeError, match="url"):
            company_command(command)
