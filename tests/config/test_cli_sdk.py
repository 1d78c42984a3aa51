"""Configuration versions from the SDK (``client.configs``) and the CLI (``config ...``)."""

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import typer
from fastapi.testclient import TestClient
from typer.testing import CliRunner, Result

import urutiq_ai.sdk._client as sdk_client_module
from tests.config.conftest import BEHAVIOR, CATEGORIES, PROMPTS
from tests.conftest import TenantFixture
from urutiq_ai.cli import config as config_cli
from urutiq_ai.config.schemas import (
    AIConfigRead,
    BehaviorConfig,
    CategoriesConfig,
    Category,
    ConfigType,
)
from urutiq_ai.core.settings import get_settings
from urutiq_ai.sdk import Client, NotFound, ValidationError


class TestSdk:
    def test_set_activate_history_diff_active(self, sdk: Client) -> None:
        first = sdk.configs.set("categories", CATEGORIES, note="initial")
        assert isinstance(first, AIConfigRead)
        assert (first.version, first.is_active, first.note) == (1, True, "initial")
        second = sdk.configs.set(ConfigType.categories, {"categories": [{"name": "rent"}]})
        assert sdk.configs.active("categories").id == second.id
        assert [v.id for v in sdk.configs.history("categories")] == [second.id, first.id]
        assert [v.id for v in sdk.configs.history("categories", limit=1)] == [second.id]
        rolled_back = sdk.configs.activate(first.id)
        assert rolled_back.is_active
        assert sdk.configs.active(ConfigType.categories).id == first.id
        changes = sdk.configs.diff(first.id, second.id).changes
        assert [(c.path, c.kind.value) for c in changes][0] == ("categories.0.name", "changed")

    def test_set_a_schema_and_a_draft(self, sdk: Client) -> None:
        active = sdk.configs.set("behavior", BEHAVIOR)
        typed = CategoriesConfig(categories=[Category(name="software")])
        sdk.configs.set("categories", typed)
        assert sdk.configs.active("categories").config_data == {
            "categories": [{"name": "software"}]
        }
        draft = sdk.configs.set("behavior", BehaviorConfig(auto_retrain=False), activate=False)
        assert not draft.is_active
        assert draft.config_data == {
            "autoRetrain": False,
            "correctionThreshold": 50,
            "confidenceFloor": 0.5,
            "retrainOnDrift": False,
            "retrainOnDecline": False,
            "retrainCooldownHours": 24.0,
        }
        assert sdk.configs.active("behavior").id == active.id

    def test_errors(self, sdk: Client) -> None:
        with pytest.raises(ValidationError) as refused:
            sdk.configs.set("prompts", {"templates": {"t": {"text": "{x}"}}})
        assert [f.field for f in refused.value.fields] == ["configData.templates.t.text"]
        with pytest.raises(NotFound):
            sdk.configs.active("industry")
        with pytest.raises(NotFound):
            sdk.configs.activate("no-such-version")
        with pytest.raises(ValidationError):  # before any request
            sdk.configs.set("colours", {})

    def test_the_generic_methods_still_work(self, sdk: Client) -> None:
        created = sdk.configs.create(config_type="prompts", config_data=PROMPTS, is_active=False)
        assert created.version == 1
        noted = sdk.configs.update(created.id, note="for review")
        assert noted.note == "for review"
        assert [c.id for c in sdk.configs.list(is_active=False).items] == [created.id]
        assert sdk.configs.get(created.id).config_data == PROMPTS


Invoke = Callable[..., Result]


