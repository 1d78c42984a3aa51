"""SDK-backed commands, in-process: resource lists and shows, tenancy lists, errors."""

import json

import pytest

from tests.cli.conftest import Invoke, Local
from urutiq_ai.cli.resources import COLUMNS, DERIVED
from urutiq_ai.core.settings import get_settings
from urutiq_ai.registry.schemas import AIModelRead
from urutiq_ai.sdk import RESOURCE_SPECS, SUPPORT_SPECS, Client


@pytest.fixture
def models(local: Local) -> list[AIModelRead]:
    """Three models: two regressions (one active) and a clustering, oldest first."""
    with Client(api_key=local.key, company=local.company) as sdk:
        return [
            sdk.models.create(
                model_name="alpha",
                model_version="1",
                model_type="regression",
                algorithm="ridge",
                status="active",
            ),
            sdk.models.create(
                model_name="beta", model_version="1", model_type="regression", algorithm="lasso"
            ),
            sdk.models.create(
                model_name="gamma", model_version="1", model_type="clustering", algorithm="kmeans"
            ),
        ]


def _auth(local: Local) -> tuple[str, ...]:
    return ("--api-key", local.key, "--company", local.company)


def _json(invoke: Invoke, *args: str) -> object:
    result = invoke(*args, "--json")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _names(invoke: Invoke, local: Local, *args: str) -> list[str]:
    items = _json(invoke, "models", "list", *_auth(local), *args)
    assert isinstance(items, list)
    return [item["modelName"] for item in items]


class TestColumns:
    def test_every_resource_has_existing_columns(self) -> None:
        specs = (*RESOURCE_SPECS, *SUPPORT_SPECS)
        assert set(COLUMNS) == {spec.path for spec in specs}
        for spec in specs:
            fields = set(spec.read.model_fields) | set(DERIVED)
            assert set(COLUMNS[spec.path]) <= fields, spec.path

    def test_every_id_column_is_never_hidden_and_only_it(self) -> None:
        for path, ranks in COLUMNS.items():
            assert [name for name, rank in ranks.items() if rank == 0] == ["id"], path


