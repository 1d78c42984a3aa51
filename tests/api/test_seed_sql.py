"""The seed's own SQL works against our schema, and its rows obey tenancy in the API.

The four statements below are copied verbatim from the "Usage Examples" of the
seed (``ai-learning-schema.md``); the project never reads the seed at run time.
On SQLite they run exactly as written: every connection the app opens has a
``NOW()`` function (``core/db.py``), and SQLite matches unquoted identifiers
case-insensitively. On PostgreSQL one mechanical change is unavoidable: every
table and column identifier is double-quoted, since PostgreSQL folds unquoted
names to lower case (``AIModel`` -> ``aimodel``) and the names are camelCase;
``NOW()`` is its own. No id is supplied: the database defaults it. The test
runs on its own freshly migrated database, since the seed fixes the ids
``tenant1``, ``company1`` and ``model1``.
"""

import os
import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from tests.conftest import PG_ENV, create_postgres_database, drop_postgres_database
from urutiq_ai.api.app import create_app
from urutiq_ai.core.context import Role
from urutiq_ai.core.db import make_engine, make_sessionmaker, unit_of_work
from urutiq_ai.core.migrations import upgrade
from urutiq_ai.core.scoping import bind_system
from urutiq_ai.core.settings import Settings
from urutiq_ai.registry.models import AIModel
from urutiq_ai.tenancy import admin

# --- The seed's "Usage Examples", verbatim. ------------------------------------------
SEED_CREATE_MODEL = """
INSERT INTO AIModel (
  tenantId, companyId, modelName, modelVersion, modelType, algorithm, status
) VALUES (
  'tenant1', 'company1', 'expense_classifier', 'v1.0', 'classification', 'random_forest', 'training'
);
"""

SEED_TRAINING_RUN = """
INSERT INTO AIModelTrainingRun (
  tenantId, companyId, modelId, runName, status, startTime, epochs, batchSize
) VALUES (
  'tenant1', 'company1', 'model1', 'training_run_001', 'running', NOW(), 100, 32
);
"""

SEED_PREDICTION = """
INSERT INTO AIModelPrediction (
  tenantId, companyId, modelId, predictionType, inputData, prediction, confidence
) VALUES (
  'tenant1', 'company1', 'model1', 'classification', '{"amount": 1000, "category": "office"}', '{"prediction": "expense", "confidence": 0.95}', 0.95
);
"""  # noqa: E501

SEED_PERFORMANCE = """
INSERT INTO AIPerformanceMetrics (
  tenantId, companyId, modelId, metricType, metricValue, metricDate, trend
) VALUES (
  'tenant1', 'company1', 'model1', 'accuracy', 0.92, NOW(), 'improving'
);
"""
# --------------------------------------------------------------------------------------

SEED_STATEMENTS = (SEED_CREATE_MODEL, SEED_TRAINING_RUN, SEED_PREDICTION, SEED_PERFORMANCE)
_INSERT = re.compile(r"INSERT INTO (\w+) \(([^)]*)\)", re.IGNORECASE)


def quote_identifiers(statement: str) -> str:
    """Double-quote the table and column names of an ``INSERT INTO t (a, b) VALUES ...``."""

    def quoted(match: re.Match[str]) -> str:
        columns = ", ".join(f'"{name.strip()}"' for name in match.group(2).split(","))
        return f'INSERT INTO "{match.group(1)}" ({columns})'

    result, replaced = _INSERT.subn(quoted, statement, count=1)
    assert replaced == 1, statement
    return result


def for_backend(statement: str, backend: str) -> str:
    """The seed statement as the backend needs it: verbatim on SQLite, identifiers quoted
    on PostgreSQL, and nothing else changed."""
    if backend == "postgresql":
        return quote_identifiers(statement)
    return statement


