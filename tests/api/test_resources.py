"""Every seed resource through the HTTP API: CRUD, lists, scoping, authentication and roles.

Parametrized over ``urutiq_ai.catalog.RESOURCES``, so a resource added there is
tested here without a line of new code (its payloads go in ``payloads.py``).
"""

from datetime import datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api.payloads import (
    FILTER,
    GOVERNANCE_PATHS,
    UPDATE,
    Factory,
    assert_error,
)
from tests.conftest import TenantFixture
from urutiq_ai.catalog import RESOURCES
from urutiq_ai.core.naming import to_camel
from urutiq_ai.crud.resource import Resource

resources = pytest.mark.parametrize("res", RESOURCES, ids=lambda res: res.path)
DELETABLE = [res for res in RESOURCES if res.deletable]
NOT_DELETABLE = [res for res in RESOURCES if not res.deletable]
UPDATABLE = [res for res in RESOURCES if res.update_schema is not None]


def read_part(res: Resource, body: dict[str, Any]) -> dict[str, Any]:
    """What a single GET answers, less what only its detail adds (a training run's
    hyperparameters and comparison): the fields a create or a list answers too."""
    if res.detail_schema is None:
        return body
    read = set(res.read_schema.model_fields)
    extra = {to_camel(name) for name in res.detail_schema.model_fields if name not in read}
    return {key: value for key, value in body.items() if key not in extra}


def _ts(value: str) -> datetime:
    return datetime.fromisoformat(value)


