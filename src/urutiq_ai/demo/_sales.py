"""Customer invoices, their lines and the payments that settle them."""

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._catalog import PAYMENT_METHODS, SAAS_PLANS
from urutiq_ai.demo._common import (
    Floats,
    Ints,
    Plan,
    business_days,
    cents_to_money,
    fill_texts,
    month_labels,
    pick,
    random_days,
    to_timestamps,
)

INVOICES_PER_MONTH = 125
INVOICE_SEASON = (0.9, 0.9, 1.0, 1.0, 1.0, 0.95, 0.9, 0.9, 1.0, 1.1, 1.2, 1.3)
LINE_COUNT_P = (0.3, 0.3, 0.2, 0.12, 0.08)
SHIFT_PRICE_FACTOR = 1.08
SEGMENT_LATENESS = {"small": -3.0, "mid": 3.0, "enterprise": 13.0}
SHIFT_EXTRA_DAYS = 7.0
SPLIT_PAYMENT_RATE = 0.08
INVOICE_COLUMNS = [
    "invoiceId",
    "customerId",
    "customerName",
    "segment",
    "region",
    "issueDate",
    "dueDate",
    "paymentTermsDays",
    "amount",
    "currency",
    "paidDate",
    "daysToPay",
    "period",
]


def calendar_month(plan: Plan, month_index: Ints) -> Ints:
    """0 = January, for each 0-based month of the horizon."""
    months = plan.month_starts[month_index].astype("datetime64[M]").astype(np.int64)
    return months % 12


def monthly_counts(plan: Plan, per_month: float, season: tuple[float, ...]) -> Ints:
    months = np.arange(plan.months)
    rate = per_month * plan.scale * np.asarray(season)[calendar_month(plan, months)]
    return plan.rng.poisson(rate).astype(np.int64)


