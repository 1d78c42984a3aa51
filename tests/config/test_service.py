"""The service with a session: versions, one active per type, activation, history, diff,
``active_config``, and nothing written by a refused change."""

from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tests.config.conftest import BEHAVIOR, CATEGORIES, PROMPTS
from tests.conftest import TenantFixture
from urutiq_ai.config import service
from urutiq_ai.config.models import AIConfig
from urutiq_ai.config.schemas import AIConfigCreate, CategoriesConfig, ConfigType
from urutiq_ai.core.db import unit_of_work
from urutiq_ai.core.errors import NotFound, ValidationError
from urutiq_ai.core.scoping import bind_system

Scoped = Callable[..., Any]


def _create(session: Session, ctx: Any, config_type: str, data: Any, **fields: Any) -> AIConfig:
    payload = AIConfigCreate(config_type=config_type, config_data=data, **fields)
    return service.create_version(session, ctx, payload)


def _insert(scoped: Scoped, tenant: TenantFixture, **values: Any) -> str:
    """A row written straight through the ORM, past the service (as old code or SQL could)."""
    with scoped() as (session, _ctx):
        row = AIConfig(tenant_id=tenant.id, company_id=tenant.company_id, **values)
        session.add(row)
        session.flush()
        return row.id


def _rows(session_factory: sessionmaker[Session], tenant: TenantFixture) -> list[tuple[Any, ...]]:
    """Every AIConfig row of the tenant, straight from the table: (type, version, active)."""
    with unit_of_work(session_factory) as session:
        bind_system(session)
        rows = session.execute(
            text(
                'SELECT "configType", "version", "isActive", "companyId" FROM "AIConfig" '
                'WHERE "tenantId" = :t ORDER BY "configType", "companyId", "version"'
            ),
            {"t": tenant.id},
        ).all()
    return [(r[0], r[1], bool(r[2]), r[3]) for r in rows]


def _audit_actions(session_factory: sessionmaker[Session], tenant: TenantFixture) -> list[str]:
    with unit_of_work(session_factory) as session:
        bind_system(session)
        actions = session.execute(
            text(
                'SELECT "action" FROM "AuditLog" WHERE "tenantId" = :t '
                'AND "tableName" = \'AIConfig\' ORDER BY "createdAt", "id"'
            ),
            {"t": tenant.id},
        ).scalars()
        return list(actions)


