"""API keys, companies, users, whoami and the append-only audit log."""

import hashlib
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tests.api.payloads import Factory, assert_error
from tests.conftest import TenantFixture
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.tenancy.models import ApiKey

KEYS = "/api/v1/api-keys"
COMPANIES = "/api/v1/companies"
USERS = "/api/v1/users"
AUDIT = "/api/v1/audit-log"
WHOAMI = "/api/v1/whoami"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def new_key(
    client: TestClient, tenant: TenantFixture, role: str = "admin", by: str = "admin", **extra: Any
) -> dict[str, Any]:
    response = client.post(KEYS, json={"role": role, **extra}, headers=tenant.headers(by))
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


class TestCreateApiKey:
    def test_key_shown_once(self, client: TestClient, tenant: TenantFixture) -> None:
        created = new_key(client, tenant, role="viewer", name="dashboard")
        key = created["key"]
        assert key.startswith("uiq_")
        assert created["role"] == "viewer"
        assert created["prefix"]
        assert key.startswith(created["prefix"])
        listed = client.get(KEYS, headers=tenant.headers("admin"))
        assert listed.status_code == 200
        assert key not in listed.text
        row = next(item for item in listed.json() if item["id"] == created["id"])
        assert "key" not in row
        assert not {"keyHash", "hash", "secret"} & set(row)
        assert client.get(WHOAMI, headers=bearer(key)).json()["role"] == "viewer"

    def test_stored_hashed(
        self, client: TestClient, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        created = new_key(client, tenant)
        key_id, secret = created["key"][len("uiq_") :].split("_", 1)
        assert key_id == created["id"]
        with unit_of_work(session_factory) as session:
            bind_system(session)
            row = session.scalars(select(ApiKey).where(ApiKey.id == key_id)).one()
            assert secret not in row.key_hash
            assert created["key"] not in row.key_hash
            assert row.key_hash == hashlib.sha256(f"{key_id}:{secret}".encode()).hexdigest()

    @pytest.mark.parametrize("role", ["viewer", "editor", "admin", "auditor"])
    def test_every_role(self, client: TestClient, tenant: TenantFixture, role: str) -> None:
        created = new_key(client, tenant, role=role)
        assert client.get(WHOAMI, headers=bearer(created["key"])).json()["role"] == role

    @pytest.mark.parametrize("role", ["owner", "Admin", "", None])
    def test_unknown_role(self, client: TestClient, tenant: TenantFixture, role: Any) -> None:
        response = client.post(KEYS, json={"role": role}, headers=tenant.headers("admin"))
        assert_error(response, 422, fields=("role",))

    def test_limited_to_a_company(self, client: TestClient, tenant: TenantFixture) -> None:
        created = new_key(client, tenant, role="editor", companyIds=[tenant.company_b])
        headers = bearer(created["key"])
        assert created["companyIds"] == [tenant.company_b]
        assert client.get(WHOAMI, headers=headers).json()["companyIds"] == [tenant.company_b]
        assert (
            client.get(tenant.url("models", tenant.company_b), headers=headers).status_code == 200
        )
        assert_error(client.get(tenant.url("models"), headers=headers), 404)

    def test_unknown_company(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        for company in ("nope", tenant_second.company_id):
            response = client.post(
                KEYS,
                json={"role": "viewer", "companyIds": [company]},
                headers=tenant.headers("admin"),
            )
            assert_error(response, 422, fields=("companyIds",))

    def test_empty_company_list(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(
            KEYS, json={"role": "viewer", "companyIds": []}, headers=tenant.headers("admin")
        )
        assert_error(response, 422, fields=("companyIds",))

    @pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
    def test_only_admins(self, client: TestClient, tenant: TenantFixture, role: str) -> None:
        response = client.post(KEYS, json={"role": "viewer"}, headers=tenant.headers(role))
        assert_error(response, 403, error="Forbidden")
        assert_error(client.get(KEYS, headers=tenant.headers(role)), 403)

    def test_anonymous(self, client: TestClient) -> None:
        assert_error(client.post(KEYS, json={"role": "viewer"}), 401)
        assert_error(client.get(KEYS), 401)


class TestLimitedAdmin:
    def test_cannot_create_unlimited_key(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(KEYS, json={"role": "viewer"}, headers=tenant.headers("limited"))
        assert_error(response, 403, error="Forbidden")

    def test_cannot_grant_a_company_it_cannot_see(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        response = client.post(
            KEYS,
            json={"role": "viewer", "companyIds": [tenant.company_id]},
            headers=tenant.headers("limited"),
        )
        assert_error(response, 403)

    def test_may_create_key_for_its_company(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        created = new_key(
            client, tenant, role="viewer", by="limited", companyIds=[tenant.company_b]
        )
        assert created["companyIds"] == [tenant.company_b]

    def test_cannot_create_company(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(COMPANIES, json={"name": "C"}, headers=tenant.headers("limited"))
        assert_error(response, 403, error="Forbidden")

    def test_sees_only_its_company(self, client: TestClient, tenant: TenantFixture) -> None:
        listed = client.get(COMPANIES, headers=tenant.headers("limited")).json()
        assert [company["id"] for company in listed] == [tenant.company_b]
        hidden = client.get(f"{COMPANIES}/{tenant.company_id}", headers=tenant.headers("limited"))
        assert_error(hidden, 404)


class TestRevokeApiKey:
    def test_revoked_key_is_refused(self, client: TestClient, tenant: TenantFixture) -> None:
        created = new_key(client, tenant, role="editor")
        response = client.post(f"{KEYS}/{created['id']}/revoke", headers=tenant.headers("admin"))
        assert response.status_code == 200, response.text
        assert response.json()["revokedAt"] is not None
        assert_error(client.get(WHOAMI, headers=bearer(created["key"])), 401, error="InvalidApiKey")

    def test_revoke_twice_is_harmless(self, client: TestClient, tenant: TenantFixture) -> None:
        created = new_key(client, tenant)
        url = f"{KEYS}/{created['id']}/revoke"
        first = client.post(url, headers=tenant.headers("admin")).json()
        second = client.post(url, headers=tenant.headers("admin"))
        assert second.status_code == 200
        assert second.json()["revokedAt"] == first["revokedAt"]

    def test_other_tenants_key(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        victim = tenant_second.key_ids["viewer"]
        response = client.post(f"{KEYS}/{victim}/revoke", headers=tenant.headers("admin"))
        assert_error(response, 404)
        assert client.get(WHOAMI, headers=tenant_second.headers("viewer")).status_code == 200

    def test_editor_may_not_revoke(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(
            f"{KEYS}/{tenant.key_ids['viewer']}/revoke", headers=tenant.headers("editor")
        )
        assert_error(response, 403)


class TestLastUsedAt:
    def test_set_after_use(self, client: TestClient, tenant: TenantFixture) -> None:
        created = new_key(client, tenant, role="viewer")
        assert created["lastUsedAt"] is None
        assert client.get(WHOAMI, headers=bearer(created["key"])).status_code == 200
        listed = client.get(KEYS, headers=tenant.headers("admin")).json()
        row = next(item for item in listed if item["id"] == created["id"])
        assert row["lastUsedAt"] is not None


class TestCompanies:
    def test_create_list_get_update(self, client: TestClient, tenant: TenantFixture) -> None:
        admin = tenant.headers("admin")
        created = client.post(COMPANIES, json={"name": "Branch"}, headers=admin)
        assert created.status_code == 201, created.text
        company = created.json()
        assert company["tenantId"] == tenant.id
        ids = [item["id"] for item in client.get(COMPANIES, headers=admin).json()]
        assert {tenant.company_id, tenant.company_b, company["id"]} == set(ids)
        got = client.get(f"{COMPANIES}/{company['id']}", headers=tenant.headers("viewer"))
        assert got.json() == company
        renamed = client.patch(
            f"{COMPANIES}/{company['id']}", json={"name": "Branch 2"}, headers=admin
        )
        assert renamed.status_code == 200, renamed.text
        assert renamed.json()["name"] == "Branch 2"

    def test_chosen_id(self, client: TestClient, tenant: TenantFixture) -> None:
        company_id = f"{tenant.id}-chosen"
        created = client.post(
            COMPANIES, json={"name": "X", "id": company_id}, headers=tenant.headers("admin")
        )
        assert created.json()["id"] == company_id
        again = client.post(
            COMPANIES, json={"name": "Y", "id": company_id}, headers=tenant.headers("admin")
        )
        assert_error(again, 409, fields=("id",))

    def test_new_company_usable_at_once(self, client: TestClient, tenant: TenantFixture) -> None:
        company = client.post(
            COMPANIES, json={"name": "New"}, headers=tenant.headers("admin")
        ).json()
        response = client.get(tenant.url("models", company["id"]), headers=tenant.headers("viewer"))
        assert response.status_code == 200, response.text

    @pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
    def test_only_admins_create(self, client: TestClient, tenant: TenantFixture, role: str) -> None:
        response = client.post(COMPANIES, json={"name": "C"}, headers=tenant.headers(role))
        assert_error(response, 403)
        patched = client.patch(
            f"{COMPANIES}/{tenant.company_id}", json={"name": "C"}, headers=tenant.headers(role)
        )
        assert_error(patched, 403)

    def test_validation(self, client: TestClient, tenant: TenantFixture) -> None:
        admin = tenant.headers("admin")
        assert_error(client.post(COMPANIES, json={}, headers=admin), 422, fields=("name",))
        assert_error(
            client.post(COMPANIES, json={"name": "x" * 300}, headers=admin), 422, fields=("name",)
        )
        assert_error(
            client.post(COMPANIES, json={"name": "x", "tenantId": "t"}, headers=admin),
            422,
            fields=("tenantId",),
        )
        assert_error(
            client.patch(f"{COMPANIES}/{tenant.company_id}", json={"name": None}, headers=admin),
            422,
            fields=("name",),
        )

    def test_other_tenant(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        admin = tenant_second.headers("admin")
        assert_error(client.get(f"{COMPANIES}/{tenant.company_id}", headers=admin), 404)
        assert_error(
            client.patch(f"{COMPANIES}/{tenant.company_id}", json={"name": "pwned"}, headers=admin),
            404,
        )
        ids = {item["id"] for item in client.get(COMPANIES, headers=admin).json()}
        assert ids == {tenant_second.company_id, tenant_second.company_b}
        name = client.get(f"{COMPANIES}/{tenant.company_id}", headers=tenant.headers()).json()
        assert name["name"] == "A"

    def test_anonymous(self, client: TestClient) -> None:
        assert_error(client.get(COMPANIES), 401)


class TestUsers:
    def test_create_and_list(self, client: TestClient, tenant: TenantFixture) -> None:
        admin = tenant.headers("admin")
        created = client.post(
            USERS, json={"email": "ann@example.com", "name": "Ann"}, headers=admin
        )
        assert created.status_code == 201, created.text
        assert created.json()["tenantId"] == tenant.id
        emails = [user["email"] for user in client.get(USERS, headers=admin).json()]
        assert emails == ["ann@example.com"]

    def test_duplicate_email(self, client: TestClient, tenant: TenantFixture) -> None:
        admin = tenant.headers("admin")
        client.post(USERS, json={"email": "bo@example.com"}, headers=admin)
        assert_error(
            client.post(USERS, json={"email": "bo@example.com"}, headers=admin),
            409,
            fields=("email",),
        )

    def test_same_email_in_other_tenant(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        for fixture in (tenant, tenant_second):
            response = client.post(
                USERS, json={"email": "cy@example.com"}, headers=fixture.headers("admin")
            )
            assert response.status_code == 201, response.text
        listed = client.get(USERS, headers=tenant_second.headers("admin")).json()
        assert [user["tenantId"] for user in listed] == [tenant_second.id]

    @pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
    def test_only_admins(self, client: TestClient, tenant: TenantFixture, role: str) -> None:
        assert_error(client.get(USERS, headers=tenant.headers(role)), 403)
        assert_error(
            client.post(USERS, json={"email": "d@example.com"}, headers=tenant.headers(role)), 403
        )

    def test_key_for_user(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        user = client.post(
            USERS, json={"email": "eve@example.com"}, headers=tenant.headers("admin")
        ).json()
        created = new_key(client, tenant, role="viewer", userId=user["id"])
        assert created["userId"] == user["id"]
        foreign = client.post(
            KEYS,
            json={"role": "viewer", "userId": user["id"]},
            headers=tenant_second.headers("admin"),
        )
        assert_error(foreign, 422, fields=("userId",))


class TestWhoAmI:
    @pytest.mark.parametrize("role", ["viewer", "editor", "admin", "auditor"])
    def test_role(self, client: TestClient, tenant: TenantFixture, role: str) -> None:
        body = client.get(WHOAMI, headers=tenant.headers(role)).json()
        assert body == {
            "tenantId": tenant.id,
            "role": role,
            "companyIds": None,
            "keyId": tenant.key_ids[role],
        }

    def test_limited(self, client: TestClient, tenant: TenantFixture) -> None:
        body = client.get(WHOAMI, headers=tenant.headers("limited")).json()
        assert body["companyIds"] == [tenant.company_b]

    def test_x_api_key_header(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.get(WHOAMI, headers={"X-API-Key": tenant.keys["viewer"]})
        assert response.json()["tenantId"] == tenant.id

    def test_anonymous(self, client: TestClient) -> None:
        assert_error(client.get(WHOAMI), 401, error="InvalidApiKey")


def _audit(
    client: TestClient, tenant: TenantFixture, role: str = "admin", **params: Any
) -> list[dict[str, Any]]:
    response = client.get(AUDIT, params={"limit": 500, **params}, headers=tenant.headers(role))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


class TestAuditLog:
    def test_create_update_delete_each_write_one_row(
        self, client: TestClient, tenant: TenantFixture, factory: Factory
    ) -> None:
        model = factory.create("models")
        url = tenant.url(f"models/{model['id']}")
        editor = tenant.headers("editor")
        updated = client.patch(url, json={"accuracy": 0.8}, headers=editor).json()
        assert client.delete(url, headers=editor).status_code == 204
        rows = _audit(client, tenant, rowId=model["id"])
        assert [row["action"] for row in rows] == ["delete", "update", "create"]
        for row in rows:
            assert row["actorKeyId"] == tenant.key_ids["editor"]
            assert row["tableName"] == "AIModel"
            assert row["companyId"] == tenant.company_id
            assert row["tenantId"] == tenant.id
            assert row["createdAt"]
        delete, update, create = rows
        assert create["before"] is None
        assert create["after"] == model
        assert update["before"] == model
        assert update["after"] == updated
        assert delete["before"] == updated
        assert delete["after"] is None

    def test_tenancy_changes_are_audited(self, client: TestClient, tenant: TenantFixture) -> None:
        company = client.post(
            COMPANIES, json={"name": "Audited"}, headers=tenant.headers("admin")
        ).json()
        key = new_key(client, tenant, role="viewer")
        client.post(f"{KEYS}/{key['id']}/revoke", headers=tenant.headers("admin"))
        assert [r["action"] for r in _audit(client, tenant, rowId=company["id"])] == ["create"]
        key_rows = _audit(client, tenant, rowId=key["id"])
        assert [row["action"] for row in key_rows] == ["revoke", "create"]
        assert key["key"] not in str(key_rows)

    def test_failed_write_leaves_no_row(
        self, client: TestClient, tenant: TenantFixture, factory: Factory
    ) -> None:
        before = _audit(client, tenant)
        model = factory.create("models")
        duplicate = factory.post(
            "models",
            factory.payload(
                "models", modelName=model["modelName"], modelVersion=model["modelVersion"]
            ),
        )
        assert duplicate.status_code == 409
        assert len(_audit(client, tenant)) == len(before) + 1

    def test_filters(self, client: TestClient, tenant: TenantFixture, factory: Factory) -> None:
        model = factory.create("models")
        in_b = factory.create("pipelines", company=tenant.company_b)
        client.patch(
            tenant.url(f"models/{model['id']}"),
            json={"accuracy": 0.7},
            headers=tenant.headers("editor"),
        )
        by_table = _audit(client, tenant, tableName="AIDataPipeline")
        assert [row["rowId"] for row in by_table] == [in_b["id"]]
        by_action = _audit(client, tenant, action="update")
        assert [row["rowId"] for row in by_action] == [model["id"]]
        by_row = _audit(client, tenant, rowId=model["id"])
        assert {row["action"] for row in by_row} == {"create", "update"}
        by_company = _audit(client, tenant, companyId=tenant.company_b)
        assert {row["companyId"] for row in by_company} == {tenant.company_b}
        assert in_b["id"] in {row["rowId"] for row in by_company}
        by_actor = _audit(client, tenant, actorKeyId=tenant.key_ids["editor"])
        assert {row["rowId"] for row in by_actor} == {model["id"], in_b["id"]}

    def test_cursor_pagination(
        self, client: TestClient, tenant: TenantFixture, factory: Factory
    ) -> None:
        for _ in range(3):
            factory.create("configs")
        everything = _audit(client, tenant)
        assert len(everything) >= 5
        seen: list[str] = []
        cursor = None
        for _ in range(50):
            params: dict[str, Any] = {"limit": 2}
            if cursor:
                params["cursor"] = cursor
            page = client.get(AUDIT, params=params, headers=tenant.headers("auditor")).json()
            seen.extend(row["id"] for row in page["items"])
            cursor = page["nextCursor"]
            if cursor is None:
                break
        assert seen == [row["id"] for row in everything]

    @pytest.mark.parametrize(
        ("role", "status"), [("viewer", 403), ("editor", 403), ("auditor", 200), ("admin", 200)]
    )
    def test_roles(self, client: TestClient, tenant: TenantFixture, role: str, status: int) -> None:
        response = client.get(AUDIT, headers=tenant.headers(role))
        assert response.status_code == status, response.text
        if status == 403:
            assert_error(response, 403, error="Forbidden")

    def test_anonymous(self, client: TestClient) -> None:
        assert_error(client.get(AUDIT), 401)

    def test_other_tenants_rows_invisible(
        self,
        client: TestClient,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        factory: Factory,
    ) -> None:
        model = factory.create("models")
        theirs = _audit(client, tenant_second)
        assert theirs, "the fixture's own companies and keys are audited"
        assert {row["tenantId"] for row in theirs} == {tenant_second.id}
        assert model["id"] not in {row["rowId"] for row in theirs}
        assert _audit(client, tenant_second, rowId=model["id"]) == []
        assert _audit(client, tenant_second, companyId=tenant.company_id) == []

    def test_limited_key_sees_its_companies_only(
        self, client: TestClient, tenant: TenantFixture, factory: Factory
    ) -> None:
        factory.create("models")
        factory.create("models", company=tenant.company_b)
        rows = _audit(client, tenant, role="limited")
        assert rows
        assert {row["companyId"] for row in rows} == {tenant.company_b}

    @pytest.mark.parametrize("method", ["PATCH", "PUT", "DELETE"])
    def test_no_route_changes_audit_rows(
        self, client: TestClient, tenant: TenantFixture, method: str
    ) -> None:
        row = _audit(client, tenant)[0]
        for url in (AUDIT, f"{AUDIT}/{row['id']}"):
            response = client.request(
                method, url, json={"action": "x"}, headers=tenant.headers("admin")
            )
            assert response.status_code in (404, 405), response.text
        assert _audit(client, tenant)[0] == row

    def test_no_route_creates_audit_rows(self, client: TestClient, tenant: TenantFixture) -> None:
        response = client.post(AUDIT, json={"action": "create"}, headers=tenant.headers("admin"))
        assert response.status_code in (404, 405)


class TestAuditLogAppendOnlyInDatabase:
    @pytest.mark.parametrize(
        "statement",
        [
            'UPDATE "AuditLog" SET "action" = \'tampered\' WHERE "tenantId" = :tenant',
            'DELETE FROM "AuditLog" WHERE "tenantId" = :tenant',
        ],
        ids=["update", "delete"],
    )
    def test_refused(
        self,
        tenant: TenantFixture,
        session_factory: sessionmaker[Session],
        client: TestClient,
        statement: str,
    ) -> None:
        before = _audit(client, tenant)
        assert before
        engine = session_factory.kw["bind"]
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement), {"tenant": tenant.id})
        assert _audit(client, tenant) == before