@pytest.fixture
def invoke(
    config_client: TestClient, tenant: TenantFixture, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Invoke]:
    """``invoke("set", "--type", ...)``: the ``config`` commands, in-process on the test app,
    with the editor key of company A."""
    for name in ("URUTIQ_URL", "URUTIQ_API_KEY", "URUTIQ_COMPANY"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("COLUMNS", "250")
    get_settings.cache_clear()
    monkeypatch.setattr(sdk_client_module, "_local_http", lambda: (config_client, lambda: None))
    app = typer.Typer()
    for verb, command in (
        ("set", config_cli.set_),
        ("activate", config_cli.activate),
        ("history", config_cli.history),
        ("diff", config_cli.diff),
        ("show", config_cli.show),
    ):
        app.command(verb)(command)
    runner = CliRunner()
    scope = ["--company", tenant.company_id, "--api-key", tenant.keys["editor"]]
    yield lambda *args: runner.invoke(app, [*map(str, args), *scope])
    get_settings.cache_clear()


def _json(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


class TestCli:
    def test_set_show_history_diff_activate(self, invoke: Invoke, tmp_path: Path) -> None:
        path = tmp_path / "categories.json"
        path.write_text(json.dumps(CATEGORIES))
        first = _json(
            invoke("set", "--type", "categories", "--file", path, "--note", "v1", "--json")
        )
        assert (first["version"], first["isActive"], first["note"]) == (1, True, "v1")
        written = invoke("set", "-t", "categories", "--data", '{"categories": [{"name": "rent"}]}')
        assert written.exit_code == 0, written.output
        assert "categories version 2" in written.stdout
        assert "active" in written.stdout

        shown = invoke("show", "--type", "categories")
        assert shown.exit_code == 0, shown.output
        assert "categories version 2 (active" in shown.stdout
        assert '"rent"' in shown.stdout

        history = invoke("history", "--type", "categories")
        assert history.exit_code == 0, history.output
        assert first["id"] in history.stdout
        assert "v1" in history.stdout
        versions = _json(invoke("history", "--type", "categories", "--json"))
        assert [v["version"] for v in versions] == [2, 1]

        second_id = versions[0]["id"]
        diff = invoke("diff", first["id"], second_id)
        assert diff.exit_code == 0, diff.output
        assert "version 1 -> 2" in diff.stdout
        assert "categories.0.name" in diff.stdout
        assert "removed" in diff.stdout
        changes = _json(invoke("diff", first["id"], second_id, "--json"))["changes"]
        assert changes[0] == {
            "path": "categories.0.name",
            "kind": "changed",
            "old": "software",
            "new": "rent",
        }

        activated = invoke("activate", first["id"])
        assert activated.exit_code == 0, activated.output
        assert "categories version 1" in activated.stdout
        assert _json(invoke("show", "--type", "categories", "--json"))["id"] == first["id"]

    def test_a_draft_and_no_differences(self, invoke: Invoke) -> None:
        data = json.dumps(BEHAVIOR)
        first = _json(invoke("set", "--type", "behavior", "--data", data, "--json"))
        draft = invoke("set", "--type", "behavior", "--data", data, "--draft")
        assert draft.exit_code == 0, draft.output
        assert "draft" in draft.stdout
        second = _json(invoke("history", "--type", "behavior", "--json"))[0]
        assert not second["isActive"]
        same = invoke("diff", first["id"], second["id"])
        assert same.exit_code == 0, same.output
        assert "no differences" in same.stdout

    def test_empty_history(self, invoke: Invoke) -> None:
        result = invoke("history", "--type", "industry")
        assert result.exit_code == 0, result.output
        assert "No industry configuration yet" in result.stdout

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (
                ("set", "--type", "behavior", "--data", '{"confidenceFloor": 3}'),
                "configData.confidenceFloor",
            ),
            (("set", "--type", "behavior", "--data", "{bad"), "--data is not valid JSON"),
            (("set", "--type", "behavior"), "exactly one of --file and --data"),
            (
                ("set", "--type", "behavior", "--data", "{}", "--file", "x.json"),
                "exactly one of --file and --data",
            ),
            (("set", "--type", "behavior", "--file", "no-such.json"), "cannot read"),
            (("activate", "no-such-version"), "no-such-version"),
            (("show", "--type", "prompts"), "no active prompts configuration"),
            (("diff", "nope", "nada"), "not found"),
        ],
    )
    def test_errors_exit_1(self, invoke: Invoke, args: tuple[str, ...], message: str) -> None:
        result = invoke(*args)
        assert result.exit_code == 1, result.output
        assert message in result.stderr

    def test_unknown_type_is_a_usage_error(self, invoke: Invoke) -> None:
        result = invoke("show", "--type", "colours")
        assert result.exit_code == 2
        assert _no_rows(invoke)


def _no_rows(invoke: Invoke) -> bool:
    return all(_json(invoke("history", "--type", t.value, "--json")) == [] for t in ConfigType)


def test_prompts_round_trip(invoke: Invoke) -> None:
    result = _json(invoke("set", "--type", "prompts", "--data", json.dumps(PROMPTS), "--json"))
    assert result["configData"] == PROMPTS
