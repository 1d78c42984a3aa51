"""``/openapi.json`` documents the error answers the API really gives (issue 17, finding 11).

Every error answer refers to the one ``ErrorBody`` (``{error, detail, fields}``), never
FastAPI's ``HTTPValidationError``; 401, 403, 404 and 409 are documented where the route's
dependencies, path and method say they can happen (``urutiq_ai.api.openapi``). What the
server really answers is checked against this by ``test_schema_fuzz``.
"""

import json
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture

OPERATIONS = ("get", "post", "put", "patch", "delete")
ERROR_REF = {"$ref": "#/components/schemas/ErrorBody"}


@pytest.fixture
def spec(client: TestClient) -> dict[str, Any]:
    response = client.get("/openapi.json")
    assert response.status_code == 200
    return dict(response.json())


def operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [
        (path, method, operation)
        for path, item in spec["paths"].items()
        for method, operation in item.items()
        if method in OPERATIONS
    ]


def api_operations(spec: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    return [op for op in operations(spec) if op[0].startswith("/api/")]


class TestErrorShape:
    def test_no_fastapi_validation_schema(self, spec: dict[str, Any]) -> None:
        text = json.dumps(spec)
        assert "HTTPValidationError" not in text
        assert "ValidationError" not in spec["components"]["schemas"]

    def test_error_body_component(self, spec: dict[str, Any]) -> None:
        body = spec["components"]["schemas"]["ErrorBody"]
        assert set(body["properties"]) == {"error", "detail", "fields"}
        assert set(body["required"]) == {"error", "detail", "fields"}
        assert body["properties"]["fields"]["items"] == {"$ref": "#/components/schemas/ErrorField"}
        field = spec["components"]["schemas"]["ErrorField"]
        assert set(field["required"]) == {"field", "reason"}

    def test_every_error_answer_is_an_error_body(self, spec: dict[str, Any]) -> None:
        for path, method, operation in operations(spec):
            for status, response in operation["responses"].items():
                if status[0] in "45":
                    schema = response["content"]["application/json"]["schema"]
                    assert schema == ERROR_REF, (method, path, status)

    def test_every_reference_resolves(self, spec: dict[str, Any]) -> None:
        names = set(spec["components"]["schemas"])
        refs = {
            ref.rsplit("/", 1)[-1] for ref in _refs(spec) if ref.startswith("#/components/schemas/")
        }
        assert refs <= names, refs - names

    def test_real_422_matches(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(tenant.url("models"), json={"bogus": 1}, headers=tenant.headers())
        assert response.status_code == 422
        body = response.json()
        assert set(body) == {"error", "detail", "fields"}
        assert all(set(f) == {"field", "reason"} for f in body["fields"])


class TestDocumentedStatuses:
    def test_every_api_operation_documents_422_and_401(self, spec: dict[str, Any]) -> None:
        ops = api_operations(spec)
        assert len(ops) > 100
        for path, method, operation in ops:
            assert {"401", "422"} <= set(operation["responses"]), (method, path)

    def test_403_where_a_role_is_required(self, spec: dict[str, Any]) -> None:
        for path, method, operation in api_operations(spec):
            if path in ("/api/v1/whoami", "/api/v1/companies") and method == "get":
                assert "403" not in operation["responses"], (method, path)  # any key
            elif path.startswith("/api/v1/companies/{companyId}/"):
                description = operation["responses"]["403"]["description"]
                assert "needs one of" in description, (method, path)

    def test_404_where_the_path_names_something(self, spec: dict[str, Any]) -> None:
        for path, method, operation in api_operations(spec):
            assert ("404" in operation["responses"]) == ("{" in path), (method, path)

    def test_409_on_writes_only(self, spec: dict[str, Any]) -> None:
        for path, method, operation in api_operations(spec):
            assert ("409" in operation["responses"]) == (method != "get"), (method, path)

    def test_crud_409_names_what_the_resource_refuses(self, spec: dict[str, Any]) -> None:
        models = spec["paths"]["/api/v1/companies/{companyId}/models/{id}"]
        assert (
            "DuplicateResource: modelName+modelVersion"
            in (models["patch"]["responses"]["409"]["description"])
        )
        assert "InvalidStatusTransition" in models["patch"]["responses"]["409"]["description"]
        assert "ResourceInUse" in models["delete"]["responses"]["409"]["description"]

    def test_health_documents_only_its_answers(self, spec: dict[str, Any]) -> None:
        assert set(spec["paths"]["/healthz"]["get"]["responses"]) == {"200"}
        assert set(spec["paths"]["/readyz"]["get"]["responses"]) == {"200", "503"}

    def test_the_route_handler_serves_the_same_schema(
        self, app: FastAPI, spec: dict[str, Any]
    ) -> None:
        assert app.openapi() == spec


def _refs(node: Any) -> list[str]:
    if isinstance(node, dict):
        found = [node["$ref"]] if isinstance(node.get("$ref"), str) else []
        return found + [ref for value in node.values() for ref in _refs(value)]
    if isinstance(node, list):
        return [ref for value in node for ref in _refs(value)]
    return []
