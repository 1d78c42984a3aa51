"""Pipeline fixtures: the demo ledger in the platform tables (see tests/quality/conftest.py),
and the CLI's per-test database (see tests/cli/conftest.py) for the run-mode commands."""

from tests.cli.conftest import data_dir, db_url, invoke, local, template_dir
from tests.quality.conftest import demo_ledger, ledger_tenant, write_ledger

__all__ = [
    "data_dir",
    "db_url",
    "demo_ledger",
    "invoke",
    "ledger_tenant",
    "local",
    "template_dir",
    "write_ledger",
]
