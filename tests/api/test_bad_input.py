"""Bad input answers 4xx in the error shape, names the field, and writes nothing.

"Writes nothing" is checked through the API, as a user would: the resource's list
for the tenant and the tenant's audit log are the same before and after.
"""

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest

from tests.api.payloads import JSON_FIELD, PATH_OF_TABLE, TEXT_FIELD, Factory, assert_error
from tests.core.schema_fields import enum_fields, json_fields
from urutiq_ai.catalog import BY_PATH, RESOURCES
from urutiq_ai.core.naming import to_camel

ENUM_CASES = [(res.path, field) for res in RESOURCES for field in enum_fields(res.create_schema)]
JSON_CASES = [(res.path, field) for res in RESOURCES for field in json_fields(res.create_schema)]
UPDATE_ENUM_CASES = [
    (res.path, field)
    for res in RESOURCES
    if res.update_schema
    for field in enum_fields(res.update_schema)
]
UPDATE_JSON_CASES = [
    (res.path, json_fields(res.update_schema)[0])
    for res in RESOURCES
    if res.update_schema and json_fields(res.update_schema)
]
REF_CASES = [
    (res.path, to_camel(attr), table) for res in RESOURCES for attr, table in res.refs.items()
]
UNIQUE_CASES = [
    (res.path, tuple(to_camel(a) for a in group)) for res in RESOURCES for group in res.unique
]
REQUIRED_JSON_CASES = [
    (res.path, to_camel(name))
    for res in RESOURCES
    for name, info in res.create_schema.model_fields.items()
    if info.is_required() and to_camel(name) in json_fields(res.create_schema)
]


def _params(cases: list[tuple[Any, ...]]) -> list[Any]:
    """Cases with readable ids: ``models:modelType``."""
    return [
        pytest.param(
            *case, id=":".join(part if isinstance(part, str) else "+".join(part) for part in case)
        )
        for case in cases
    ]


@contextmanager
def writes_nothing(factory: Factory, path: str) -> Iterator[None]:
    """Assert that the block leaves the resource's rows and the audit log as they were."""
    rows = factory.list_all(path)
    audit = factory.audit_rows()
    yield
    assert factory.list_all(path) == rows
    assert factory.audit_rows() == audit


class TestWrongEnumValue:
    @pytest.mark.parametrize(("path", "field"), _params(ENUM_CASES))
    def test_create(self, factory: Factory, path: str, field: str) -> None:
        body = factory.payload(path, **{field: "not_a_value"})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, error="ValidationError", fields=(field,))

    @pytest.mark.parametrize(("path", "field"), _params(ENUM_CASES))
    def test_case_matters(self, factory: Factory, path: str, field: str) -> None:
        value = next(iter(enum_fields(BY_PATH[path].create_schema)[field])).value
        body = factory.payload(path, **{field: value.upper()})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, fields=(field,))

    @pytest.mark.parametrize(("path", "field"), _params(UPDATE_ENUM_CASES))
    def test_update(self, factory: Factory, path: str, field: str) -> None:
        row = factory.create(path)
        url = factory.tenant.url(f"{path}/{row['id']}")
        with writes_nothing(factory, path):
            response = factory.client.patch(
                url, json={field: "not_a_value"}, headers=factory.tenant.headers("editor")
            )
            assert_error(response, 422, fields=(field,))


class TestMalformedJson:
    @pytest.mark.parametrize(("path", "field"), _params(JSON_CASES))
    def test_create(self, factory: Factory, path: str, field: str) -> None:
        body = factory.payload(path, **{field: "{bad"})
        with writes_nothing(factory, path):
            error = assert_error(factory.post(path, body), 422, fields=(field,))
        reasons = [item["reason"] for item in error["fields"] if item["field"] == field]
        assert any("malformed JSON" in reason for reason in reasons), error

    @pytest.mark.parametrize(("path", "field"), _params(UPDATE_JSON_CASES))
    def test_update(self, factory: Factory, path: str, field: str) -> None:
        row = factory.create(path)
        url = factory.tenant.url(f"{path}/{row['id']}")
        with writes_nothing(factory, path):
            response = factory.client.patch(
                url, json={field: "[1, 2"}, headers=factory.tenant.headers("editor")
            )
            assert_error(response, 422, fields=(field,))

    @pytest.mark.parametrize("path", sorted(JSON_FIELD))
    def test_json_text_is_stored_as_json(self, factory: Factory, path: str) -> None:
        field = JSON_FIELD[path]
        value = factory.payload(path)[field]
        created = factory.create(path, **{field: json.dumps(value)})
        assert created[field] == value

    @pytest.mark.parametrize(("path", "field"), _params(REQUIRED_JSON_CASES))
    def test_required_json_null(self, factory: Factory, path: str, field: str) -> None:
        body = factory.payload(path, **{field: None})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, fields=(field,))


