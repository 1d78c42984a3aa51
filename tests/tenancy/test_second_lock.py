"""Row-level security as the second lock: raw SQL in a request-like session sees one tenant.

The ORM safety net does not cover Core/text queries; on PostgreSQL the database
policies do. These tests run the same path as a request (role switch, tenant bound
by ``bind_scope``) and query with plain SQL, which no repository filters.
"""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import APP_ROLE, TenantFixture
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.scoping import bind_scope, bind_system, set_database_role
from urutiq_ai.tenancy import context


def _add_model(factory: sessionmaker[Session], fixture: TenantFixture) -> None:
    with unit_of_work(factory) as session:
        bind_system(session)
        session.execute(
            text(
                'INSERT INTO "AIModel" ("tenantId", "companyId", "modelName", "modelVersion", '
                '"modelType", algorithm, status) VALUES (:t, :c, :n, :v, :mt, :a, :s)'
            ),
            {
                "t": fixture.id,
                "c": fixture.company_id,
                "n": "lock",
                "v": "v1",
                "mt": "regression",
                "a": "xgboost",
                "s": "training",
            },
        )


@pytest.fixture
def postgres_only(backend: str) -> None:
    if backend != "postgresql":
        pytest.skip("row-level security exists on PostgreSQL only")


@pytest.mark.usefixtures("postgres_only")
class TestRowLevelSecurity:
    def test_raw_sql_sees_only_the_bound_tenant(
        self,
        session_factory: sessionmaker[Session],
        tenant: TenantFixture,
        tenant_second: TenantFixture,
    ) -> None:
        _add_model(session_factory, tenant)
        _add_model(session_factory, tenant_second)
        with unit_of_work(session_factory) as session:
            set_database_role(session, APP_ROLE)
            bind_scope(session, context.tenant_admin(tenant.id, [tenant.company_id]))
            assert session.execute(text("SELECT current_user")).scalar() == APP_ROLE
            tenants = session.execute(text('SELECT DISTINCT "tenantId" FROM "AIModel"')).scalars()
            assert set(tenants) == {tenant.id}

    def test_insert_for_another_tenant_is_refused(
        self,
        session_factory: sessionmaker[Session],
        tenant: TenantFixture,
        tenant_second: TenantFixture,
    ) -> None:
        with unit_of_work(session_factory) as session:
            set_database_role(session, APP_ROLE)
            bind_scope(session, context.tenant_admin(tenant.id, [tenant.company_id]))
            insert = text(
                'INSERT INTO "AIConfig" ("tenantId", "companyId", "configType", "configData") '
                "VALUES (:t, :c, 'behavior', '{}')"
            )
            params = {"t": tenant_second.id, "c": tenant_second.company_id}
            with pytest.raises(DBAPIError, match="row-level security"):
                session.execute(insert, params)
            session.rollback()

    def test_unbound_session_sees_nothing(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        _add_model(session_factory, tenant)
        with unit_of_work(session_factory) as session:
            set_database_role(session, APP_ROLE)
            bind_scope(session, context.tenant_admin("no-such-tenant", []))
            count = session.execute(text('SELECT count(*) FROM "AIModel"')).scalar()
            assert count == 0
