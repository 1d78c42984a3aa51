"""The seeded demo ledger generator (pure: numpy and pandas, no database).

See the :mod:`urutiq_ai.demo` docstring for the tables, the anomalies, the shift and the
quality issues. Amounts are built in integer cents, so journal entries balance and
invoice lines add up exactly, to the cent.
"""

from dataclasses import dataclass, fields
from datetime import date

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._anomalies import inject
from urutiq_ai.demo._catalog import PROFILES
from urutiq_ai.demo._common import Plan, month_starts
from urutiq_ai.demo._expenses import EXPENSE_COLUMNS, make_expenses
from urutiq_ai.demo._journal import (
    ENTRY_COLUMNS,
    LINE_COLUMNS,
    Batch,
    Keys,
    ap_entries,
    ar_entries,
    assemble,
    month_end_entries,
    payment_runs,
    payroll_entries,
    receipt_entries,
)
from urutiq_ai.demo._masters import CUSTOMER_COLUMNS, VENDOR_COLUMNS, make_customers, make_vendors
from urutiq_ai.demo._quality import QUALITY_COLUMNS, add_quality_issues
from urutiq_ai.demo._sales import INVOICE_COLUMNS, make_invoices, make_payments

# Python attribute -> the platform's camelCase frame name (also the Parquet file stem).
FRAME_NAMES: dict[str, str] = {
    "vendors": "vendors",
    "customers": "customers",
    "invoices": "invoices",
    "invoice_lines": "invoiceLines",
    "expenses": "expenses",
    "journal_entries": "journalEntries",
    "journal_lines": "journalLines",
    "payments": "payments",
    "quality_issues": "qualityIssues",
}
INVOICE_LINE_COLUMNS = ["lineId", "invoiceId", "description", "quantity", "unitPrice", "amount"]
PAYMENT_COLUMNS = ["paymentId", "invoiceId", "paymentDate", "amount", "method"]


@dataclass(frozen=True)
class Ledger:
    """One company's generated books; every frame has camelCase columns."""

    vendors: pd.DataFrame
    customers: pd.DataFrame
    invoices: pd.DataFrame
    invoice_lines: pd.DataFrame
    expenses: pd.DataFrame
    journal_entries: pd.DataFrame
    journal_lines: pd.DataFrame
    payments: pd.DataFrame
    quality_issues: pd.DataFrame

    def frames(self) -> dict[str, pd.DataFrame]:
        """Every frame under its camelCase name (``journalEntries``, ...)."""
        return {FRAME_NAMES[f.name]: getattr(self, f.name) for f in fields(self)}

    @classmethod
    def from_frames(cls, frames: dict[str, pd.DataFrame]) -> "Ledger":
        return cls(**{attr: frames[name] for attr, name in FRAME_NAMES.items()})


def generate_ledger(
    *,
    seed: int = 7,
    start: date = date(2025, 1, 1),
    months: int = 12,
    shift_month: int = 9,
    scale: float = 1.0,
    company_profile: str = "services",
) -> Ledger:
    """Generate a ledger; the same arguments always give identical frames.

    ``shift_month`` is the 1-based month of the horizon where the shifted period starts
    (9 with a January start: September); a value past ``months`` means no shift.
    ``scale`` multiplies volumes (customers, invoices, expenses, anomalies).
    """
    plan = _plan(seed, start, months, shift_month, scale, company_profile)
    vendors = make_vendors(plan)
    customers = make_customers(plan)
    invoices, invoice_lines = make_invoices(plan, customers)
    payments = make_payments(plan, invoices)
    expenses = make_expenses(plan, vendors)
    entries, lines = _journal(plan, vendors, expenses, invoices, payments)
    issues = add_quality_issues(plan, entries, lines, expenses, payments)
    return Ledger(
        vendors=_public(vendors, VENDOR_COLUMNS),
        customers=_public(customers, CUSTOMER_COLUMNS),
        invoices=_public(invoices, INVOICE_COLUMNS),
        invoice_lines=_public(invoice_lines, INVOICE_LINE_COLUMNS),
        expenses=_public(expenses, EXPENSE_COLUMNS),
        journal_entries=_public(entries, ENTRY_COLUMNS),
        journal_lines=_public(lines, [*LINE_COLUMNS, "debit", "credit"]),
        payments=_public(payments, PAYMENT_COLUMNS),
        quality_issues=_public(issues, QUALITY_COLUMNS),
    )


def _public(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """The published columns; text columns as pandas strings (missing: NaN), as Parquet
    gives them back, so a written and re-read ledger compares equal."""
    public = frame[columns].reset_index(drop=True)
    for column in columns:
        if public[column].dtype == object:
            public[column] = public[column].astype("str")
    return public


def _plan(
    seed: int, start: date, months: int, shift_month: int, scale: float, company_profile: str
) -> Plan:
    if company_profile not in PROFILES:
        raise ValueError(f"company_profile must be one of {sorted(PROFILES)}")
    if months < 2 or shift_month < 2:
        raise ValueError("months and shift_month must be at least 2")
    if not 0.05 <= scale <= 20:
        raise ValueError("scale must be between 0.05 and 20")
    return Plan(
        rng=np.random.default_rng(seed),
        month_starts=month_starts(start, months),
        shift_index=min(shift_month - 1, months),
        scale=scale,
        profile=PROFILES[company_profile],
    )


def _journal(
    plan: Plan,
    vendors: pd.DataFrame,
    expenses: pd.DataFrame,
    invoices: pd.DataFrame,
    payments: pd.DataFrame,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    keys = Keys()
    ap = ap_entries(plan, keys, expenses)
    batches: list[Batch] = [
        ap,
        ar_entries(plan, keys, invoices),
        receipt_entries(plan, keys, payments),
        payment_runs(plan, keys, expenses),
        payroll_entries(plan, keys),
        *month_end_entries(plan, keys),
    ]
    batches.extend(inject(plan, keys, ap, vendors))
    return assemble(plan, batches)