@resources
class TestCreate:
    def test_created(self, res: Resource, factory: Factory, tenant: TenantFixture) -> None:
        body = factory.payload(res.path)
        response = factory.post(res.path, body)
        assert response.status_code == 201, response.text
        created = response.json()
        for key, value in body.items():
            assert created[key] == value, key
        assert created["tenantId"] == tenant.id
        assert created["companyId"] == tenant.company_id
        assert created["id"]
        assert _ts(created["createdAt"]) <= _ts(created["updatedAt"])

    def test_every_read_field_is_camel_case(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        schema = res.read_schema
        expected = {
            to_camel(name) for name in [*schema.model_fields, *schema.model_computed_fields]
        }
        assert set(created) == expected

    def test_ownership_comes_from_the_scope(
        self, res: Resource, factory: Factory, tenant_second: TenantFixture
    ) -> None:
        body = factory.payload(
            res.path, tenantId=tenant_second.id, companyId=tenant_second.company_id
        )
        assert_error(
            factory.post(res.path, body),
            422,
            error="ValidationError",
            fields=("tenantId", "companyId"),
        )
        assert factory.list_all(res.path) == []


@resources
class TestList:
    def test_sees_created_row(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        response = factory.client.get(
            factory.tenant.url(res.path), headers=factory.tenant.headers("viewer")
        )
        assert response.status_code == 200, response.text
        page = response.json()
        assert set(page) == {"items", "nextCursor"}
        assert created["id"] in {row["id"] for row in page["items"]}
        assert page["nextCursor"] is None

    def test_filters_by_equality(self, res: Resource, factory: Factory) -> None:
        field, value_a, value_b = FILTER[res.path]
        row_a = factory.create(res.path, **{field: value_a})
        row_b = factory.create(res.path, **{field: value_b})
        only_a = factory.list_all(res.path, **{field: value_a})
        assert [row["id"] for row in only_a] == [row_a["id"]]
        both = factory.list_all(res.path, **{field: [value_a, value_b]})
        assert {row["id"] for row in both} == {row_a["id"], row_b["id"]}

    def test_unknown_filter_is_rejected(self, res: Resource, factory: Factory) -> None:
        response = factory.client.get(
            factory.tenant.url(res.path),
            params={"bogus": "1"},
            headers=factory.tenant.headers("viewer"),
        )
        assert_error(response, 422, fields=("bogus",))

    @pytest.mark.parametrize("sort", ["-createdAt", "createdAt"])
    def test_cursor_pagination(self, res: Resource, factory: Factory, sort: str) -> None:
        created = {factory.create(res.path)["id"] for _ in range(5)}
        seen: list[dict[str, Any]] = []
        cursor: str | None = None
        for _ in range(10):
            params: dict[str, Any] = {"limit": 2, "sort": sort}
            if cursor:
                params["cursor"] = cursor
            response = factory.client.get(
                factory.tenant.url(res.path),
                params=params,
                headers=factory.tenant.headers("viewer"),
            )
            assert response.status_code == 200, response.text
            page = response.json()
            assert len(page["items"]) <= 2
            seen.extend(page["items"])
            cursor = page["nextCursor"]
            if cursor is None:
                break
        ids = [row["id"] for row in seen if row["id"] in created]
        assert len(ids) == len(set(ids)) == 5
        keys = [(_ts(row["createdAt"]), row["id"]) for row in seen]
        assert keys == sorted(keys, reverse=sort.startswith("-"))

    def test_bad_cursor_is_rejected(self, res: Resource, factory: Factory) -> None:
        response = factory.client.get(
            factory.tenant.url(res.path),
            params={"cursor": "not-a-cursor"},
            headers=factory.tenant.headers("viewer"),
        )
        assert_error(response, 422, fields=("cursor",))


@resources
class TestGet:
    def test_found(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        response = factory.client.get(
            factory.tenant.url(f"{res.path}/{created['id']}"),
            headers=factory.tenant.headers("viewer"),
        )
        assert response.status_code == 200, response.text
        assert read_part(res, response.json()) == created

    def test_unknown_id(self, res: Resource, factory: Factory) -> None:
        response = factory.client.get(
            factory.tenant.url(f"{res.path}/nope"), headers=factory.tenant.headers("viewer")
        )
        assert_error(response, 404)


@pytest.mark.parametrize("res", UPDATABLE, ids=lambda res: res.path)
class TestUpdate:
    def test_updated(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        changes = UPDATE[res.path]
        response = factory.client.patch(
            factory.tenant.url(f"{res.path}/{created['id']}"),
            json=changes,
            headers=factory.tenant.headers("editor"),
        )
        assert response.status_code == 200, response.text
        updated = response.json()
        for key, value in changes.items():
            assert updated[key] == value, key
        assert updated["createdAt"] == created["createdAt"]
        assert _ts(updated["updatedAt"]) >= _ts(created["updatedAt"])
        again = factory.client.get(
            factory.tenant.url(f"{res.path}/{created['id']}"),
            headers=factory.tenant.headers("viewer"),
        )
        assert read_part(res, again.json()) == updated

    def test_unknown_id(self, res: Resource, factory: Factory) -> None:
        response = factory.client.patch(
            factory.tenant.url(f"{res.path}/nope"),
            json=UPDATE[res.path],
            headers=factory.tenant.headers("editor"),
        )
        assert_error(response, 404)

    def test_unknown_field(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        response = factory.client.patch(
            factory.tenant.url(f"{res.path}/{created['id']}"),
            json={"bogus": 1},
            headers=factory.tenant.headers("editor"),
        )
        assert_error(response, 422, fields=("bogus",))


@pytest.mark.parametrize("res", DELETABLE, ids=lambda res: res.path)
class TestDelete:
    def test_deleted(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        url = factory.tenant.url(f"{res.path}/{created['id']}")
        response = factory.client.delete(url, headers=factory.tenant.headers("editor"))
        assert response.status_code == 204, response.text
        assert response.content == b""
        assert factory.client.get(url, headers=factory.tenant.headers("viewer")).status_code == 404

    def test_unknown_id(self, res: Resource, factory: Factory) -> None:
        response = factory.client.delete(
            factory.tenant.url(f"{res.path}/nope"), headers=factory.tenant.headers("editor")
        )
        assert_error(response, 404)


@pytest.mark.parametrize("res", NOT_DELETABLE, ids=lambda res: res.path)
def test_history_is_not_deletable(res: Resource, factory: Factory) -> None:
    created = factory.create(res.path)
    url = factory.tenant.url(f"{res.path}/{created['id']}")
    response = factory.client.delete(url, headers=factory.tenant.headers("admin"))
    assert_error(response, 405)
    assert factory.client.get(url, headers=factory.tenant.headers("viewer")).status_code == 200


class TestDeleteReferenced:
    """A row that other rows reference answers 409 ResourceInUse and stays."""

    def test_deployed_model(self, factory: Factory) -> None:
        model_id = factory.trained_model()
        factory.create("deployments", modelId=model_id)
        url = factory.tenant.url(f"models/{model_id}")
        response = factory.client.delete(url, headers=factory.tenant.headers("editor"))
        assert_error(response, 409, error="ResourceInUse")
        assert factory.client.get(url, headers=factory.tenant.headers("viewer")).status_code == 200

    @pytest.mark.parametrize(
        ("path", "child", "ref"),
        [
            ("models", "training-runs", "modelId"),
            ("models", "predictions", "modelId"),
            ("pipelines", "pipeline-runs", "pipelineId"),
            ("governance-policies", "governance-violations", "policyId"),
            ("experiments", "models", "experimentId"),
        ],
    )
    def test_in_use(self, factory: Factory, path: str, child: str, ref: str) -> None:
        parent = factory.create(path)
        factory.create(child, **{ref: parent["id"]})
        url = factory.tenant.url(f"{path}/{parent['id']}")
        response = factory.client.delete(url, headers=factory.tenant.headers("editor"))
        assert_error(response, 409, error="ResourceInUse")
        assert factory.client.get(url, headers=factory.tenant.headers("viewer")).status_code == 200
        assert factory.audit_rows(rowId=parent["id"], action="delete") == []


@resources
class TestValidation:
    def test_missing_required_field(self, res: Resource, factory: Factory) -> None:
        required = [
            to_camel(name)
            for name, info in res.create_schema.model_fields.items()
            if info.is_required()
        ]
        assert required, f"{res.path} has no required field"
        body = factory.payload(res.path)
        for name in required:
            body.pop(name, None)
        assert_error(
            factory.post(res.path, body), 422, error="ValidationError", fields=tuple(required)
        )

    def test_body_not_json(self, res: Resource, factory: Factory) -> None:
        response = factory.client.post(
            factory.tenant.url(res.path),
            content=b"{not json",
            headers={**factory.tenant.headers("editor"), "Content-Type": "application/json"},
        )
        assert_error(response, 422)


@resources
class TestOtherTenant:
    def test_get_is_404(
        self, res: Resource, factory: Factory, tenant_second: TenantFixture, client: TestClient
    ) -> None:
        created = factory.create(res.path)
        own_company = tenant_second.url(f"{res.path}/{created['id']}")
        assert_error(client.get(own_company, headers=tenant_second.headers("admin")), 404)
        their_company = factory.tenant.url(f"{res.path}/{created['id']}")
        assert_error(client.get(their_company, headers=tenant_second.headers("admin")), 404)

    def test_patch_is_404(
        self, res: Resource, factory: Factory, tenant_second: TenantFixture, client: TestClient
    ) -> None:
        if res.update_schema is None:
            pytest.skip(f"{res.path} change through verbs, tested with their domain")
        created = factory.create(res.path)
        for url in (
            tenant_second.url(f"{res.path}/{created['id']}"),
            factory.tenant.url(f"{res.path}/{created['id']}"),
        ):
            response = client.patch(
                url, json=UPDATE[res.path], headers=tenant_second.headers("admin")
            )
            assert_error(response, 404)
        unchanged = client.get(
            factory.tenant.url(f"{res.path}/{created['id']}"),
            headers=factory.tenant.headers("viewer"),
        )
        assert read_part(res, unchanged.json()) == created

    def test_list_is_empty(
        self, res: Resource, factory: Factory, tenant_second: TenantFixture, client: TestClient
    ) -> None:
        factory.create(res.path)
        response = client.get(tenant_second.url(res.path), headers=tenant_second.headers("admin"))
        assert response.status_code == 200, response.text
        assert response.json() == {"items": [], "nextCursor": None}
        their_company = client.get(
            factory.tenant.url(res.path), headers=tenant_second.headers("admin")
        )
        assert_error(their_company, 404)

    def test_create_in_their_company_is_404(
        self, res: Resource, factory: Factory, tenant_second: TenantFixture, client: TestClient
    ) -> None:
        body = factory.payload(res.path)
        response = client.post(
            factory.tenant.url(res.path), json=body, headers=tenant_second.headers("admin")
        )
        assert_error(response, 404)


@pytest.mark.parametrize("res", DELETABLE, ids=lambda res: res.path)
class TestOtherTenantDelete:
    def test_is_404(
        self, res: Resource, factory: Factory, tenant_second: TenantFixture, client: TestClient
    ) -> None:
        created = factory.create(res.path)
        for url in (
            tenant_second.url(f"{res.path}/{created['id']}"),
            factory.tenant.url(f"{res.path}/{created['id']}"),
        ):
            assert_error(client.delete(url, headers=tenant_second.headers("admin")), 404)
        still = client.get(
            factory.tenant.url(f"{res.path}/{created['id']}"),
            headers=factory.tenant.headers("viewer"),
        )
        assert still.status_code == 200


@resources
class TestAuthentication:
    def test_anonymous(self, res: Resource, factory: Factory, client: TestClient) -> None:
        url = factory.tenant.url(res.path)
        assert_error(client.get(url), 401, error="InvalidApiKey")
        assert_error(client.post(url, json=factory.payload(res.path)), 401)
        assert factory.list_all(res.path) == []

    @pytest.mark.parametrize("key", ["garbage", "uiq_nope_nope", "uiq__"])
    def test_invalid_key(
        self, res: Resource, factory: Factory, client: TestClient, key: str
    ) -> None:
        response = client.get(
            factory.tenant.url(res.path), headers={"Authorization": f"Bearer {key}"}
        )
        assert_error(response, 401, error="InvalidApiKey")

    def test_wrong_secret(self, res: Resource, factory: Factory, client: TestClient) -> None:
        key = factory.tenant.keys["admin"]
        response = client.get(
            factory.tenant.url(res.path), headers={"Authorization": f"Bearer {key[:-4]}AAAA"}
        )
        assert_error(response, 401, error="InvalidApiKey")

    def test_revoked_key(self, res: Resource, factory: Factory, client: TestClient) -> None:
        admin = factory.tenant.headers("admin")
        created = client.post("/api/v1/api-keys", json={"role": "editor"}, headers=admin)
        assert created.status_code == 201, created.text
        key = created.json()["key"]
        url = factory.tenant.url(res.path)
        assert client.get(url, headers={"Authorization": f"Bearer {key}"}).status_code == 200
        revoked = client.post(f"/api/v1/api-keys/{created.json()['id']}/revoke", headers=admin)
        assert revoked.status_code == 200, revoked.text
        assert_error(client.get(url, headers={"Authorization": f"Bearer {key}"}), 401)
        response = client.post(
            url, json=factory.payload(res.path), headers={"Authorization": f"Bearer {key}"}
        )
        assert_error(response, 401)


@resources
class TestRoles:
    def test_viewer_reads(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        ids = {row["id"] for row in factory.list_all(res.path, role="viewer")}
        assert created["id"] in ids

    def test_viewer_may_not_create(self, res: Resource, factory: Factory) -> None:
        response = factory.client.post(
            factory.tenant.url(res.path),
            json=factory.payload(res.path),
            headers=factory.tenant.headers("viewer"),
        )
        assert_error(response, 403, error="Forbidden")

    def test_viewer_may_not_change(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        url = factory.tenant.url(f"{res.path}/{created['id']}")
        viewer = factory.tenant.headers("viewer")
        if res.update_schema is not None:
            assert_error(factory.client.patch(url, json=UPDATE[res.path], headers=viewer), 403)
        if res.deletable:
            assert_error(factory.client.delete(url, headers=viewer), 403)
        assert read_part(res, factory.client.get(url, headers=viewer).json()) == created

    def test_auditor_reads_only_governance(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        auditor = factory.tenant.headers("auditor")
        listed = factory.client.get(factory.tenant.url(res.path), headers=auditor)
        got = factory.client.get(factory.tenant.url(f"{res.path}/{created['id']}"), headers=auditor)
        if res.path in GOVERNANCE_PATHS:
            assert listed.status_code == 200, listed.text
            assert got.status_code == 200, got.text
        else:
            assert_error(listed, 403, error="Forbidden")
            assert_error(got, 403, error="Forbidden")

    def test_auditor_may_not_create(self, res: Resource, factory: Factory) -> None:
        response = factory.client.post(
            factory.tenant.url(res.path),
            json=factory.payload(res.path),
            headers=factory.tenant.headers("auditor"),
        )
        assert_error(response, 403, error="Forbidden")


@resources
class TestCompanyLimitedKey:
    def test_other_company_is_404(self, res: Resource, factory: Factory) -> None:
        created = factory.create(res.path)
        limited = factory.tenant.headers("limited")
        client = factory.client
        assert_error(client.get(factory.tenant.url(res.path), headers=limited), 404)
        assert_error(
            client.get(factory.tenant.url(f"{res.path}/{created['id']}"), headers=limited), 404
        )
        assert_error(
            client.post(
                factory.tenant.url(res.path), json=factory.payload(res.path), headers=limited
            ),
            404,
        )

    def test_own_company_works(self, res: Resource, factory: Factory) -> None:
        company_b = factory.tenant.company_b
        limited = Factory(factory.client, factory.tenant, role="limited", seed=factory.seed)
        created = limited.create(res.path, company=company_b)
        assert created["companyId"] == company_b
        listed = limited.list_all(res.path, company=company_b, role="limited")
        assert [row["id"] for row in listed] == [created["id"]]

    def test_company_b_rows_do_not_leak_into_company_a(
        self, res: Resource, factory: Factory
    ) -> None:
        in_b = factory.create(res.path, company=factory.tenant.company_b)
        assert in_b["id"] not in {row["id"] for row in factory.list_all(res.path)}
        response = factory.client.get(
            factory.tenant.url(f"{res.path}/{in_b['id']}"), headers=factory.tenant.headers("admin")
        )
        assert_error(response, 404)


def test_models_are_listed_by_several_ids_at_once(factory: Factory) -> None:
    """``?id=a&id=b``: the CLI names the models of every deployment in one request."""
    first, _, third = (factory.create("models") for _ in range(3))
    listed = factory.list_all("models", id=[first["id"], third["id"]])
    assert {row["id"] for row in listed} == {first["id"], third["id"]}
    assert [row["id"] for row in factory.list_all("models", id=first["id"])] == [first["id"]]


def test_ids_of_another_tenant_or_company_list_nothing(
    factory: Factory, factory_second: Factory
) -> None:
    """``?id=`` names rows; it never reaches past the key's tenant and the path's company:
    another tenant's model, and this tenant's model of company B, are not listed."""
    own = factory.create("models")
    in_b = factory.create("models", company=factory.tenant.company_b)
    theirs = factory_second.create("models")
    ids = [own["id"], in_b["id"], theirs["id"]]
    assert [row["id"] for row in factory.list_all("models", id=ids)] == [own["id"]]
    assert factory_second.list_all("models", id=[own["id"], in_b["id"]]) == []
    limited = factory.client.get(
        factory.tenant.url("models", company=factory.tenant.company_b),
        params={"id": ids},
        headers=factory.tenant.headers("limited"),
    )
    assert limited.status_code == 200, limited.text
    assert [row["id"] for row in limited.json()["items"]] == [in_b["id"]]