class TestUnknownField:
    @pytest.mark.parametrize("path", [res.path for res in RESOURCES])
    def test_create(self, factory: Factory, path: str) -> None:
        body = factory.payload(path, colour="blue")
        with writes_nothing(factory, path):
            error = assert_error(factory.post(path, body), 422, fields=("colour",))
        assert {"field": "colour", "reason": "unknown field"} in error["fields"]


class TestOverLongString:
    @pytest.mark.parametrize("path", sorted(TEXT_FIELD))
    def test_create(self, factory: Factory, path: str) -> None:
        field = TEXT_FIELD[path]
        body = factory.payload(path, **{field: "x" * 300})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, error="ValidationError", fields=(field,))

    @pytest.mark.parametrize(
        "path", sorted(p for p, f in TEXT_FIELD.items() if not f.endswith("Id") or f == "runId")
    )
    def test_longest_allowed(self, factory: Factory, path: str) -> None:
        field = TEXT_FIELD[path]
        created = factory.create(path, **{field: "y" * 255})
        assert created[field] == "y" * 255


class TestForeignReference:
    @pytest.mark.parametrize(("path", "field", "table"), _params(REF_CASES))
    def test_other_tenant(
        self, factory: Factory, factory_second: Factory, path: str, field: str, table: str
    ) -> None:
        foreign = factory_second.create(PATH_OF_TABLE[table])
        body = factory.payload(path, **{field: foreign["id"]})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, error="ValidationError", fields=(field,))

    @pytest.mark.parametrize(("path", "field", "table"), _params(REF_CASES))
    def test_other_company(self, factory: Factory, path: str, field: str, table: str) -> None:
        elsewhere = factory.create(PATH_OF_TABLE[table], company=factory.tenant.company_b)
        body = factory.payload(path, **{field: elsewhere["id"]})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, fields=(field,))

    @pytest.mark.parametrize(("path", "field", "table"), _params(REF_CASES))
    def test_unknown_id(self, factory: Factory, path: str, field: str, table: str) -> None:
        del table
        body = factory.payload(path, **{field: "no-such-row"})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 422, fields=(field,))

    def test_release_of_other_tenants_model(
        self, factory: Factory, factory_second: Factory
    ) -> None:
        deployment = factory.create("deployments")
        foreign = factory_second.create("models")
        url = factory.tenant.url(f"deployments/{deployment['id']}/release")
        with writes_nothing(factory, "deployments"):
            response = factory.client.post(
                url, json={"modelId": foreign["id"]}, headers=factory.tenant.headers("editor")
            )
            assert_error(response, 422, fields=("modelId",))


class TestDuplicateName:
    @pytest.mark.parametrize(("path", "fields"), _params(UNIQUE_CASES))
    def test_same_company(self, factory: Factory, path: str, fields: tuple[str, ...]) -> None:
        first = factory.create(path)
        body = factory.payload(path, **{field: first[field] for field in fields})
        with writes_nothing(factory, path):
            assert_error(factory.post(path, body), 409, error="DuplicateResource", fields=fields)

    @pytest.mark.parametrize(("path", "fields"), _params(UNIQUE_CASES))
    def test_other_company_may_reuse(
        self, factory: Factory, path: str, fields: tuple[str, ...]
    ) -> None:
        first = factory.create(path)
        reused = {f: first[f] for f in fields if not f.endswith("Id") or f == "runId"}
        created = factory.create(path, company=factory.tenant.company_b, **reused)
        assert created["companyId"] == factory.tenant.company_b

    @pytest.mark.parametrize(("path", "fields"), _params(UNIQUE_CASES))
    def test_other_tenant_may_reuse(
        self, factory: Factory, factory_second: Factory, path: str, fields: tuple[str, ...]
    ) -> None:
        first = factory.create(path)
        reused = {f: first[f] for f in fields if not f.endswith("Id") or f == "runId"}
        created = factory_second.create(path, **reused)
        assert created["tenantId"] == factory_second.tenant.id

    def test_model_version_is_part_of_the_key(self, factory: Factory) -> None:
        first = factory.create("models")
        second = factory.create("models", modelName=first["modelName"], modelVersion="v1.1")
        assert second["modelName"] == first["modelName"]