def make_invoices(plan: Plan, customers: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Invoices (sorted, with ids) and their lines; amounts are the exact sums of the lines."""
    rng = plan.rng
    counts = monthly_counts(plan, INVOICES_PER_MONTH, INVOICE_SEASON)
    month_index = np.repeat(np.arange(plan.months), counts)
    weights = customers["_activity"].to_numpy()
    who = rng.choice(len(customers), size=len(month_index), p=weights / weights.sum())
    issue = np.sort(business_days(random_days(plan, month_index)))
    frame = customers.iloc[who].reset_index(drop=True)
    invoices = pd.DataFrame(
        {
            "invoiceId": [f"INV-{n:06d}" for n in range(1, len(issue) + 1)],
            "customerId": frame["customerId"],
            "customerName": frame["customerName"],
            "segment": frame["segment"],
            "region": frame["region"],
            "issueDate": to_timestamps(issue),
            "paymentTermsDays": frame["paymentTermsDays"],
        }
    )
    lines = _invoice_lines(plan, invoices, frame["_invoiceScale"].to_numpy(), issue)
    cents = lines.groupby("invoiceId", sort=False)["_cents"].sum()
    invoices["_cents"] = invoices["invoiceId"].map(cents).astype(np.int64)
    invoices["amount"] = cents_to_money(invoices["_cents"])
    invoices["currency"] = np.where(invoices["region"] == "europe", "EUR", "USD")
    invoices["dueDate"] = invoices["issueDate"] + pd.to_timedelta(
        invoices["paymentTermsDays"], unit="D"
    )
    invoices["period"] = plan.period_of(issue)
    _settle(plan, invoices, frame)
    return invoices, lines


def _invoice_lines(
    plan: Plan, invoices: pd.DataFrame, invoice_scale: Floats, issue: np.ndarray
) -> pd.DataFrame:
    rng = plan.rng
    n_lines = rng.choice(np.arange(1, 6), size=len(invoices), p=LINE_COUNT_P)
    owner = np.repeat(np.arange(len(invoices)), n_lines)
    items = plan.profile.line_items
    template = rng.integers(0, len(items), len(owner))
    median = np.array([price for _, price in items])[template]
    shifted = plan.period_of(issue[owner]) == "shifted"
    unit = (
        median * np.exp(rng.normal(0, 0.2, len(owner))) * np.where(shifted, SHIFT_PRICE_FACTOR, 1)
    )
    unit_cents = np.maximum(np.round(unit * 100), 100).astype(np.int64)
    low, high = plan.profile.quantity_range
    quantity = np.round(np.exp(rng.normal(np.log(4.0 * invoice_scale[owner]), 0.6)))
    quantity = np.clip(quantity, low, high * 4).astype(np.int64)
    texts = fill_texts(
        [items[i][0] for i in template],
        {"month": month_labels(issue[owner]), "plan": list(pick(rng, SAAS_PLANS, len(owner)))},
    )
    return pd.DataFrame(
        {
            "lineId": [f"IL-{n:07d}" for n in range(1, len(owner) + 1)],
            "invoiceId": invoices["invoiceId"].to_numpy()[owner],
            "description": texts,
            "quantity": quantity,
            "unitPrice": cents_to_money(unit_cents),
            "amount": cents_to_money(unit_cents * quantity),
            "_cents": unit_cents * quantity,
        }
    )


def _settle(plan: Plan, invoices: pd.DataFrame, customers: pd.DataFrame) -> None:
    """Payment behaviour: terms, segment, customer habit, size; some never pay."""
    rng = plan.rng
    n = len(invoices)
    shifted = (invoices["period"] == "shifted").to_numpy()
    size = np.log(invoices["_cents"].to_numpy() / 100.0 / 2_000.0)
    days = (
        invoices["paymentTermsDays"].to_numpy()
        + invoices["segment"].map(SEGMENT_LATENESS).to_numpy()
        + customers["_lateness"].to_numpy()
        + 2.5 * size
        + rng.normal(0.0, 10.0, n)
        + np.where(rng.random(n) < 0.2, rng.exponential(25.0, n), 0.0)
        + np.where(shifted, SHIFT_EXTRA_DAYS, 0.0)
    )
    days = np.maximum(np.round(days), 1).astype(np.int64)
    issue = invoices["issueDate"].to_numpy().astype("datetime64[D]")
    paid = business_days(issue + days.astype("timedelta64[D]"))
    never = rng.random(n) < customers["_neverPays"].to_numpy()
    unpaid = never | (paid >= plan.end)
    invoices["paidDate"] = to_timestamps(paid).where(~unpaid)
    delay = (paid - issue).astype(np.int64).astype(np.float64)
    invoices["daysToPay"] = np.where(unpaid, np.nan, delay)


def make_payments(plan: Plan, invoices: pd.DataFrame) -> pd.DataFrame:
    """One payment per paid invoice, two for some (a part payment first); sums match."""
    rng = plan.rng
    paid = invoices[invoices["paidDate"].notna()]
    split = rng.random(len(paid)) < SPLIT_PAYMENT_RATE
    total = paid["_cents"].to_numpy()
    first = np.round(total * rng.uniform(0.3, 0.7, len(paid))).astype(np.int64)
    issue = paid["issueDate"].to_numpy().astype("datetime64[D]")
    last = paid["paidDate"].to_numpy().astype("datetime64[D]")
    span = (last - issue).astype(np.int64)
    early = business_days(issue + np.floor(span * rng.uniform(0.3, 0.8)).astype("timedelta64[D]"))
    early = np.minimum(early, last)
    frame = pd.DataFrame(
        {
            "invoiceId": np.concatenate([paid["invoiceId"], paid["invoiceId"][split]]),
            "paymentDate": np.concatenate([last, early[split]]),
            "_cents": np.concatenate([np.where(split, total - first, total), first[split]]),
        }
    )
    frame = frame.sort_values(["paymentDate", "invoiceId"], kind="stable").reset_index(drop=True)
    frame.insert(0, "paymentId", [f"PAY-{n:06d}" for n in range(1, len(frame) + 1)])
    frame["paymentDate"] = to_timestamps(frame["paymentDate"].to_numpy())
    frame["amount"] = cents_to_money(frame["_cents"])
    frame["method"] = rng.choice(
        np.array(PAYMENT_METHODS), size=len(frame), p=[0.5, 0.3, 0.12, 0.08]
    )
    return frame
