"""Normal journal entries: one per expense, invoice and payment, plus runs and month-end work.

Builders return an entries frame and a lines frame joined on a temporary integer key
``_k``; :func:`assemble` sorts everything by posting time and gives the final ids.
Amounts are integer cents (``_cents``, ``_debit``, ``_credit``) until then, so every
entry balances exactly.
"""

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._catalog import CATEGORY_ACCOUNT, CHART_OF_ACCOUNTS
from urutiq_ai.demo._common import (
    Dates,
    Ints,
    Plan,
    business_days,
    cents_to_money,
    pick,
    posting_times,
    to_timestamps,
)

AP_CLERKS = ("maria.lopez", "james.chen")
AR_CLERKS = ("sarah.okafor", "dev.patel")
CONTROLLERS = ("controller.kim", "cfo.alvarez")
PAYROLL_GROSS = 95_000.0
WITHHOLDING_RATE = 0.27
ENTRY_COLUMNS = [
    "entryId",
    "entryDate",
    "postedAt",
    "description",
    "source",
    "createdBy",
    "isReversal",
    "reversesEntryId",
    "totalAmount",
    "isAnomaly",
    "anomalyType",
    "period",
]
LINE_COLUMNS = ["lineId", "entryId", "lineNumber", "account", "accountName", "vendorId"]


@dataclass
class Keys:
    """Hands out the temporary entry keys, unique across all builders."""

    used: int = 0

    def take(self, n: int) -> Ints:
        keys = np.arange(self.used, self.used + n, dtype=np.int64)
        self.used += n
        return keys


@dataclass(frozen=True)
class Batch:
    entries: pd.DataFrame
    lines: pd.DataFrame


def entries_frame(
    keys: Ints,
    dates: Dates,
    posted: Dates,
    descriptions: Sequence[str] | np.ndarray,
    *,
    source: str,
    created_by: np.ndarray,
    cents: Ints,
    reverses: Ints | None = None,
    anomaly: str | None = None,
) -> pd.DataFrame:
    n = len(keys)
    return pd.DataFrame(
        {
            "_k": keys,
            "entryDate": dates.astype("datetime64[D]"),
            "postedAt": posted.astype("datetime64[s]"),
            "description": np.asarray(descriptions, dtype=object),
            "source": source,
            "createdBy": created_by,
            "isReversal": reverses is not None,
            "_reverses": reverses if reverses is not None else np.full(n, -1, dtype=np.int64),
            "_cents": cents,
            "isAnomaly": anomaly is not None,
            "anomalyType": anomaly,
        }
    )


def line_pair(
    keys: Ints, debit: np.ndarray | str, credit: np.ndarray | str, cents: Ints, vendors: object
) -> pd.DataFrame:
    """Two lines per entry: line 1 debits ``debit``, line 2 credits ``credit``."""
    n = len(keys)
    zero = np.zeros(n, dtype=np.int64)
    vendor = np.broadcast_to(np.asarray(vendors, dtype=object), (n,))
    first = pd.DataFrame(
        {"_k": keys, "lineNumber": 1, "account": debit, "vendorId": vendor, "_debit": cents}
    )
    first["_credit"] = zero
    second = pd.DataFrame(
        {"_k": keys, "lineNumber": 2, "account": credit, "vendorId": vendor, "_debit": zero}
    )
    second["_credit"] = cents
    return pd.concat([first, second], ignore_index=True)


def ap_entries(plan: Plan, keys: Keys, expenses: pd.DataFrame) -> Batch:
    """One accounts-payable entry per expense: debit the expense account, credit AP."""
    k = keys.take(len(expenses))
    dates = expenses["expenseDate"].to_numpy().astype("datetime64[D]")
    cents = expenses["_cents"].to_numpy()
    entries = entries_frame(
        k,
        dates,
        posting_times(plan.rng, dates),
        expenses["description"].to_numpy(),
        source="ap",
        created_by=pick(plan.rng, AP_CLERKS, len(k)),
        cents=cents,
    )
    accounts = expenses["category"].map(CATEGORY_ACCOUNT).to_numpy()
    lines = line_pair(k, accounts, "2000", cents, expenses["vendorId"].to_numpy())
    return Batch(entries, lines)