class TestForBackend:
    def test_postgresql_quotes_every_identifier(self) -> None:
        out = for_backend(SEED_TRAINING_RUN, "postgresql")
        assert 'INSERT INTO "AIModelTrainingRun" (' in out
        assert (
            '"tenantId", "companyId", "modelId", "runName", "status", "startTime", '
            '"epochs", "batchSize"' in out
        )
        assert out.split("VALUES")[1] == SEED_TRAINING_RUN.split("VALUES")[1]

    def test_sqlite_runs_them_verbatim(self) -> None:
        for statement in SEED_STATEMENTS:
            assert for_backend(statement, "sqlite") == statement
        assert "NOW()" in SEED_TRAINING_RUN
        assert "NOW()" in SEED_PERFORMANCE


@pytest.fixture
def seed_database_url(backend: str, tmp_path: Path) -> Iterator[str]:
    """A database of its own, migrated from empty."""
    if backend == "sqlite":
        url = f"sqlite:///{tmp_path / 'seed.db'}"
        upgrade(url)
        yield url
        return
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    url = create_postgres_database(os.environ[PG_ENV], f"seedsql_{worker}")
    upgrade(url)
    yield url
    drop_postgres_database(url)


def _prepare(url: str) -> dict[str, Any]:
    """tenant1/company1 with model1, and keys: tenant1's (limited to company1) and another's."""
    engine = make_engine(url)
    factory = make_sessionmaker(engine)
    with unit_of_work(factory) as session:
        admin.create_tenant(session, name="Tenant one", tenant_id="tenant1")
        admin.create_company(
            session, tenant_id="tenant1", name="Company one", company_id="company1"
        )
        bind_system(session)
        session.add(
            AIModel(
                id="model1",
                tenant_id="tenant1",
                company_id="company1",
                model_name="seed_model",
                model_version="v0.1",
                model_type="classification",
                algorithm="random_forest",
            )
        )
        session.flush()
        _, own_key = admin.create_key(
            session, tenant_id="tenant1", role=Role.viewer, company_ids=["company1"]
        )
        admin.create_tenant(session, name="Other", tenant_id="other-tenant")
        admin.create_company(
            session, tenant_id="other-tenant", name="Other company", company_id="other-company"
        )
        _, other_key = admin.create_key(session, tenant_id="other-tenant", role=Role.admin)
    engine.dispose()
    return {
        "own": {"Authorization": f"Bearer {own_key}"},
        "other": {"Authorization": f"Bearer {other_key}"},
    }


