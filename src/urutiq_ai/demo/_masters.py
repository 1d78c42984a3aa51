"""Vendors and customers: the master data, with the hidden traits that drive behaviour."""

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._catalog import (
    CATEGORY_AMOUNT,
    CUSTOMER_PREFIXES,
    CUSTOMER_SUFFIXES,
    RECURRING_CATEGORIES,
    REFERENCE_VENDORS,
    REGIONS,
    SEGMENTS,
    SHIFT_VENDORS,
)
from urutiq_ai.demo._common import Plan

VENDOR_COLUMNS = ["vendorId", "vendorName", "defaultCategory", "country"]
CUSTOMER_COLUMNS = [
    "customerId",
    "customerName",
    "segment",
    "region",
    "paymentTermsDays",
]
SEGMENT_SHARE = (0.5, 0.35, 0.15)
SEGMENT_TERMS: dict[str, tuple[tuple[int, ...], tuple[float, ...]]] = {
    "small": ((15, 30, 45), (0.45, 0.45, 0.1)),
    "mid": ((30, 45, 60), (0.5, 0.35, 0.15)),
    "enterprise": ((30, 45, 60), (0.15, 0.35, 0.5)),
}
SEGMENT_INVOICE_MEDIAN = {"small": 0.5, "mid": 1.6, "enterprise": 4.5}
SEGMENT_ACTIVITY = {"small": 0.7, "mid": 1.1, "enterprise": 1.8}
BAD_PAYER_SHARE = 0.05


def make_vendors(plan: Plan) -> pd.DataFrame:
    """All vendors, reference ones first; hidden traits are underscore-prefixed columns."""
    rng = plan.rng
    rows = [(*row, False) for row in REFERENCE_VENDORS] + [(*row, True) for row in SHIFT_VENDORS]
    frame = pd.DataFrame(
        rows, columns=["vendorName", "defaultCategory", "_secondary", "country", "_isNew"]
    )
    ids = rng.permutation(len(frame)) + 1
    frame.insert(0, "vendorId", [f"V{number:04d}" for number in ids])
    medians = frame["defaultCategory"].map(lambda c: CATEGORY_AMOUNT[c][0]).to_numpy()
    # New vendors differ less from one another, so the shift is the same across seeds.
    spread = np.where(frame["_isNew"], 0.5, 1.0)
    frame["_amountScale"] = np.exp(rng.normal(0.0, 0.35, len(frame)) * spread)
    frame["_median"] = medians * frame["_amountScale"]
    frame["_activity"] = np.exp(rng.normal(0.0, 0.6, len(frame)) * spread)
    frame["_recurring"] = frame["defaultCategory"].isin(RECURRING_CATEGORIES) & (
        frame["_secondary"] == ""
    )
    frame["_billingDay"] = np.where(
        frame["defaultCategory"] == "rent", 0, rng.integers(0, 25, len(frame))
    )
    frame["_secondaryShare"] = np.where(
        frame["_secondary"] != "", rng.uniform(0.3, 0.45, len(frame)), 0.0
    )
    return frame


def make_customers(plan: Plan) -> pd.DataFrame:
    rng = plan.rng
    n = max(8, round(80 * plan.scale))
    segment = rng.choice(np.array(SEGMENTS), size=n, p=SEGMENT_SHARE)
    terms = np.empty(n, dtype=np.int64)
    for name, (options, weights) in SEGMENT_TERMS.items():
        mask = segment == name
        terms[mask] = rng.choice(np.array(options), size=int(mask.sum()), p=weights)
    frame = pd.DataFrame(
        {
            "customerId": [f"C{number:04d}" for number in range(1, n + 1)],
            "customerName": _customer_names(rng, n),
            "segment": segment,
            "region": rng.choice(np.array(REGIONS), size=n, p=[0.5, 0.3, 0.12, 0.08]),
            "paymentTermsDays": terms,
        }
    )
    frame["_lateness"] = rng.normal(0.0, 5.0, n)
    frame["_neverPays"] = np.where(rng.random(n) < BAD_PAYER_SHARE, 0.45, 0.004)
    frame["_activity"] = frame["segment"].map(SEGMENT_ACTIVITY) * np.exp(rng.normal(0, 0.4, n))
    frame["_invoiceScale"] = frame["segment"].map(SEGMENT_INVOICE_MEDIAN) * np.exp(
        rng.normal(0, 0.3, n)
    )
    return frame


def _customer_names(rng: np.random.Generator, n: int) -> list[str]:
    combos = [f"{p} {s}" for p in CUSTOMER_PREFIXES for s in CUSTOMER_SUFFIXES]
    order = rng.permutation(len(combos))
    names = [combos[i] for i in order[: min(n, len(combos))]]
    for extra in range(len(names), n):  # very large scales: number the repeats
        names.append(f"{combos[order[extra % len(combos)]]} {extra // len(combos) + 1}")
    return names
