"""Hostile values never answer 5xx (issue 17, finding 9).

A quick fuzz over every operation of the API (read from its OpenAPI description): NUL
characters in path ids, query parameters, JSON texts, keys and values (PostgreSQL's text
and JSONB cannot store ``\\u0000``), numbers JSON can write but no column holds (``1e400``
parses to infinity, integers past 2^31 and 2^63), times at the ends of the calendar, and
cursors no list issued. Each must answer a 4xx in the one error shape; where the bad value
is in the body or the query, the error names its field. Then the findings as reported, one
test each: expressions that fail only when evaluated, a NUL in a file name, crafted
cursors, ``1e400`` in a predict row. Runs on SQLite, and on PostgreSQL when
``URUTIQ_TEST_DATABASE_URL`` is set.
"""

import base64
import json
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote

import pandas as pd
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.api.payloads import CREATE, UPDATE, Factory, assert_error
from tests.conftest import TenantFixture
from tests.web.conftest import csrf_of

NUL = "a\x00b"
RAW = "__raw_json_number__"
# Values for a body field: text with NUL, NUL in a JSON object's key and value and in an
# array, lone surrogates (JSON can escape them, UTF-8 cannot encode them), and numbers
# written as raw JSON (no column holds them).
BODY_VALUES: list[Any] = [
    NUL,
    {"k\x00": "v", "nested": ["\x00"]},
    ["x\x00"],
    "lone \ud800 surrogate",
    {"\udfff": 1},
    (RAW, "1e400"),
    (RAW, "-1e400"),
    (RAW, str(2**63)),
    (RAW, str(2**31)),
    (RAW, str(-(2**63) - 1)),
]
QUERY_VALUES = [
    NUL,
    str(2**63),
    str(2**31),
    "1e400",
    "9999-12-31T23:59:59-12:00",
    "0001-01-01T00:00:00+12:00",
]
# JSON that no cursor holds: other shapes, and the right shape with wrong types.
NOT_CURSORS: list[Any] = [
    {},
    [1],
    "text",
    None,
    ["createdAt", True, {"dt": "not a time"}, "id"],
    ["createdAt", True, {"dt": 5}, "id"],
    ["createdAt", True, [1, 2], "id"],
    ["createdAt", True, {"x": 1}, "id"],
    ["createdAt", True, "2025-01-01", {"id": 1}],
    ["createdAt", True, 1e308, "a\x00b"],
    ["createdAt", True, 2**70, None],
    ["createdAt", "yes", "2025-01-01", "id"],
    ["createdAt", True, "2025-01-01T00:00:00", "id"],
    ["createdAt", True, 5, "id"],
    ["createdAt", True, {"dt": "2025-01-01T00:00:00"}, "id\x00"],
    [None, None, None, None],
]
# Cursors no list issued: junk, base64 of other JSON, of wrong types, of other text.
GARBAGE_CURSORS: list[str] = [
    "!!!",
    "abc",
    "\x00",
    base64.urlsafe_b64encode(b"\xff\xfe\x00").decode(),
    *(base64.urlsafe_b64encode(json.dumps(v).encode()).decode().rstrip("=") for v in NOT_CURSORS),
]


@dataclass
class Operation:
    method: str
    path: str
    path_params: list[str]
    query_params: list[str]
    body_fields: list[str]
    required_query: list[str] = field(default_factory=list)


def operations(app: FastAPI) -> list[Operation]:
    """Every API operation: its path and query parameters and its body's fields."""
    spec = app.openapi()
    schemas = spec["components"]["schemas"]
    found = []
    for path, ops in spec["paths"].items():
        if not path.startswith("/api/"):
            continue
        for method, op in ops.items():
            params = op.get("parameters", [])
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {})
            ref = body.get("schema", {}).get("$ref", "")
            fields = list(schemas[ref.rsplit("/", 1)[-1]].get("properties", {})) if ref else []
            found.append(
                Operation(
                    method=method.upper(),
                    path=path,
                    path_params=[p["name"] for p in params if p["in"] == "path"],
                    query_params=[p["name"] for p in params if p["in"] == "query"],
                    body_fields=fields,
                    required_query=[
                        p["name"] for p in params if p["in"] == "query" and p.get("required")
                    ],
                )
            )
    return found