class TestList:
    def test_json(self, invoke: Invoke, local: Local, models: list[AIModelRead]) -> None:
        items = _json(invoke, "models", "list", *_auth(local))
        assert isinstance(items, list)
        assert [item["id"] for item in items] == [m.id for m in reversed(models)]
        assert items[0]["modelType"] == "clustering"

    def test_table(self, invoke: Invoke, local: Local, models: list[AIModelRead]) -> None:
        result = invoke("models", "list", *_auth(local))
        assert result.exit_code == 0, result.output
        for header in ("modelName", "modelType", "status", "createdAt"):
            assert header in result.stdout
        for model in models:
            assert model.id in result.stdout
            assert model.model_name in result.stdout

    def test_empty_table(self, invoke: Invoke, local: Local) -> None:
        result = invoke("pipelines", "list", *_auth(local))
        assert result.exit_code == 0, result.output
        assert "No pipelines." in result.stdout

    @pytest.mark.usefixtures("models")
    def test_status(self, invoke: Invoke, local: Local) -> None:
        assert _names(invoke, local, "--status", "active") == ["alpha"]
        assert _names(invoke, local, "--status", "active", "--status", "training") == [
            "gamma",
            "beta",
            "alpha",
        ]

    @pytest.mark.usefixtures("models")
    def test_where(self, invoke: Invoke, local: Local) -> None:
        assert _names(invoke, local, "--where", "modelType=regression") == ["beta", "alpha"]
        assert _names(
            invoke,
            local,
            "--where",
            "model_type=clustering",
            "--where",
            "model_type=regression",
            "--where",
            "algorithm=ridge",
        ) == ["alpha"]

    @pytest.mark.usefixtures("models")
    def test_sort(self, invoke: Invoke, local: Local) -> None:
        assert _names(invoke, local, "--sort", "modelName") == ["alpha", "beta", "gamma"]

    @pytest.mark.usefixtures("models")
    def test_pages(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "list", *_auth(local), "--limit", "2")
        assert result.exit_code == 0, result.output
        hint = result.stdout.strip().splitlines()[-1]
        assert hint.startswith("More rows: add --cursor ")
        cursor = hint.split()[-1]
        assert _names(invoke, local, "--limit", "2", "--cursor", cursor) == ["alpha"]
        assert _names(invoke, local, "--limit", "1", "--all") == ["gamma", "beta", "alpha"]

    def test_resource_without_status(self, invoke: Invoke, local: Local) -> None:
        result = invoke("predictions", "list", "--help")
        assert result.exit_code == 0
        assert "--status" not in result.output
        assert "--where" in result.output
        assert invoke("predictions", "list", *_auth(local), "--status", "x").exit_code == 2

    def test_bad_where(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "list", *_auth(local), "--where", "modelType")
        assert result.exit_code == 2
        assert "FIELD=VALUE" in result.output

    def test_bad_filter_value(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "list", *_auth(local), "--status", "bogus")
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ")
        assert "status.0:" in result.stderr

    @pytest.mark.usefixtures("models")
    def test_env_provides_key_and_company(
        self, invoke: Invoke, local: Local, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        monkeypatch.setenv("URUTIQ_API_KEY", local.key)
        monkeypatch.setenv("URUTIQ_COMPANY", local.company)
        get_settings.cache_clear()
        items = _json(invoke, "models", "list")
        assert isinstance(items, list)
        assert len(items) == 3


class TestShow:
    def test_json(self, invoke: Invoke, local: Local, models: list[AIModelRead]) -> None:
        item = _json(invoke, "models", "show", models[0].id, *_auth(local))
        assert AIModelRead.model_validate(item) == models[0]

    def test_table(self, invoke: Invoke, local: Local, models: list[AIModelRead]) -> None:
        result = invoke("models", "show", models[0].id, *_auth(local))
        assert result.exit_code == 0, result.output
        for text in ("modelName", "alpha", "algorithm", "ridge"):
            assert text in result.stdout

    def test_not_found(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "show", "nope", *_auth(local))
        assert result.exit_code == 1
        assert result.stderr.startswith("Error: ")
        assert "nope" in result.stderr


class TestErrors:
    def test_unknown_company(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "list", "--api-key", local.key, "--company", "nope")
        assert result.exit_code == 1
        assert "Error: Company 'nope' not found" in result.stderr

    def test_missing_api_key(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "list", "--company", local.company)
        assert result.exit_code == 1
        assert "Error: no API key" in result.stderr

    def test_missing_company(self, invoke: Invoke, local: Local) -> None:
        result = invoke("models", "list", "--api-key", local.key)
        assert result.exit_code == 1
        assert "Error: no company" in result.stderr

    @pytest.mark.usefixtures("local")
    def test_bad_api_key(self, invoke: Invoke) -> None:
        result = invoke("whoami", "--api-key", "uiq_nope")
        assert result.exit_code == 1
        assert "Error: invalid API key" in result.stderr


class TestTenancyCommands:
    def test_whoami(self, invoke: Invoke, local: Local) -> None:
        me = _json(invoke, "whoami", "--api-key", local.key)
        assert me == {
            "tenantId": "local",
            "role": "admin",
            "companyIds": None,
            "keyId": local.key.split("_")[1],
        }
        result = invoke("whoami", "--api-key", local.key)
        assert result.exit_code == 0
        assert "tenantId" in result.stdout

    def test_companies_list(self, invoke: Invoke, local: Local) -> None:
        items = _json(invoke, "companies", "list", "--api-key", local.key)
        assert isinstance(items, list)
        assert [c["id"] for c in items] == ["local-company"]
        assert "Local company" in invoke("companies", "list", "--api-key", local.key).stdout

    def test_keys_list(self, invoke: Invoke, local: Local) -> None:
        items = _json(invoke, "keys", "list", "--api-key", local.key)
        assert isinstance(items, list)
        assert [k["role"] for k in items] == ["admin"]
        assert "key" not in items[0]

    def test_audit_log(self, invoke: Invoke, local: Local, models: list[AIModelRead]) -> None:
        rows = _json(
            invoke,
            "audit-log",
            "list",
            "--api-key",
            local.key,
            "--table",
            "AIModel",
            "--action",
            "create",
        )
        assert isinstance(rows, list)
        assert {r["rowId"] for r in rows} == {m.id for m in models}
        result = invoke("audit-log", "list", "--api-key", local.key, "--limit", "1")
        assert result.exit_code == 0, result.output
        assert "More rows: add --cursor" in result.stdout
