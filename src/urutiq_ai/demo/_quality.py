"""Deliberate data-quality problems, listed in ``qualityIssues`` and kept out of the anomalies."""

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._common import Plan, cents_to_money

UNBALANCED_ENTRIES = 8
MISSING_ENTRY_DESCRIPTIONS = 8
MISSING_EXPENSE_DESCRIPTIONS = 5
NEGATIVE_EXPENSES = 6
DUPLICATE_PAYMENT_IDS = 5
QUALITY_COLUMNS = ["table", "rowId", "issue"]


def add_quality_issues(
    plan: Plan,
    entries: pd.DataFrame,
    lines: pd.DataFrame,
    expenses: pd.DataFrame,
    payments: pd.DataFrame,
) -> pd.DataFrame:
    """Damage a few rows in place and return the list of what was damaged."""
    rng = plan.rng
    issues = [
        _unbalance(rng, entries, lines),
        _blank(rng, entries, "journalEntries", "entryId", MISSING_ENTRY_DESCRIPTIONS),
        _blank(rng, expenses, "expenses", "expenseId", MISSING_EXPENSE_DESCRIPTIONS),
        _negate(rng, expenses),
        _duplicate_ids(rng, payments),
    ]
    return pd.concat(issues, ignore_index=True)[QUALITY_COLUMNS]


def _issues(table: str, ids: np.ndarray, issue: str) -> pd.DataFrame:
    return pd.DataFrame({"table": table, "rowId": ids.astype(object), "issue": issue})


def _untouched_entries(entries: pd.DataFrame) -> np.ndarray:
    """Ordinary entries: no anomaly, no reversal on either side, not already damaged."""
    reversed_ids = set(entries["reversesEntryId"].dropna())
    ok = (
        ~entries["isAnomaly"]
        & ~entries["isReversal"]
        & ~entries["entryId"].isin(reversed_ids)
        & entries["description"].notna()
    )
    return np.flatnonzero(ok.to_numpy())


def _unbalance(
    rng: np.random.Generator, entries: pd.DataFrame, lines: pd.DataFrame
) -> pd.DataFrame:
    """The credit line of a few entries is off by a few cents to a few dollars."""
    rows = rng.choice(_untouched_entries(entries), size=UNBALANCED_ENTRIES, replace=False)
    ids = entries["entryId"].to_numpy()[rows]
    where = np.flatnonzero((lines["entryId"].isin(ids) & (lines["lineNumber"] == 2)).to_numpy())
    lines.loc[where, "_credit"] += rng.integers(1, 5_000, len(where))
    lines.loc[where, "credit"] = cents_to_money(lines.loc[where, "_credit"])
    return _issues("journalEntries", ids, "unbalanced_entry")


def _blank(
    rng: np.random.Generator, frame: pd.DataFrame, table: str, id_column: str, n: int
) -> pd.DataFrame:
    if table == "journalEntries":
        candidates = _untouched_entries(frame)
    else:
        candidates = np.flatnonzero(frame["description"].notna().to_numpy())
    rows = rng.choice(candidates, size=n, replace=False)
    frame.loc[rows, "description"] = None
    return _issues(table, frame[id_column].to_numpy()[rows], "missing_description")


def _negate(rng: np.random.Generator, expenses: pd.DataFrame) -> pd.DataFrame:
    rows = rng.choice(len(expenses), size=NEGATIVE_EXPENSES, replace=False)
    expenses.loc[rows, "amount"] = -expenses.loc[rows, "amount"]
    return _issues("expenses", expenses["expenseId"].to_numpy()[rows], "negative_amount")


def _duplicate_ids(rng: np.random.Generator, payments: pd.DataFrame) -> pd.DataFrame:
    """A few payments carry the id of the payment before them."""
    rows = np.sort(
        rng.choice(np.arange(1, len(payments), 2), size=DUPLICATE_PAYMENT_IDS, replace=False)
    )
    ids = payments["paymentId"].to_numpy()
    payments.loc[rows, "paymentId"] = ids[rows - 1]
    return _issues("payments", ids[rows - 1], "duplicate_id")
