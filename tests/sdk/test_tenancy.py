"""Tenant administration through the SDK: companies, users, keys, audit log, whoami."""

import uuid

import pytest
from fastapi.testclient import TestClient

from tests.conftest import TenantFixture
from tests.sdk.conftest import SdkFactory
from urutiq_ai.core.context import Role
from urutiq_ai.sdk import Client, DuplicateResource, Forbidden, NotFound, Unauthorized
from urutiq_ai.tenancy.schemas import ApiKeyCreated, CompanyRead


class TestWhoAmI:
    def test_whoami(self, sdk_for: SdkFactory, tenant: TenantFixture) -> None:
        me = sdk_for("limited").whoami()
        assert (me.tenant_id, me.role, me.company_ids) == (
            tenant.id,
            Role.admin,
            [tenant.company_b],
        )
        assert me.key_id == tenant.key_ids["limited"]


class TestCompanies:
    def test_list_and_get(self, admin_sdk: Client, tenant: TenantFixture) -> None:
        companies = admin_sdk.companies.list()
        assert {c.id for c in companies} == {tenant.company_id, tenant.company_b}
        assert all(isinstance(c, CompanyRead) for c in companies)
        assert admin_sdk.companies.get(tenant.company_b).name == "B"

    def test_create_and_update(self, admin_sdk: Client) -> None:
        company_id = f"gamma-{uuid.uuid4().hex[:12]}"
        company = admin_sdk.companies.create(name="Gamma", id=company_id)
        assert company.id == company_id
        assert admin_sdk.companies.update(company.id, name="Gamma 2").name == "Gamma 2"
        assert admin_sdk.companies.get(company_id).name == "Gamma 2"
        with pytest.raises(DuplicateResource):
            admin_sdk.companies.create(name="Again", id=company_id)

    def test_editor_may_not_create(self, sdk: Client) -> None:
        with pytest.raises(Forbidden):
            sdk.companies.create(name="nope")

    def test_other_tenants_company(self, admin_sdk: Client, tenant_second: TenantFixture) -> None:
        with pytest.raises(NotFound):
            admin_sdk.companies.get(tenant_second.company_id)


class TestUsers:
    def test_create_and_list(self, admin_sdk: Client) -> None:
        user = admin_sdk.users.create(email="ana@example.com", name="Ana")
        assert [u.id for u in admin_sdk.users.list()] == [user.id]


class TestApiKeys:
    def test_create_use_revoke(
        self, admin_sdk: Client, client: TestClient, tenant: TenantFixture
    ) -> None:
        created = admin_sdk.api_keys.create(
            role="viewer", company_ids=[tenant.company_id], name="ci"
        )
        assert isinstance(created, ApiKeyCreated)
        assert created.key
        viewer = Client(api_key=created.key, company=tenant.company_id, http_client=client)
        assert viewer.whoami().role is Role.viewer
        assert created.id in {k.id for k in admin_sdk.api_keys.list()}
        revoked = admin_sdk.api_keys.revoke(created.id)
        assert revoked.revoked_at is not None
        with pytest.raises(Unauthorized, match="revoked"):
            viewer.models.list()


class TestAuditLog:
    def test_changes_are_listed(self, admin_sdk: Client) -> None:
        model = admin_sdk.models.create(
            model_name="m", model_version="1", model_type="regression", algorithm="x"
        )
        admin_sdk.models.update(model.id, status="active")
        rows = admin_sdk.audit_log.list(table_name="AIModel", row_id=model.id).items
        assert [r.action for r in rows] == ["update", "create"]
        assert isinstance(rows[0].after, dict)
        assert rows[0].after["status"] == "active"

    def test_iterate_pages(self, admin_sdk: Client, tenant: TenantFixture) -> None:
        for name in "abc":
            admin_sdk.experiments.create(experiment_name=name)
        rows = list(
            admin_sdk.audit_log.iterate(
                limit=1, tableName="AIExperiment", company_id=tenant.company_id
            )
        )
        assert len(rows) == 3
        assert {r.action for r in rows} == {"create"}

    def test_editor_may_not_read(self, sdk: Client) -> None:
        with pytest.raises(Forbidden):
            sdk.audit_log.list()