class TestCreate:
    def test_versions_count_per_type_and_the_newest_is_active(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            first = _create(session, ctx, "categories", CATEGORIES, note="initial")
            second = _create(session, ctx, "categories", {"categories": [{"name": "rent"}]})
            other = _create(session, ctx, "behavior", BEHAVIOR)
            assert (first.version, second.version, other.version) == (1, 2, 1)
            assert first.created_by == "key-1"
            assert first.note == "initial"
        a = tenant.company_id
        assert _rows(session_factory, tenant) == [
            ("behavior", 1, True, a),
            ("categories", 1, False, a),
            ("categories", 2, True, a),
        ]
        assert _audit_actions(session_factory, tenant) == [
            "create",
            "deactivate",
            "create",
            "create",
        ]

    def test_a_draft_leaves_the_active_version(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            _create(session, ctx, "prompts", PROMPTS)
            draft = _create(session, ctx, "prompts", PROMPTS, is_active=False)
            assert draft.version == 2
            assert not draft.is_active
        assert [r[1:3] for r in _rows(session_factory, tenant)] == [(1, True), (2, False)]

    def test_companies_count_their_own_versions(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            _create(session, ctx, "behavior", BEHAVIOR)
        with scoped(company=tenant.company_b) as (session, ctx):
            assert _create(session, ctx, "behavior", BEHAVIOR).version == 1
        assert [r[1:] for r in _rows(session_factory, tenant)] == [
            (1, True, tenant.company_id),
            (1, True, tenant.company_b),
        ]

    def test_invalid_data_writes_nothing(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            _create(session, ctx, "categories", CATEGORIES)
        with pytest.raises(ValidationError) as refused, scoped() as (session, ctx):
            _create(session, ctx, "categories", {"categories": [{"name": "a"}, {"name": "A"}]})
        assert [f.field for f in refused.value.fields] == ["configData.categories.1.name"]
        assert _rows(session_factory, tenant) == [("categories", 1, True, tenant.company_id)]
        assert _audit_actions(session_factory, tenant) == ["create"]

    def test_the_database_refuses_two_active_versions(
        self, scoped: Scoped, tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            _create(session, ctx, "behavior", BEHAVIOR)
        with pytest.raises(IntegrityError, match="(?i)unique"):
            _insert(scoped, tenant, config_type=ConfigType.behavior, config_data={}, version=2)

    def test_the_database_refuses_a_version_twice(
        self, scoped: Scoped, tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            _create(session, ctx, "behavior", BEHAVIOR)
        with pytest.raises(IntegrityError, match="(?i)unique"):
            _insert(
                scoped,
                tenant,
                config_type=ConfigType.behavior,
                config_data={},
                version=1,
                is_active=False,
            )


class TestActivate:
    def test_roll_back_to_an_earlier_version(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            first = _create(session, ctx, "categories", CATEGORIES)
            _create(session, ctx, "categories", {"categories": [{"name": "rent"}]})
            first_id = first.id
        with scoped() as (session, ctx):
            assert service.activate(session, ctx, first_id).is_active
        assert [r[1:3] for r in _rows(session_factory, tenant)] == [(1, True), (2, False)]
        assert _audit_actions(session_factory, tenant)[-2:] == ["deactivate", "activate"]

    def test_activating_the_active_version_changes_nothing(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            row_id = _create(session, ctx, "behavior", BEHAVIOR).id
        with scoped() as (session, ctx):
            assert service.activate(session, ctx, row_id).is_active
        assert _audit_actions(session_factory, tenant) == ["create"]

    def test_a_draft_with_nothing_active(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped() as (session, ctx):
            draft_id = _create(session, ctx, "behavior", BEHAVIOR, is_active=False).id
            assert service.active_config(session, ctx, ConfigType.behavior) is None
        with scoped() as (session, ctx):
            service.activate(session, ctx, draft_id)
        assert _rows(session_factory, tenant) == [("behavior", 1, True, tenant.company_id)]

    def test_unknown_version(self, scoped: Scoped) -> None:
        with pytest.raises(NotFound) as missing, scoped() as (session, ctx):
            service.activate(session, ctx, "no-such-version")
        assert "no-such-version" in missing.value.detail
        assert [f.field for f in missing.value.fields] == ["id"]

    def test_another_companys_version_is_not_found(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with scoped(company=tenant.company_b) as (session, ctx):
            row_id = _create(session, ctx, "behavior", BEHAVIOR, is_active=False).id
        with pytest.raises(NotFound), scoped() as (session, ctx):
            service.activate(session, ctx, row_id)
        assert _rows(session_factory, tenant) == [("behavior", 1, False, tenant.company_b)]

    def test_data_from_before_the_schemas_is_not_activated(
        self, scoped: Scoped, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        legacy_id = _insert(
            scoped,
            tenant,
            config_type=ConfigType.prompts,
            config_data={"greeting": "hi"},
            version=1,
            is_active=False,
        )
        with pytest.raises(ValidationError) as refused, scoped() as (session, ctx):
            service.activate(session, ctx, legacy_id)
        assert {f.field for f in refused.value.fields} == {
            "configData.greeting",
            "configData.templates",
        }
        assert _rows(session_factory, tenant) == [("prompts", 1, False, tenant.company_id)]


class TestRead:
    def test_history_newest_first(self, scoped: Scoped) -> None:
        with scoped() as (session, ctx):
            for threshold in (1, 2, 3):
                _create(session, ctx, "behavior", {"correctionThreshold": threshold})
            _create(session, ctx, "categories", CATEGORIES)
            versions = service.history(session, ctx, ConfigType.behavior)
            assert [v.version for v in versions] == [3, 2, 1]
            assert [
                v.version for v in service.history(session, ctx, ConfigType.behavior, limit=2)
            ] == [3, 2]
            assert service.history(session, ctx, ConfigType.industry) == []

    def test_active_version(self, scoped: Scoped) -> None:
        with scoped() as (session, ctx):
            with pytest.raises(NotFound, match="no active categories configuration"):
                service.active_version(session, ctx, ConfigType.categories)
            row = _create(session, ctx, "categories", CATEGORIES)
            assert service.active_version(session, ctx, ConfigType.categories) is row

    def test_active_config_fills_in_the_defaults(self, scoped: Scoped) -> None:
        with scoped() as (session, ctx):
            assert service.active_config(session, ctx, ConfigType.behavior) is None
            _create(session, ctx, "behavior", {"autoRetrain": True})
            assert service.active_config(session, ctx, ConfigType.behavior) == {
                "autoRetrain": True,
                "correctionThreshold": 50,
                "confidenceFloor": 0.5,
                "retrainOnDrift": False,
                "retrainOnDecline": False,
                "retrainCooldownHours": 24.0,
            }

    def test_active_categories_for_the_classifier(self, scoped: Scoped) -> None:
        with scoped() as (session, ctx):
            _create(session, ctx, "categories", CATEGORIES)
            parsed = service.active_settings(session, ctx, ConfigType.categories)
            assert isinstance(parsed, CategoriesConfig)
            assert parsed.names == ["software", "travel", "office"]
            config = service.active_config(session, ctx, ConfigType.categories)
            assert config is not None
            assert [c["name"] for c in config["categories"]] == ["software", "travel", "office"]

    def test_active_config_of_a_named_company(self, scoped: Scoped, tenant: TenantFixture) -> None:
        with scoped(company=tenant.company_b) as (session, ctx):
            _create(session, ctx, "industry", {"industry": "retail"})
        with scoped() as (session, ctx):
            assert service.active_config(session, ctx, ConfigType.industry) is None
        from urutiq_ai.tenancy.context import for_job

        both = for_job(tenant.id, [tenant.company_id, tenant.company_b])
        with scoped() as (session, _ctx):
            config = service.active_config(
                session, both, ConfigType.industry, company_id=tenant.company_b
            )
            assert config is not None
            assert config["industry"] == "retail"
            with pytest.raises(ValueError, match="several companies"):
                service.active_config(session, both, ConfigType.industry)

    def test_legacy_active_data_reads_as_none(
        self, scoped: Scoped, tenant: TenantFixture, caplog: pytest.LogCaptureFixture
    ) -> None:
        _insert(scoped, tenant, config_type=ConfigType.prompts, config_data={"greeting": "hi"})
        with scoped() as (session, ctx):
            assert service.active_config(session, ctx, ConfigType.prompts) is None
        assert "fails its schema" in caplog.text

    def test_diff(self, scoped: Scoped) -> None:
        with scoped() as (session, ctx):
            old = _create(session, ctx, "behavior", {"autoRetrain": False, "confidenceFloor": 0.5})
            new = _create(session, ctx, "behavior", {"autoRetrain": True, "confidenceFloor": 0.5})
            result = service.diff_versions(session, ctx, old.id, new.id)
            assert (result.from_version, result.to_version) == (1, 2)
            assert [(c.path, c.kind.value, c.old, c.new) for c in result.changes] == [
                ("autoRetrain", "changed", False, True)
            ]
            back = service.diff_versions(session, ctx, new.id, old.id)
            assert [(c.old, c.new) for c in back.changes] == [(True, False)]

    def test_diff_of_unknown_or_mixed_versions(self, scoped: Scoped) -> None:
        with scoped() as (session, ctx):
            behavior = _create(session, ctx, "behavior", BEHAVIOR)
            prompts = _create(session, ctx, "prompts", PROMPTS)
            with pytest.raises(NotFound) as missing:
                service.diff_versions(session, ctx, behavior.id, "nope")
            assert [f.field for f in missing.value.fields] == ["to"]
            with pytest.raises(NotFound) as missing:
                service.diff_versions(session, ctx, "nope", behavior.id)
            assert [f.field for f in missing.value.fields] == ["from"]
            with pytest.raises(ValidationError) as mixed:
                service.diff_versions(session, ctx, behavior.id, prompts.id)
            assert [f.field for f in mixed.value.fields] == ["to"]
