"""Ledgers shared by the demo tests (generation is deterministic, so one per session)."""

import pytest

from urutiq_ai.demo import Ledger, generate_ledger


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    """The full-size default ledger (seed 7, 12 months, scale 1)."""
    return generate_ledger()


@pytest.fixture(scope="session")
def small_ledger() -> Ledger:
    return generate_ledger(seed=11, months=6, shift_month=4, scale=0.3)
