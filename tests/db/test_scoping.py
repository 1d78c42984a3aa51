"""The two safety nets behind the repositories: the ORM criteria and PostgreSQL RLS."""

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from tests.api.payloads import Factory
from tests.conftest import TenantFixture
from urutiq_ai.core.scoping import UnscopedQuery, bind_scope, bind_system, set_database_role
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import context
from urutiq_ai.training.models import AIModelTrainingRun

PROBE_ROLE = "urutiq_rls_probe"


@pytest.fixture
def two_models(
    client: TestClient, tenant: TenantFixture, tenant_second: TenantFixture
) -> tuple[dict[str, str], dict[str, str]]:
    return Factory(client, tenant).create("models"), Factory(client, tenant_second).create("models")


@pytest.fixture
def session(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    with session_factory() as session:
        yield session
        session.rollback()


def _scope(tenant: TenantFixture) -> context.TenantContext:
    return context.tenant_admin(tenant.id, [tenant.company_id, tenant.company_b])


class TestUnboundSession:
    def test_select_raises(self, session: Session, two_models: object) -> None:
        del two_models
        with pytest.raises(UnscopedQuery):
            session.scalars(select(AIModel)).all()

    def test_get_raises(
        self, session: Session, two_models: tuple[dict[str, str], dict[str, str]]
    ) -> None:
        with pytest.raises(UnscopedQuery):
            session.get(AIModel, two_models[0]["id"])

    def test_child_table_raises(self, session: Session) -> None:
        with pytest.raises(UnscopedQuery):
            session.scalars(select(AIModelTrainingRun.id)).all()

    def test_system_session_sees_every_tenant(
        self, session: Session, two_models: tuple[dict[str, str], dict[str, str]]
    ) -> None:
        bind_system(session)
        ids = {model["id"] for model in two_models}
        found = set(session.scalars(select(AIModel.id).where(AIModel.id.in_(ids))).all())
        assert found == ids


class TestBoundSession:
    def test_raw_select_sees_only_own_tenant(
        self,
        session: Session,
        tenant: TenantFixture,
        two_models: tuple[dict[str, str], dict[str, str]],
    ) -> None:
        bind_scope(session, _scope(tenant))
        rows = session.scalars(select(AIModel)).all()
        assert rows
        assert {row.tenant_id for row in rows} == {tenant.id}
        assert two_models[1]["id"] not in {row.id for row in rows}

    def test_cannot_load_other_tenants_row_by_id(
        self,
        session: Session,
        tenant: TenantFixture,
        two_models: tuple[dict[str, str], dict[str, str]],
    ) -> None:
        bind_scope(session, _scope(tenant))
        foreign = two_models[1]["id"]
        assert session.scalars(select(AIModel).where(AIModel.id == foreign)).first() is None
        assert session.get(AIModel, foreign) is None

    def test_column_select_is_scoped(
        self,
        session: Session,
        tenant: TenantFixture,
        two_models: tuple[dict[str, str], dict[str, str]],
    ) -> None:
        bind_scope(session, _scope(tenant))
        ids = set(session.scalars(select(AIModel.id)).all())
        assert two_models[0]["id"] in ids
        assert two_models[1]["id"] not in ids


@pytest.fixture
def rls_probe(backend: str, session_factory: sessionmaker[Session]) -> str:
    """A plain role (no superuser, so row-level security binds it) with table rights."""
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    engine = session_factory.kw["bind"]
    with engine.begin() as conn:
        conn.execute(
            text(
                f"DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{PROBE_ROLE}') "
                f"THEN CREATE ROLE {PROBE_ROLE} NOLOGIN; END IF; END $$"
            )
        )
        conn.execute(text(f"GRANT USAGE ON SCHEMA public TO {PROBE_ROLE}"))
        conn.execute(text(f"GRANT SELECT, INSERT ON ALL TABLES IN SCHEMA public TO {PROBE_ROLE}"))
    return PROBE_ROLE


class TestRowLevelSecurity:
    def _tenants_seen(self, session_factory: sessionmaker[Session], settings: str) -> set[str]:
        engine = session_factory.kw["bind"]
        with engine.begin() as conn:
            conn.execute(text(f"SET LOCAL ROLE {PROBE_ROLE}"))
            if settings:
                conn.execute(text(settings))
            return set(conn.scalars(text('SELECT DISTINCT "tenantId" FROM "AIModel"')).all())

    def test_tenant_setting_limits_rows(
        self,
        rls_probe: str,
        session_factory: sessionmaker[Session],
        tenant: TenantFixture,
        two_models: object,
    ) -> None:
        del rls_probe, two_models
        seen = self._tenants_seen(
            session_factory, f"SELECT set_config('urutiq.tenant_id', '{tenant.id}', true)"
        )
        assert seen == {tenant.id}

    def test_system_setting_sees_all(
        self,
        rls_probe: str,
        session_factory: sessionmaker[Session],
        tenant: TenantFixture,
        tenant_second: TenantFixture,
        two_models: object,
    ) -> None:
        del rls_probe, two_models
        seen = self._tenants_seen(session_factory, "SELECT set_config('urutiq.system', 'on', true)")
        assert {tenant.id, tenant_second.id} <= seen

    def test_no_setting_sees_nothing(
        self, rls_probe: str, session_factory: sessionmaker[Session], two_models: object
    ) -> None:
        del rls_probe, two_models
        assert self._tenants_seen(session_factory, "") == set()

    def test_session_scope_applies_to_core_sql(
        self,
        rls_probe: str,
        session: Session,
        tenant: TenantFixture,
        two_models: tuple[dict[str, str], dict[str, str]],
    ) -> None:
        """A session bound to a tenant, as the app binds it, filters even hand-written SQL."""
        set_database_role(session, rls_probe)
        bind_scope(session, _scope(tenant))
        seen = set(session.scalars(text('SELECT "id" FROM "AIModel"')).all())
        assert two_models[0]["id"] in seen
        assert two_models[1]["id"] not in seen

    def test_insert_for_another_tenant_is_refused(
        self,
        rls_probe: str,
        session: Session,
        tenant: TenantFixture,
        tenant_second: TenantFixture,
    ) -> None:
        set_database_role(session, rls_probe)
        bind_scope(session, _scope(tenant))
        with pytest.raises(DBAPIError, match="row-level security"):
            session.execute(
                text(
                    'INSERT INTO "AIModel" ("tenantId", "companyId", "modelName", "modelVersion", '
                    "\"modelType\", \"algorithm\") VALUES (:t, :c, 'x', 'v1', 'regression', 'y')"
                ),
                {"t": tenant_second.id, "c": tenant_second.company_id},
            )
