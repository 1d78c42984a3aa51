"""A small expense table in the test database, and helpers to train and wait for runs."""

import sqlite3
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Column, Engine, Float, MetaData, String, Table, Text, create_engine, text

from tests.conftest import APP_ROLE, TenantFixture

SOURCE = "TestExpenseSource"
VENDORS = {
    "AWS": ("software", "cloud hosting subscription"),
    "Delta": ("travel", "flight ticket trip"),
    "Staples": ("office", "paper pens supplies"),
    "Verizon": ("telecom", "mobile phone plan"),
}
POLL_SECONDS = 0.05
POLL_LIMIT = 2400  # polls (2 min), not a timing assertion: a stuck run fails, it does not hang


@pytest.fixture(scope="session")
def expense_table(database_url: str, backend: str) -> str:
    engine = create_engine(database_url)
    table = Table(
        SOURCE,
        MetaData(),
        Column("tenantId", String(64)),
        Column("companyId", String(64)),
        Column("vendorName", String(64)),
        Column("description", Text),
        Column("amount", Float),
        Column("category", String(64)),
        Column("cost", Float),
    )
    table.create(engine, checkfirst=True)
    if backend == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f'GRANT SELECT ON "{SOURCE}" TO {APP_ROLE}'))
    engine.dispose()
    return database_url


def expense_rows(
    tenant: TenantFixture, company: str, n: int = 240, seed: int = 0, single_class: bool = False
) -> list[dict[str, Any]]:
    rng = np.random.default_rng(seed)
    names = ["AWS"] if single_class else list(VENDORS)
    rows = []
    for i in range(n):
        vendor = names[i % len(names)]
        category, words = VENDORS[vendor]
        amount = float(rng.lognormal(5, 0.5))
        rows.append(
            {
                "tenantId": tenant.id,
                "companyId": company,
                "vendorName": vendor,
                "description": f"{words} {i}",
                "amount": amount,
                "category": category,
                "cost": amount * 1.2 + float(rng.normal(0, 1)),
            }
        )
    return rows


@pytest.fixture
def seed_expenses(expense_table: str) -> Callable[..., None]:
    def seed(tenant: TenantFixture, company: str | None = None, **kwargs: Any) -> None:
        engine = create_engine(expense_table)
        table = Table(SOURCE, MetaData(), autoload_with=engine)
        with engine.begin() as conn:
            conn.execute(
                table.insert(), expense_rows(tenant, company or tenant.company_id, **kwargs)
            )
        engine.dispose()

    return seed


def train_request(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "modelName": "expenses",
        "modelType": "classification",
        "algorithm": "random_forest",
        "source": {"table": SOURCE},
        "featureColumns": ["vendorName", "description", "amount"],
        "targetColumn": "category",
        "hyperparameters": {"n_estimators": 20},
    }
    body.update(overrides)
    return body


def wait_for_run(
    client: TestClient, tenant: TenantFixture, run_id: str, company: str | None = None
) -> dict[str, Any]:
    for _ in range(POLL_LIMIT):
        run: dict[str, Any] = client.get(
            tenant.url(f"training-runs/{run_id}", company), headers=tenant.headers()
        ).json()
        if run["status"] != "running":
            return run
        time.sleep(POLL_SECONDS)
    raise AssertionError(f"run {run_id} still running after {POLL_LIMIT} polls")


def write_from_another_connection(engine: Engine) -> str:
    """Begin and end a write transaction on ``engine``'s SQLite file from a connection of its
    own that does not wait (as another process would, with no busy timeout): raises
    ``database is locked`` while a transaction of the app holds the write lock."""
    other = sqlite3.connect(str(engine.url.database), timeout=0, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    finally:
        other.close()
    return "written"