def ar_entries(plan: Plan, keys: Keys, invoices: pd.DataFrame) -> Batch:
    k = keys.take(len(invoices))
    dates = invoices["issueDate"].to_numpy().astype("datetime64[D]")
    cents = invoices["_cents"].to_numpy()
    texts = "Invoice " + invoices["invoiceId"] + " - " + invoices["customerName"]
    entries = entries_frame(
        k,
        dates,
        posting_times(plan.rng, dates),
        texts.to_numpy(),
        source="ar",
        created_by=pick(plan.rng, AR_CLERKS, len(k)),
        cents=cents,
    )
    return Batch(entries, line_pair(k, "1200", "4000", cents, None))


def receipt_entries(plan: Plan, keys: Keys, payments: pd.DataFrame) -> Batch:
    k = keys.take(len(payments))
    dates = payments["paymentDate"].to_numpy().astype("datetime64[D]")
    cents = payments["_cents"].to_numpy()
    texts = "Customer payment " + payments["paymentId"] + " for " + payments["invoiceId"]
    entries = entries_frame(
        k,
        dates,
        posting_times(plan.rng, dates),
        texts.to_numpy(),
        source="bank",
        created_by=np.full(len(k), "bank-feed"),
        cents=cents,
    )
    return Batch(entries, line_pair(k, "1000", "1200", cents, None))


def payment_runs(plan: Plan, keys: Keys, expenses: pd.DataFrame) -> Batch:
    """Weekly AP payment runs: every Friday, the bills of the week before are paid."""
    dates = expenses["expenseDate"].to_numpy().astype("datetime64[D]")
    weekday = (dates.astype(np.int64) + 3) % 7
    friday = dates + ((4 - weekday) % 7 + 7).astype("timedelta64[D]")
    totals = pd.Series(expenses["_cents"].to_numpy()).groupby(friday).sum()
    run_dates = business_days(totals.index.to_numpy().astype("datetime64[D]"))
    keep = run_dates < plan.end
    run_dates, cents = run_dates[keep], totals.to_numpy()[keep].astype(np.int64)
    k = keys.take(len(cents))
    texts = [f"AP payment run {day}" for day in np.datetime_as_string(run_dates)]
    entries = entries_frame(
        k,
        run_dates,
        posting_times(plan.rng, run_dates),
        texts,
        source="ap",
        created_by=np.full(len(k), "ap-payment-run"),
        cents=cents,
    )
    return Batch(entries, line_pair(k, "2000", "1000", cents, None))


def payroll_entries(plan: Plan, keys: Keys) -> Batch:
    """Twice a month: debit gross wages, credit withholdings and the net cash paid."""
    rng = plan.rng
    starts = plan.month_starts[:-1]
    mid = business_days(starts + np.timedelta64(14, "D"))
    last = business_days(plan.month_starts[1:] - np.timedelta64(1, "D"))
    dates = np.sort(np.concatenate([mid, last]))
    raise_factor = np.where(plan.period_of(dates) == "shifted", 1.04, 1.0)
    gross = PAYROLL_GROSS * plan.scale * raise_factor * np.exp(rng.normal(0, 0.02, len(dates)))
    gross_cents = np.round(gross * 100).astype(np.int64)
    held = np.round(gross_cents * WITHHOLDING_RATE).astype(np.int64)
    k = keys.take(len(dates))
    entries = entries_frame(
        k,
        dates,
        posting_times(rng, dates),
        [f"Payroll {day}" for day in np.datetime_as_string(dates)],
        source="payroll",
        created_by=np.full(len(k), "payroll-system"),
        cents=gross_cents,
    )
    lines = line_pair(k, "6000", "2200", gross_cents, None)
    lines.loc[lines["lineNumber"] == 2, "_credit"] = held
    net = pd.DataFrame({"_k": k, "lineNumber": 3, "account": "1000", "vendorId": None})
    net["_debit"], net["_credit"] = 0, gross_cents - held
    return Batch(entries, pd.concat([lines, net], ignore_index=True))


