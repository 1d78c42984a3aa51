"""The database itself keeps the seed's rules, whoever writes to it (plain SQL here)."""

import re
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from tests.conftest import TenantFixture
from urutiq_ai.core.db import new_id

MODEL_COLUMNS = '"tenantId", "companyId", "modelName", "modelVersion", "modelType", "algorithm"'


def _engine(session_factory: sessionmaker[Session]) -> Engine:
    engine: Engine = session_factory.kw["bind"]
    return engine


def _insert_model(engine: Engine, tenant: TenantFixture, **values: Any) -> str:
    row = {
        "tenantId": tenant.id,
        "companyId": tenant.company_id,
        "modelName": f"m_{new_id()[:8]}",
        "modelVersion": "v1",
        "modelType": "regression",
        "algorithm": "xgboost",
        **values,
    }
    columns = ", ".join(f'"{name}"' for name in row)
    params = ", ".join(f":{name}" for name in row)
    with engine.begin() as conn:
        conn.execute(text(f'INSERT INTO "AIModel" ({columns}) VALUES ({params})'), row)
        found: str = conn.scalar(
            text('SELECT "id" FROM "AIModel" WHERE "modelName" = :n AND "tenantId" = :t'),
            {"n": row["modelName"], "t": tenant.id},
        )
    return found


class TestDefaults:
    def test_id_and_timestamps_defaulted(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        engine = _engine(session_factory)
        row_id = _insert_model(engine, tenant)
        assert re.fullmatch(r"[0-9a-f]{32}", row_id), row_id
        with engine.connect() as conn:
            row = conn.execute(
                text('SELECT "status", "createdAt", "updatedAt" FROM "AIModel" WHERE "id" = :id'),
                {"id": row_id},
            ).one()
        assert row.status == "training"
        assert row.createdAt is not None
        assert row.updatedAt is not None

    def test_ids_differ(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        engine = _engine(session_factory)
        assert _insert_model(engine, tenant) != _insert_model(engine, tenant)


class TestRefusedByTheDatabase:
    @pytest.mark.parametrize(
        "values",
        [
            {"modelType": "Classification"},
            {"modelType": "bogus"},
            {"status": "retired"},
        ],
        ids=["enum-case", "enum-unknown", "status-unknown"],
    )
    def test_enum_check(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture, values: dict[str, str]
    ) -> None:
        with pytest.raises(IntegrityError):
            _insert_model(_engine(session_factory), tenant, **values)

    def test_unique_name_and_version(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        engine = _engine(session_factory)
        _insert_model(engine, tenant, modelName="dup", modelVersion="v1")
        with pytest.raises(IntegrityError):
            _insert_model(engine, tenant, modelName="dup", modelVersion="v1")
        _insert_model(engine, tenant, modelName="dup", modelVersion="v2")
        _insert_model(
            engine, tenant, modelName="dup", modelVersion="v1", companyId=tenant.company_b
        )

    def test_foreign_key(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with pytest.raises(IntegrityError), _engine(session_factory).begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO "AIModelTrainingRun" ("tenantId", "companyId", '
                    "\"modelId\", \"runName\") VALUES (:t, :c, 'no-such-model', 'r')"
                ),
                {"t": tenant.id, "c": tenant.company_id},
            )

    def test_unknown_company(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with pytest.raises(IntegrityError):
            _insert_model(_engine(session_factory), tenant, companyId="no-such-company")

    def test_tenant_required(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with pytest.raises(IntegrityError), _engine(session_factory).begin() as conn:
            conn.execute(
                text(
                    'INSERT INTO "AIConfig" ("companyId", "configType", "configData") '
                    "VALUES (:c, 'prompts', '{}')"
                ),
                {"c": tenant.company_id},
            )

    def test_malformed_json(
        self, session_factory: sessionmaker[Session], tenant: TenantFixture
    ) -> None:
        with pytest.raises(DBAPIError):
            _insert_model(_engine(session_factory), tenant, hyperparameters="{bad")