@dataclass
class Fuzz:
    """Sends requests and keeps every answer that is a 5xx or not the error shape."""

    client: TestClient
    tenant: TenantFixture
    ids: dict[str, str]
    bad: list[str] = field(default_factory=list)
    sent: int = 0

    def url(self, op: Operation, hostile: set[str] = frozenset()) -> str:  # type: ignore[assignment]
        url = op.path
        for name in op.path_params:
            value = NUL if name in hostile else self.id_for(op, name)
            url = url.replace("{" + name + "}", quote(value, safe=""))
        return url

    def id_for(self, op: Operation, name: str) -> str:
        if name == "companyId":
            return self.tenant.company_id
        if name == "deploymentName":
            return self.ids.get("deploymentName", "none")
        segment = op.path.split("/{" + name + "}")[0].rsplit("/", 1)[-1]
        return self.ids.get(segment, "no-such-row")

    def send(
        self,
        op: Operation,
        url: str,
        *,
        params: dict[str, str] | None = None,
        body: Any = None,
        named: str | None = None,
    ) -> None:
        self.sent += 1
        content = None
        if op.method in ("POST", "PUT", "PATCH"):
            content = raw_json(body if body is not None else {})
        response = self.client.request(
            op.method,
            url,
            params=params,
            content=content,
            headers={**self.tenant.headers("admin"), "content-type": "application/json"},
        )
        what = f"{op.method} {url} params={params!r} body={content!r}"
        if response.status_code >= 500:
            self.bad.append(f"{what} -> {response.status_code} {response.text[:300]}")
            return
        if response.status_code < 400:
            return
        try:
            shape = response.json()
        except ValueError:
            shape = None
        if not isinstance(shape, dict) or set(shape) != {"error", "detail", "fields"}:
            self.bad.append(f"{what} -> {response.status_code} not the error shape")
        elif named and response.status_code == 422:
            fields = [str(f["field"]) for f in shape["fields"]]
            if not any(f == named or f.startswith(f"{named}.") for f in fields):
                self.bad.append(f"{what} -> 422 does not name {named}: {shape}")

    def assert_clean(self) -> None:
        assert self.sent
        assert not self.bad, f"{len(self.bad)} of {self.sent} answers:\n" + "\n".join(self.bad)


def assert_names(response: Any, field: str) -> None:
    """A 422 in the error shape naming ``field`` (or a part of it: ``field.key``)."""
    error = assert_error(response, 422, error="ValidationError")
    named = [str(f["field"]) for f in error["fields"]]
    assert any(f == field or f.startswith(f"{field}.") for f in named), error


def raw_json(body: Any) -> str:
    """``body`` as JSON text; ``(RAW, "1e400")`` pairs are written as the raw number."""
    raws: list[str] = []

    def swap(value: Any) -> Any:
        if isinstance(value, tuple) and len(value) == 2 and value[0] == RAW:
            raws.append(value[1])
            return f"{RAW}{len(raws) - 1}"
        if isinstance(value, dict):
            return {k: swap(v) for k, v in value.items()}
        if isinstance(value, list):
            return [swap(v) for v in value]
        return value

    text = json.dumps(swap(body))
    for index, raw in enumerate(raws):
        text = text.replace(f'"{RAW}{index}"', raw)
    return text