def _run_seed_sql(url: str, backend: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        for statement in SEED_STATEMENTS:
            conn.execute(text(for_backend(statement, backend)))
    engine.dispose()


def _scalar(url: str, sql: str) -> Any:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(text(sql)).scalar_one()
    finally:
        engine.dispose()


def _utc(value: Any) -> datetime:
    stamp = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


class TestSeedUsageExamples:
    @pytest.mark.parametrize("statement", SEED_STATEMENTS, ids=["model", "run", "pred", "perf"])
    def test_each_example_runs_on_its_own(
        self, seed_database_url: str, backend: str, statement: str
    ) -> None:
        _prepare(seed_database_url)
        engine = make_engine(seed_database_url)
        with engine.begin() as conn:
            assert conn.execute(text(for_backend(statement, backend))).rowcount == 1
        engine.dispose()

    def test_now_is_the_utc_time_in_the_stored_format(
        self, seed_database_url: str, backend: str
    ) -> None:
        _prepare(seed_database_url)
        _run_seed_sql(seed_database_url, backend)
        now = datetime.now(UTC)
        started = _scalar(seed_database_url, 'SELECT "startTime" FROM "AIModelTrainingRun"')
        measured = _scalar(seed_database_url, 'SELECT "metricDate" FROM "AIPerformanceMetrics"')
        for stamp in (started, measured):
            assert abs(_utc(stamp) - now) < timedelta(minutes=5)
        if backend == "sqlite":  # text exactly as SQLAlchemy writes the app's own rows
            assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\.\d{6}", started)
        # comparisons against NOW() behave (the same SQL on both backends)
        earlier = 'SELECT count(*) FROM "AIModelTrainingRun" WHERE "startTime" <= NOW()'
        assert _scalar(seed_database_url, earlier) == 1
        later = 'SELECT count(*) FROM "AIModel" WHERE "createdAt" > NOW()'
        assert _scalar(seed_database_url, later) == 0
        day_ago = {
            "sqlite": "datetime(NOW(), '-1 day')",  # SQLite has no INTERVAL
            "postgresql": "NOW() - INTERVAL '1 day'",
        }[backend]
        recent = f'SELECT count(*) FROM "AIModel" WHERE "createdAt" > {day_ago}'
        assert _scalar(seed_database_url, recent) == 2  # model1 and the seed's new model

    def test_rows_inserted_by_seed_sql(self, seed_database_url: str, backend: str) -> None:
        headers = _prepare(seed_database_url)
        _run_seed_sql(seed_database_url, backend)
        app = create_app(Settings(database_url=seed_database_url))
        try:
            client = TestClient(app)
            self._visible_to_tenant1(client, headers["own"])
            self._invisible_to_other_tenant(client, headers["other"])
        finally:
            app.state.engine.dispose()

    def _visible_to_tenant1(self, client: TestClient, headers: dict[str, str]) -> None:
        base = "/api/v1/companies/company1"
        models = client.get(
            f"{base}/models", params={"modelName": "expense_classifier"}, headers=headers
        ).json()["items"]
        assert len(models) == 1
        model = models[0]
        assert model["id"]
        assert model["id"] != "model1"
        assert (model["tenantId"], model["companyId"]) == ("tenant1", "company1")
        assert (model["modelVersion"], model["modelType"], model["algorithm"], model["status"]) == (
            "v1.0",
            "classification",
            "random_forest",
            "training",
        )
        assert model["createdAt"]
        assert model["updatedAt"]

        (run,) = self._list(client, f"{base}/training-runs", headers)
        assert (run["modelId"], run["runName"], run["status"], run["epochs"], run["batchSize"]) == (
            "model1",
            "training_run_001",
            "running",
            100,
            32,
        )
        assert run["startTime"] is not None

        (prediction,) = self._list(client, f"{base}/predictions", headers)
        assert prediction["modelId"] == "model1"
        assert prediction["predictionType"] == "classification"
        assert prediction["inputData"] == {"amount": 1000, "category": "office"}
        assert prediction["prediction"] == {"prediction": "expense", "confidence": 0.95}
        assert prediction["confidence"] == pytest.approx(0.95)

        (metric,) = self._list(client, f"{base}/performance-metrics", headers)
        assert (metric["modelId"], metric["metricType"], metric["trend"]) == (
            "model1",
            "accuracy",
            "improving",
        )
        assert metric["metricValue"] == pytest.approx(0.92)
        assert metric["metricDate"] is not None

        for path, row in (
            ("models", model),
            ("training-runs", run),
            ("predictions", prediction),
            ("performance-metrics", metric),
        ):
            got = client.get(f"{base}/{path}/{row['id']}", headers=headers)
            assert got.status_code == 200, got.text
            single = got.json()  # a training run's detail adds its hyperparameters, ...
            assert {key: single[key] for key in row} == row

    def _invisible_to_other_tenant(self, client: TestClient, headers: dict[str, str]) -> None:
        for path in ("models", "training-runs", "predictions", "performance-metrics"):
            response = client.get(f"/api/v1/companies/company1/{path}", headers=headers)
            assert response.status_code == 404, response.text
            own = client.get(f"/api/v1/companies/other-company/{path}", headers=headers)
            assert own.json() == {"items": [], "nextCursor": None}
        model = client.get("/api/v1/companies/other-company/models/model1", headers=headers)
        assert model.status_code == 404
        model = client.get("/api/v1/companies/company1/models/model1", headers=headers)
        assert model.status_code == 404

    @staticmethod
    def _list(client: TestClient, url: str, headers: dict[str, str]) -> list[dict[str, Any]]:
        response = client.get(url, headers=headers)
        assert response.status_code == 200, response.text
        items: list[dict[str, Any]] = response.json()["items"]
        return items
