"""The demo's shifted amounts are detected at default settings, its stable ones are not.

The shift inflates expense amounts by 22% (log-normal, so the two distributions overlap a
lot: KS distance about 0.07). The model's drift check compares the reference profile's
value sample with the window's values; these tests run the same statistics on the demo
ledger's own expenses at ``make run``'s scale, for both demo companies, with the window
sizes the demo uses (``loader.SHIFTED_WEEKS`` x ``SHIFTED_ROWS_PER_WEEK`` shifted rows; two
stable weeks of ``EXPENSE_ROWS_PER_WEEK``).
"""

import numpy as np
import pandas as pd
import pytest

from urutiq_ai.demo import generate_ledger
from urutiq_ai.demo.loader import (
    COMPANIES,
    EXPENSE_ROWS_PER_WEEK,
    SHIFTED_ROWS_PER_WEEK,
    SHIFTED_WEEKS,
)
from urutiq_ai.ml import drift
from urutiq_ai.ml.profile import reference_profile


def _amounts(profile: str, seed: int) -> tuple[pd.Series, pd.Series]:
    expenses = generate_ledger(seed=seed, company_profile=profile).expenses
    expenses = expenses[expenses["amount"] > 0].sample(frac=1.0, random_state=3)
    by_period = {period: part["amount"] for period, part in expenses.groupby("period")}
    return by_period["reference"], by_period["shifted"]


def _status(reference: pd.Series, window: pd.Series) -> drift.ColumnDrift:
    profile = reference_profile(reference.to_frame(), {"amount": "numeric"})
    sample = np.asarray(profile["features"]["amount"]["sample"], dtype=float)
    report = drift.compare_samples(
        {"amount": drift.ColumnSample(drift.NUMERIC, values=sample, nulls=0)},
        {"amount": drift.numeric_sample(window)},
    )
    (column,) = report.columns
    return column


@pytest.mark.parametrize(("company", "profile", "seed"), [(c[0], c[2], c[3]) for c in COMPANIES])
def test_the_shifted_amounts_are_detected_and_the_stable_ones_are_not(
    company: str, profile: str, seed: int
) -> None:
    reference, shifted = _amounts(profile, seed)
    window = shifted.head(SHIFTED_WEEKS * SHIFTED_ROWS_PER_WEEK)
    assert len(window) == SHIFTED_WEEKS * SHIFTED_ROWS_PER_WEEK, company
    moved = _status(reference, window)
    assert moved.status == "detected", (company, moved.to_dict())

    stable = _status(reference, reference.head(SHIFTED_WEEKS * EXPENSE_ROWS_PER_WEEK))
    assert stable.status == "normal", (company, stable.to_dict())