@pytest.fixture
def fuzz(app: FastAPI, tenant: TenantFixture, seed_expenses: Callable[..., None]) -> Fuzz:
    """Rows of every resource (a trained, deployed model too), so that ids in paths find a
    row and bodies reach the services."""
    client = TestClient(app, raise_server_exceptions=False)
    factory = Factory(client, tenant, seed=seed_expenses)
    ids = {path: str(factory.create(path)["id"]) for path in CREATE if path != "deployments"}
    deployment = factory.create("deployments")
    ids["models"] = deployment["modelId"]
    ids["deployments"] = str(deployment["id"])
    ids["deploymentName"] = deployment["deploymentName"]
    return Fuzz(client, tenant, ids)


def base_body(op: Operation, fuzz: Fuzz) -> dict[str, Any]:
    """A valid body where the tests know one (creates and updates of the resources)."""
    resource = op.path.split("/companies/{companyId}/", 1)[-1].split("/", 1)[0]
    if op.method == "POST" and op.path.endswith(f"/{resource}") and resource in CREATE:
        deps = {"models": fuzz.ids["models"], "trained-models": fuzz.ids["models"]}
        deps |= {k: v for k, v in fuzz.ids.items() if k not in deps}
        return dict(CREATE[resource](deps)) | _unique_names(resource)
    if op.method == "PATCH" and resource in UPDATE:
        return dict(UPDATE[resource])
    return {}


def _unique_names(resource: str) -> dict[str, Any]:
    """Fresh names, so that a create is refused for its hostile value, not as a duplicate."""
    fresh = f"hostile_{next(_counter)}"
    names = {
        "models": "modelName",
        "pipelines": "pipelineName",
        "experiments": "experimentName",
        "deployments": "deploymentName",
        "governance-policies": "policyName",
        "feature-importances": "featureName",
        "training-runs": "runName",
    }
    return {names[resource]: fresh} if resource in names else {}


_counter = iter(range(1, 10**9))


class TestEveryOperation:
    def test_nul_in_path_ids(self, app: FastAPI, fuzz: Fuzz) -> None:
        for op in operations(app):
            for name in op.path_params:
                fuzz.send(op, fuzz.url(op, {name}), body=base_body(op, fuzz))
        fuzz.assert_clean()

    def test_hostile_query_values(self, app: FastAPI, fuzz: Fuzz) -> None:
        for op in operations(app):
            for name in op.query_params:
                for value in QUERY_VALUES:
                    params = dict.fromkeys(op.required_query, "x") | {name: value}
                    fuzz.send(op, fuzz.url(op), params=params, named=name)
        fuzz.assert_clean()

    def test_hostile_body_values(self, app: FastAPI, fuzz: Fuzz) -> None:
        for op in operations(app):
            for name in op.body_fields:
                for value in BODY_VALUES:
                    body = base_body(op, fuzz) | {name: value}
                    fuzz.send(op, fuzz.url(op), body=body)
        fuzz.assert_clean()

    def test_nul_in_json_keys_anywhere(self, app: FastAPI, fuzz: Fuzz) -> None:
        for op in operations(app):
            if op.body_fields:
                fuzz.send(op, fuzz.url(op), body=base_body(op, fuzz) | {"\x00": 1})
        fuzz.assert_clean()

    def test_cursors_no_list_issued(self, app: FastAPI, fuzz: Fuzz) -> None:
        for op in operations(app):
            if "cursor" not in op.query_params:
                continue
            for cursor in GARBAGE_CURSORS:
                fuzz.send(op, fuzz.url(op), params={"cursor": cursor}, named="cursor")
        fuzz.assert_clean()


class TestCursor:
    @pytest.mark.parametrize("cursor", GARBAGE_CURSORS)
    def test_garbage_is_a_422_naming_the_cursor(
        self, client: TestClient, tenant: TenantFixture, cursor: str
    ) -> None:
        response = client.get(
            tenant.url("models"), params={"cursor": cursor}, headers=tenant.headers()
        )
        error = assert_error(response, 422, error="ValidationError", fields=("cursor",))
        reason = error["fields"][0]["reason"]
        assert reason == "not a cursor of this list" or ("\x00" in cursor and "NUL" in reason)

    def test_a_cursor_of_another_list(self, factory: Factory) -> None:
        for _ in range(3):
            factory.create("models")
        first = factory.client.get(
            factory.tenant.url("models"), params={"limit": 1}, headers=factory.tenant.headers()
        ).json()
        response = factory.client.get(
            factory.tenant.url("training-runs"),
            params={"cursor": first["nextCursor"], "sort": "-updatedAt"},
            headers=factory.tenant.headers(),
        )
        assert_error(response, 422, fields=("cursor",))


