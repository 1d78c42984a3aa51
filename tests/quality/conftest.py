"""Quality fixtures: a small demo ledger written to the platform tables for one company."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import APP_ROLE, TenantFixture
from urutiq_ai.demo.io import TABLE_SUFFIXES, write_sql
from urutiq_ai.demo.ledger import Ledger, generate_ledger

LEDGER_SCALE = 0.2
LEDGER_END = datetime(2026, 1, 1, tzinfo=UTC)
"""The default demo ledger covers 2025; its freshness is measured as of the next day."""


@dataclass
class LedgerFixture:
    tenant: TenantFixture
    ledger: Ledger


@pytest.fixture(scope="session")
def demo_ledger() -> Ledger:
    return generate_ledger(seed=7, scale=LEDGER_SCALE)


@pytest.fixture
def write_ledger(database_url: str, backend: str) -> Callable[[TenantFixture, Ledger], None]:
    def write(tenant: TenantFixture, ledger: Ledger) -> None:
        engine = create_engine(database_url)
        write_sql(ledger, engine, tenant_id=tenant.id, company_id=tenant.company_id)
        if backend == "postgresql":
            with engine.begin() as conn:
                for name in ledger.frames():
                    table = f"Ledger{TABLE_SUFFIXES[name]}"
                    conn.execute(text(f'GRANT SELECT ON "{table}" TO {APP_ROLE}'))
        engine.dispose()

    return write


@pytest.fixture
def ledger_tenant(
    tenant: TenantFixture,
    demo_ledger: Ledger,
    write_ledger: Callable[[TenantFixture, Ledger], None],
) -> LedgerFixture:
    write_ledger(tenant, demo_ledger)
    return LedgerFixture(tenant, demo_ledger)
