"""Bulk prediction logging: the PostgreSQL COPY path stores exactly what the plain INSERT
stores, under row-level security, and the owner key ties a prediction to its model's
tenant and company (both paths, both backends)."""

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.exc import DBAPIError, StatementError
from sqlalchemy.orm import Session, sessionmaker

from tests.api.payloads import Factory
from tests.conftest import APP_ROLE, TenantFixture
from urutiq_ai.core import bulk
from urutiq_ai.core.db import new_id
from urutiq_ai.core.scoping import bind_scope, set_database_role
from urutiq_ai.predictions.models import AIModelPrediction
from urutiq_ai.predictions.repository import PredictionRepository
from urutiq_ai.predictions.schemas import PredictionType
from urutiq_ai.tenancy import context

BIG = bulk.COPY_MIN_ROWS + 37  # over the threshold, and not a multiple of the chunk size
SMALL = 5
COLUMNS = [column.key for column in AIModelPrediction.__table__.columns if column.key != "id"]


@pytest.fixture
def model(client: TestClient, tenant: TenantFixture) -> dict[str, Any]:
    return Factory(client, tenant).create("models")


@pytest.fixture
def session(backend: str, session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session as the app opens one: the app's role on PostgreSQL (RLS applies)."""
    with session_factory() as session:
        if backend == "postgresql":
            set_database_role(session, APP_ROLE)
        yield session
        session.rollback()


@pytest.fixture
def copies(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Batch sizes that went through the COPY path."""
    seen: list[int] = []
    original = bulk._copy_through_stage

    def spy(connection: Any, table: Any, rows: Any) -> None:
        seen.append(len(rows))
        original(connection, table, rows)

    monkeypatch.setattr(bulk, "_copy_through_stage", spy)
    return seen


def _scope(tenant: TenantFixture) -> context.TenantContext:
    return context.tenant_admin(tenant.id, [tenant.company_id, tenant.company_b])


def _records(model_id: str, count: int, tag: str) -> list[dict[str, Any]]:
    """Prediction records with every kind of value COPY's text format must escape."""
    now = datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    records = []
    for i in range(count):
        records.append(
            {
                "id": f"{tag}-{i:05d}",
                "model_id": model_id,
                "prediction_type": PredictionType.classification,
                "input_data": {
                    "vendorName": "Müller & Söhne\tGmbH",
                    "description": 'line one\nline two\r\n"quoted" back\\slash \\N',
                    "amount": 1234.5 + i,
                    "nested": {"list": [1, None, True, "x"], "empty": {}},
                },
                "prediction": {"prediction": "travel", "probabilities": {"travel": 0.75}},
                "confidence": 0.75 if i % 3 else None,
                "probability": 1e-12 * i,
                "actual_value": None if i % 2 else "meals",
                "is_correct": None if i % 2 else i % 4 == 0,
                "error": None if i % 5 else 0.1 * i,
                "deployment_id": "dep\\1\ttab" if i % 7 == 0 else None,
                "deployment_version": i % 7 or None,
                "variant": "champion" if i % 7 == 0 else None,
                "created_at": now + timedelta(microseconds=i),
                "updated_at": now,
            }
        )
    return records


def _stored(session: Session, prefix: str) -> list[dict[str, Any]]:
    rows = session.scalars(
        select(AIModelPrediction)
        .where(AIModelPrediction.id.like(f"{prefix}-%"))
        .order_by(AIModelPrediction.id)
    ).all()
    return [{key: getattr(row, key) for key in COLUMNS} for row in rows]


def test_copy_path_stores_what_the_plain_insert_stores(
    backend: str,
    session: Session,
    tenant: TenantFixture,
    model: dict[str, Any],
    copies: list[int],
) -> None:
    ctx = _scope(tenant)
    bind_scope(session, ctx)
    repository = PredictionRepository(session, ctx)
    tag = new_id()[:8]
    big, small = _records(model["id"], BIG, f"{tag}b"), _records(model["id"], SMALL, f"{tag}s")
    repository.add_many(big, company_id=tenant.company_id)
    repository.add_many(small, company_id=tenant.company_id)
    session.commit()

    assert copies == ([BIG] if backend == "postgresql" else [])
    stored_big, stored_small = _stored(session, f"{tag}b"), _stored(session, f"{tag}s")
    assert len(stored_big) == BIG
    assert stored_big[:SMALL] == stored_small  # same records, the two write paths
    assert stored_big[0]["input_data"] == big[0]["input_data"]
    assert stored_big[0]["tenant_id"] == tenant.id
    assert stored_big[0]["company_id"] == tenant.company_id
    assert stored_big[7]["deployment_id"] == "dep\\1\ttab"
    assert stored_big[BIG - 1]["created_at"] == big[BIG - 1]["created_at"]


def test_missing_keys_take_the_column_defaults(
    backend: str,
    session: Session,
    tenant: TenantFixture,
    model: dict[str, Any],
    copies: list[int],
) -> None:
    ctx = _scope(tenant)
    bind_scope(session, ctx)
    records = [
        {key: value for key, value in record.items() if key not in ("created_at", "updated_at")}
        for record in _records(model["id"], BIG, new_id()[:8])
    ]
    before = datetime.now(UTC)
    PredictionRepository(session, ctx).add_many(records, company_id=tenant.company_id)
    assert copies == ([BIG] if backend == "postgresql" else [])
    row = session.get(AIModelPrediction, records[-1]["id"])
    assert row is not None
    assert row.created_at >= before - timedelta(seconds=1)
    assert row.updated_at >= before - timedelta(seconds=1)


@pytest.mark.parametrize("count", [SMALL, BIG])
def test_model_of_another_company_is_refused_and_nothing_stored(
    count: int,
    session: Session,
    session_factory: sessionmaker[Session],
    client: TestClient,
    tenant: TenantFixture,
) -> None:
    """The owner key: a prediction's model must belong to the prediction's company."""
    other_company_model = Factory(client, tenant).create("models", tenant.company_b)
    ctx = _scope(tenant)
    bind_scope(session, ctx)
    tag = new_id()[:8]
    with pytest.raises(DBAPIError):
        PredictionRepository(session, ctx).add_many(
            _records(other_company_model["id"], count, tag), company_id=tenant.company_id
        )
    session.rollback()
    with session_factory() as fresh:
        bind_scope(fresh, ctx)
        assert _stored(fresh, tag) == []


def test_copy_path_keeps_row_level_security(
    backend: str,
    session: Session,
    tenant: TenantFixture,
    tenant_second: TenantFixture,
    model: dict[str, Any],
    copies: list[int],
) -> None:
    """Rows of another tenant written through a session bound to this one are refused by
    the INSERT that empties the COPY's stage (COPY itself cannot go around RLS)."""
    if backend != "postgresql":
        pytest.skip("row-level security is PostgreSQL's")
    bind_scope(session, _scope(tenant))
    rows = [
        {**record, "tenant_id": tenant_second.id, "company_id": tenant_second.company_id}
        for record in _records(model["id"], BIG, new_id()[:8])
    ]
    with pytest.raises(DBAPIError, match="row-level security"):
        bulk.copy_rows(session, AIModelPrediction.__table__, rows)
    assert copies == [BIG]


def test_none_takes_the_default_and_two_batches_share_a_transaction(
    backend: str,
    session: Session,
    tenant: TenantFixture,
    model: dict[str, Any],
    copies: list[int],
) -> None:
    ctx = _scope(tenant)
    bind_scope(session, ctx)
    repository = PredictionRepository(session, ctx)
    first = _records(model["id"], BIG, new_id()[:8])
    second = [{**record, "id": None} for record in _records(model["id"], BIG, "unused")]
    second[0]["input_data"] = {"amount": float("nan")}  # JSONB has no NaN: null, both paths
    repository.add_many(first, company_id=tenant.company_id)
    repository.add_many(second, company_id=tenant.company_id)
    repository.add_many(second[:SMALL], company_id=tenant.company_id)
    session.commit()
    assert copies == ([BIG, BIG] if backend == "postgresql" else [])
    stored = session.scalars(
        select(AIModelPrediction.input_data).where(
            AIModelPrediction.model_id == model["id"],
            AIModelPrediction.id.not_like("%-%"),  # the generated ids (hex, no dash)
        )
    ).all()
    assert len(stored) == BIG + SMALL
    assert stored.count({"amount": None}) == 2


def test_a_value_copy_cannot_carry_leaves_the_transaction_usable(
    backend: str, session: Session, tenant: TenantFixture, model: dict[str, Any]
) -> None:
    if backend != "postgresql":
        pytest.skip("the COPY path is PostgreSQL's")
    ctx = _scope(tenant)
    bind_scope(session, ctx)
    repository = PredictionRepository(session, ctx)
    broken = _records(model["id"], BIG, new_id()[:8])
    broken[-1]["variant"] = object()  # not text: formatting fails mid-COPY
    with pytest.raises(StatementError, match="cannot copy the rows"):
        repository.add_many(broken, company_id=tenant.company_id)
    tag = new_id()[:8]
    repository.add_many(_records(model["id"], BIG, tag), company_id=tenant.company_id)
    session.commit()
    assert len(_stored(session, tag)) == BIG
    assert _stored(session, broken[0]["id"].split("-")[0]) == []
