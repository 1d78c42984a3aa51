"""Pipeline fixtures: the demo ledger in the platform tables (see tests/quality/conftest.py)."""

from tests.quality.conftest import demo_ledger, ledger_tenant, write_ledger

__all__ = ["demo_ledger", "ledger_tenant", "write_ledger"]
