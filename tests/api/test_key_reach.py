"""Issue 17, finding 6: a key limited to some companies sees and manages only keys no
broader than itself (companies a non-empty subset of its own, role not above its own).
Broader keys answer 404, as another tenant's do, through the API, the SDK and the CLI."""

import json
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from typer.testing import CliRunner

from tests.api.payloads import assert_error
from tests.conftest import TenantFixture
from urutiq_ai.cli.main import app as cli_app
from urutiq_ai.core.context import Role, TenantContext
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_scope
from urutiq_ai.core.types import CompanyId, TenantId
from urutiq_ai.sdk import Client, NotFound
from urutiq_ai.tenancy import admin
from urutiq_ai.tenancy import service as tenancy
from urutiq_ai.tenancy.repository import beyond_reach

KEYS = "/api/v1/api-keys"
WHOAMI = "/api/v1/whoami"


def bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def make_key(
    factory: sessionmaker[Session],
    tenant: TenantFixture,
    role: Role,
    companies: list[str] | None,
) -> tuple[str, str]:
    """(id, plaintext) of a new key made in-process (by the local operator)."""
    with unit_of_work(factory) as session:
        key, plaintext = admin.create_key(
            session, tenant_id=tenant.id, role=role, company_ids=companies
        )
        return key.id, plaintext


def listed_ids(client: TestClient, key: str) -> set[str]:
    response = client.get(KEYS, headers=bearer(key))
    assert response.status_code == 200, response.text
    return {item["id"] for item in response.json()}


def limited_ctx(tenant: TenantFixture, role: Role, companies: list[str]) -> TenantContext:
    return TenantContext(
        tenant_id=TenantId(tenant.id),
        company_ids=frozenset(CompanyId(c) for c in companies),
        role=role,
        all_companies=False,
    )