def month_end_entries(plan: Plan, keys: Keys) -> list[Batch]:
    """Depreciation, an audit-fee accrual (reversed next month) and bank fees."""
    rng = plan.rng
    ends = business_days(plan.month_starts[1:] - np.timedelta64(1, "D"))
    n = len(ends)
    controllers = pick(rng, CONTROLLERS, n)
    depreciation = np.full(n, max(round(248_333 * plan.scale), 10_000), dtype=np.int64)
    accrual = np.maximum(np.round(rng.uniform(3_000, 6_000, n) * plan.scale * 100), 10_000)
    accrual = accrual.astype(np.int64)  # unbilled hours x rate: not a round figure
    fees = np.round(rng.uniform(35, 150, n) * 100).astype(np.int64)
    batches = []
    for text, debit, credit, cents, source in (
        ("Monthly depreciation", "6800", "1510", depreciation, "manual"),
        ("Accrued audit fees", "6700", "2100", accrual, "manual"),
        ("Bank service charges", "6900", "1000", fees, "bank"),
    ):
        k = keys.take(n)
        creators = np.full(n, "bank-feed") if source == "bank" else controllers
        texts = [f"{text} {day[:7]}" for day in np.datetime_as_string(ends)]
        entries = entries_frame(
            k,
            ends,
            posting_times(rng, ends),
            texts,
            source=source,
            created_by=creators,
            cents=cents,
        )
        batches.append(Batch(entries, line_pair(k, debit, credit, cents, None)))
    batches.append(_accrual_reversals(plan, keys, batches[1]))
    return batches


def _accrual_reversals(plan: Plan, keys: Keys, accruals: Batch) -> Batch:
    """The routine reversal of each accrual on the first business day of the next month."""
    starts = business_days(plan.month_starts[1:-1])
    original = accruals.entries.iloc[: len(starts)]
    return reverse(plan, keys, accruals, original, starts, anomaly=None)


def reverse(
    plan: Plan,
    keys: Keys,
    source: Batch,
    original: pd.DataFrame,
    dates: Dates,
    *,
    anomaly: str | None,
) -> Batch:
    """Entries that reverse ``original`` (rows of ``source.entries``) on ``dates``."""
    k = keys.take(len(original))
    old = original["_k"].to_numpy()
    texts = ("Reversal: " + original["description"].astype(str)).to_numpy()
    entries = entries_frame(
        k,
        dates,
        posting_times(plan.rng, dates),
        texts,
        source=str(original["source"].iloc[0]) if len(original) else "manual",
        created_by=pick(plan.rng, CONTROLLERS, len(k)),
        cents=original["_cents"].to_numpy(),
        reverses=old,
        anomaly=anomaly,
    )
    lines = copy_lines(source.lines, old, k)
    lines["_debit"], lines["_credit"] = lines["_credit"].to_numpy(), lines["_debit"].to_numpy()
    return Batch(entries, lines)


def copy_lines(lines: pd.DataFrame, old: Ints, new: Ints) -> pd.DataFrame:
    """The lines of entries ``old``, re-keyed to ``new`` (same order)."""
    copied = lines[lines["_k"].isin(old)].copy()
    copied["_k"] = copied["_k"].map(dict(zip(old, new, strict=True)))
    return copied.reset_index(drop=True)


def assemble(plan: Plan, batches: Sequence[Batch]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Final journal frames: sorted by posting time, with ids, money columns and periods."""
    entries = pd.concat([b.entries for b in batches], ignore_index=True)
    entries = entries.sort_values(["postedAt", "_k"], kind="stable").reset_index(drop=True)
    ids = pd.Series([f"JE-{n:06d}" for n in range(1, len(entries) + 1)], index=entries["_k"])
    entries.insert(0, "entryId", ids.to_numpy())
    entries["reversesEntryId"] = entries["_reverses"].map(ids).astype(object)
    entries["reversesEntryId"] = entries["reversesEntryId"].where(entries["_reverses"] >= 0, None)
    entries["totalAmount"] = cents_to_money(entries["_cents"])
    dates = entries["entryDate"].to_numpy()
    entries["period"] = plan.period_of(dates)
    entries["entryDate"] = to_timestamps(dates)
    entries["postedAt"] = to_timestamps(entries["postedAt"].to_numpy())
    entries["anomalyType"] = entries["anomalyType"].astype(object).where(entries["isAnomaly"], None)
    lines = pd.concat([b.lines for b in batches], ignore_index=True)
    order = pd.Series(np.arange(len(entries)), index=entries["_k"])
    lines["_order"] = lines["_k"].map(order)
    lines = lines.sort_values(["_order", "lineNumber"], kind="stable").reset_index(drop=True)
    lines.insert(0, "lineId", [f"JL-{n:07d}" for n in range(1, len(lines) + 1)])
    lines.insert(1, "entryId", lines["_k"].map(ids).to_numpy())
    lines["accountName"] = lines["account"].map(CHART_OF_ACCOUNTS)
    lines["debit"] = cents_to_money(lines["_debit"])
    lines["credit"] = cents_to_money(lines["_credit"])
    return entries, lines