class TestNulCharacter:
    @pytest.mark.parametrize(
        ("path", "field", "value"),
        [
            ("models", "modelName", "expense\x00classifier"),
            ("models", "hyperparameters", {"n\x00": 1}),
            ("models", "hyperparameters", {"n": "\x00"}),
            ("models", "hyperparameters", '{"n": "\\u0000"}'),
            ("drift-detections", "analysis", {"deep": [{"er": ["\x00"]}]}),
            ("training-runs", "runName", "\x00"),
        ],
    )
    def test_refused_naming_the_field(
        self, factory: Factory, path: str, field: str, value: Any
    ) -> None:
        response = factory.post(path, factory.payload(path, **{field: value}))
        error = assert_error(response, 422, error="ValidationError", fields=(field,))
        assert "NUL" in error["detail"]

    def test_in_a_path_id(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.get(tenant.url("models/a%00b"), headers=tenant.headers())
        assert 400 <= response.status_code < 500
        assert_error(response, response.status_code)

    def test_in_a_query_filter(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.get(
            tenant.url("models"), params={"modelName": "a\x00"}, headers=tenant.headers()
        )
        assert_error(response, 422, fields=("modelName",))

    @pytest.mark.parametrize("key", ["uiq_a\x00b_secret", "\x00"])
    def test_in_a_form(self, app: FastAPI, key: str) -> None:
        """The dashboard's login form: a key with NUL is refused before it is looked up."""
        browser = TestClient(app, base_url="https://testserver")
        token = csrf_of(browser.get("/login").text)
        response = browser.post(
            "/login", data={"csrf_token": token, "api_key": key}, follow_redirects=False
        )
        assert response.status_code == 422, response.text
        assert "NUL" in response.text

    def test_in_a_file_name(self, client: TestClient, tenant: TenantFixture) -> None:
        body = {
            "source": {"file": "ledger\x00.csv"},
            "checks": [{"check": "not_null", "column": "a"}],
        }
        response = client.post(
            tenant.url("quality-checks"), json=body, headers=tenant.headers("editor")
        )
        assert_error(response, 422, fields=("source.file",))


class TestNumbersNoColumnHolds:
    @pytest.mark.parametrize(
        ("path", "field", "raw"),
        [
            ("training-runs", "epochs", str(2**31)),
            ("training-runs", "epochs", str(2**63)),
            ("training-runs", "loss", "1e400"),
            ("pipeline-runs", "recordsProcessed", str(2**63)),
            ("feature-importances", "rank", str(-(2**31) - 1)),
            ("models", "hyperparameters", '{"n": 1e400}'),
            ("drift-detections", "driftScore", "-1e400"),
        ],
    )
    def test_refused_naming_the_field(
        self, factory: Factory, path: str, field: str, raw: str
    ) -> None:
        response = factory.client.post(
            factory.tenant.url(path),
            content=raw_json(factory.payload(path) | {field: (RAW, raw)}),
            headers={**factory.tenant.headers("editor"), "content-type": "application/json"},
        )
        assert_names(response, field)

    @pytest.mark.parametrize("name", ["limit", "offset"])
    def test_page_sizes(self, client: TestClient, tenant: TenantFixture, name: str) -> None:
        response = client.get(
            tenant.url("models"), params={name: str(2**64)}, headers=tenant.headers()
        )
        assert_error(response, 422, fields=(name,))

    def test_infinity_in_a_predict_row(self, fuzz: Fuzz) -> None:
        url = fuzz.tenant.url(f"models/{fuzz.ids['models']}/predict")
        row = {"vendorName": "AWS", "description": "cloud", "amount": (RAW, "1e400")}
        response = fuzz.client.post(
            url,
            content=raw_json({"rows": [row, row]}),
            headers={**fuzz.tenant.headers("editor"), "content-type": "application/json"},
        )
        error = assert_error(response, 422, error="ValidationError", fields=("rows",))
        assert "amount" in error["detail"]

    def test_infinity_in_a_deployment_predict(self, fuzz: Fuzz) -> None:
        url = fuzz.tenant.url(f"deployments/{fuzz.ids['deploymentName']}/predict")
        row = {"vendorName": "AWS", "description": "cloud", "amount": (RAW, "1e400")}
        response = fuzz.client.post(
            url,
            params={"environment": "staging"},
            content=raw_json({"row": row}),
            headers={**fuzz.tenant.headers("editor"), "content-type": "application/json"},
        )
        assert_error(response, 422, fields=("row",))


class TestExpressions:
    """Quality checks whose expression fails only when evaluated."""

    @pytest.fixture
    def invoices(self, app: FastAPI, tenant: TenantFixture) -> str:
        folder = Path(app.state.settings.sources) / tenant.id / tenant.company_id
        folder.mkdir(parents=True, exist_ok=True)
        frame = pd.DataFrame(
            {
                "invoiceId": ["I-1", "I-2", "I-3"],
                "amount": [10.0, 20.0, 0.0],
                "description": ["paper", "pens", "ink"],
            }
        )
        frame.to_csv(folder / "invoices.csv", index=False)
        return "invoices.csv"

    def run(
        self, client: TestClient, tenant: TenantFixture, file: str, *checks: dict[str, Any]
    ) -> Any:
        return client.post(
            tenant.url("quality-checks"),
            json={"source": {"file": file}, "checks": list(checks)},
            headers=tenant.headers("editor"),
        )

    @pytest.mark.parametrize(
        "expression",
        ["amount > 1 / 0", "amount % 0 == 1 % 0", "round(amount, 'a') > 1", "amount > 'a' * 2"],
    )
    def test_known_from_the_text_is_a_422(
        self, client: TestClient, tenant: TenantFixture, invoices: str, expression: str
    ) -> None:
        check = {"check": "expression", "expression": expression}
        response = self.run(client, tenant, invoices, check)
        assert_error(response, 422, fields=("checks.0.expression.expression",))

    @pytest.mark.parametrize(
        "expression",
        ["description * 2 > 1", "abs(description) > 0", "-description == 'a'", "description > 1"],
    )
    def test_failing_on_the_values_fails_the_check_with_the_reason(
        self, client: TestClient, tenant: TenantFixture, invoices: str, expression: str
    ) -> None:
        response = self.run(
            client,
            tenant,
            invoices,
            {"check": "expression", "expression": expression, "name": "broken"},
            {"check": "not_null", "column": "amount"},
        )
        assert response.status_code == 201, response.text
        broken, other = response.json()["results"]
        assert broken["status"] == "fail"
        assert "cannot evaluate" in broken["issues"]["error"]
        assert "description" in broken["issues"]["error"]
        assert broken["recommendations"][0].startswith("Correct the check")
        assert other["status"] == "pass"

    def test_a_control_total_of_overflowing_values(
        self, app: FastAPI, client: TestClient, tenant: TenantFixture
    ) -> None:
        folder = Path(app.state.settings.sources) / tenant.id / tenant.company_id
        folder.mkdir(parents=True, exist_ok=True)
        pd.DataFrame({"amount": [1e308, 1e308]}).to_csv(folder / "huge.csv", index=False)
        check = {"check": "control_total", "column": "amount", "expected": 1}
        response = self.run(client, tenant, "huge.csv", check)
        assert response.status_code == 201, response.text
        assert response.json()["results"][0]["status"] == "fail"