class TestListApiKeys:
    def test_limited_admin_sees_only_keys_within_its_companies(
        self, client: TestClient, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        inside, _ = make_key(session_factory, tenant, Role.viewer, [tenant.company_b])
        other, _ = make_key(session_factory, tenant, Role.viewer, [tenant.company_id])
        both, _ = make_key(
            session_factory, tenant, Role.viewer, [tenant.company_id, tenant.company_b]
        )
        seen = listed_ids(client, tenant.keys["limited"])
        assert seen == {tenant.key_ids["limited"], inside}
        assert not {other, both, *(tenant.key_ids[r.value] for r in Role)} & seen

    def test_a_key_of_two_companies_sees_keys_of_either(
        self, client: TestClient, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        two_id, two = make_key(
            session_factory, tenant, Role.admin, [tenant.company_id, tenant.company_b]
        )
        a_id, _ = make_key(session_factory, tenant, Role.editor, [tenant.company_id])
        assert listed_ids(client, two) == {two_id, a_id, tenant.key_ids["limited"]}

    def test_unlimited_admin_sees_every_key(
        self, client: TestClient, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        inside, _ = make_key(session_factory, tenant, Role.viewer, [tenant.company_b])
        seen = listed_ids(client, tenant.keys["admin"])
        assert {inside, tenant.key_ids["limited"], *tenant.key_ids.values()} <= seen


class TestGetApiKey:
    def test_a_broader_key_answers_404(self, client: TestClient, tenant: TenantFixture) -> None:
        for role in ("admin", "viewer"):
            response = client.get(
                f"{KEYS}/{tenant.key_ids[role]}", headers=tenant.headers("limited")
            )
            assert_error(response, 404, error="ApiKeyNotFound")
            assert tenant.key_ids[role] in response.json()["detail"]

    def test_a_key_within_reach(self, client: TestClient, tenant: TenantFixture) -> None:
        own = client.get(f"{KEYS}/{tenant.key_ids['limited']}", headers=tenant.headers("limited"))
        assert own.status_code == 200, own.text
        assert own.json()["companyIds"] == [tenant.company_b]
        assert "key" not in own.json()
        broad = client.get(f"{KEYS}/{tenant.key_ids['limited']}", headers=tenant.headers())
        assert broad.status_code == 200

    def test_other_tenant(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        response = client.get(f"{KEYS}/{tenant_second.key_ids['viewer']}", headers=tenant.headers())
        assert_error(response, 404, error="ApiKeyNotFound")

    @pytest.mark.parametrize("role", ["viewer", "editor", "auditor"])
    def test_only_admins(self, client: TestClient, tenant: TenantFixture, role: str) -> None:
        response = client.get(f"{KEYS}/{tenant.key_ids[role]}", headers=tenant.headers(role))
        assert_error(response, 403)

    def test_anonymous(self, client: TestClient, tenant: TenantFixture) -> None:
        assert_error(client.get(f"{KEYS}/{tenant.key_ids['viewer']}"), 401)


class TestRevokeApiKey:
    def test_limited_admin_cannot_revoke_an_unlimited_admin(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        victim = tenant.key_ids["admin"]
        response = client.post(f"{KEYS}/{victim}/revoke", headers=tenant.headers("limited"))
        assert_error(response, 404, error="ApiKeyNotFound")
        assert client.get(WHOAMI, headers=tenant.headers("admin")).status_code == 200

    def test_limited_admin_cannot_revoke_a_key_of_other_companies(
        self, client: TestClient, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        victim_id, victim = make_key(
            session_factory, tenant, Role.viewer, [tenant.company_id, tenant.company_b]
        )
        response = client.post(f"{KEYS}/{victim_id}/revoke", headers=tenant.headers("limited"))
        assert_error(response, 404)
        assert client.get(WHOAMI, headers=bearer(victim)).status_code == 200

    def test_limited_admin_revokes_a_key_within_reach(
        self, client: TestClient, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        key_id, key = make_key(session_factory, tenant, Role.editor, [tenant.company_b])
        response = client.post(f"{KEYS}/{key_id}/revoke", headers=tenant.headers("limited"))
        assert response.status_code == 200, response.text
        assert_error(client.get(WHOAMI, headers=bearer(key)), 401)


class TestCreateApiKey:
    def _create(self, client: TestClient, tenant: TenantFixture, **body: Any) -> Any:
        return client.post(KEYS, json=body, headers=tenant.headers("limited"))

    def test_an_unlimited_key_is_refused_naming_the_field(
        self, client: TestClient, tenant: TenantFixture
    ) -> None:
        for body in ({"role": "viewer"}, {"role": "viewer", "companyIds": None}):
            response = self._create(client, tenant, **body)
            assert_error(response, 403, error="Forbidden", fields=("companyIds",))

    def test_a_company_beyond_its_own_is_refused_naming_the_field(
        self, client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
    ) -> None:
        # its tenant's other company, another tenant's, one that does not exist: the same
        # 403, so a limited key learns nothing of which companies exist
        for company in (tenant.company_id, tenant_second.company_id, "no-such-company"):
            response = self._create(
                client, tenant, role="viewer", companyIds=[tenant.company_b, company]
            )
            assert_error(response, 403, error="Forbidden", fields=("companyIds",))
            assert company in response.json()["detail"]

    def test_a_key_within_reach_is_created(self, client: TestClient, tenant: TenantFixture) -> None:
        response = self._create(client, tenant, role="admin", companyIds=[tenant.company_b])
        assert response.status_code == 201, response.text
        assert response.json()["id"] in listed_ids(client, tenant.keys["limited"])


class TestTheRule:
    """:func:`beyond_reach` is the one rule; roles: viewer < editor, auditor < admin."""

    @pytest.mark.parametrize(
        ("mine", "theirs", "reached"),
        [
            (Role.admin, Role.admin, True),
            (Role.admin, Role.auditor, True),
            (Role.editor, Role.viewer, True),
            (Role.editor, Role.editor, True),
            (Role.editor, Role.admin, False),
            (Role.editor, Role.auditor, False),
            (Role.auditor, Role.editor, False),
            (Role.viewer, Role.editor, False),
        ],
    )
    def test_roles(self, tenant: TenantFixture, mine: Role, theirs: Role, reached: bool) -> None:
        ctx = limited_ctx(tenant, mine, [tenant.company_b])
        problem = beyond_reach(ctx, role=theirs, company_ids=[tenant.company_b])
        assert (problem is None) is reached
        if problem is not None:
            assert problem.field == "role"

    def test_companies(self, tenant: TenantFixture) -> None:
        ctx = limited_ctx(tenant, Role.admin, [tenant.company_b])
        b = tenant.company_b
        assert beyond_reach(ctx, role=Role.viewer, company_ids=[b]) is None
        for companies in (None, [], [tenant.company_id], [b, tenant.company_id]):
            problem = beyond_reach(ctx, role=Role.viewer, company_ids=companies)
            assert problem is not None
            assert problem.field == "companyIds"

    def test_an_unlimited_key_reaches_every_key(self, tenant: TenantFixture) -> None:
        ctx = TenantContext(
            tenant_id=TenantId(tenant.id),
            company_ids=frozenset(),
            role=Role.admin,
            all_companies=True,
        )
        assert beyond_reach(ctx, role=Role.admin, company_ids=None) is None

    def test_key_roles_for_checks_see_every_key(
        self, tenant: TenantFixture, session_factory: sessionmaker[Session]
    ) -> None:
        """Governance asks who released a model whatever the asking key reaches."""
        ctx = limited_ctx(tenant, Role.editor, [tenant.company_b])
        with unit_of_work(session_factory) as session:
            bind_scope(session, ctx)
            assert tenancy.list_api_keys(session, ctx) == []
            roles = tenancy.key_roles(session, ctx)
        assert roles[tenant.key_ids["admin"]] == Role.admin
        assert roles[tenant.key_ids["limited"]] == Role.admin


class TestSdkAndCli:
    def test_sdk(self, client: TestClient, tenant: TenantFixture) -> None:
        sdk = Client(api_key=tenant.keys["limited"], company=tenant.company_b, http_client=client)
        assert [key.id for key in sdk.api_keys.list()] == [tenant.key_ids["limited"]]
        assert sdk.api_keys.get(tenant.key_ids["limited"]).role == Role.admin
        with pytest.raises(NotFound):
            sdk.api_keys.get(tenant.key_ids["admin"])
        with pytest.raises(NotFound):
            sdk.api_keys.revoke(tenant.key_ids["admin"])

    def test_cli_keys_show(
        self, client: TestClient, tenant: TenantFixture, monkeypatch: pytest.MonkeyPatch
    ) -> None:
        # the CLI's SDK, pointed at the test app through its TestClient
        monkeypatch.setattr("urutiq_ai.sdk.Client", _client_over(client))
        runner = CliRunner()
        args = ["keys", "show", "--api-key", tenant.keys["limited"], "--url", "http://test"]
        shown = runner.invoke(cli_app, [*args[:2], tenant.key_ids["limited"], *args[2:], "--json"])
        assert shown.exit_code == 0, shown.output
        assert json.loads(shown.output)["id"] == tenant.key_ids["limited"]
        hidden = runner.invoke(cli_app, [*args[:2], tenant.key_ids["admin"], *args[2:]])
        assert hidden.exit_code == 1
        assert "not found" in hidden.output


def _client_over(http: TestClient) -> Any:
    def make(url: str | None, api_key: str | None, company: str | None = None) -> Client:
        del url
        return Client(api_key=api_key, company=company, http_client=http)

    return make
