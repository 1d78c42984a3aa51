"""The five injected anomaly kinds, each a set of extra journal entries with ground truth."""

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._catalog import CATEGORIES, CATEGORY_ACCOUNT, CITIES, DESCRIPTIONS
from urutiq_ai.demo._common import (
    Dates,
    Plan,
    at_time,
    business_days,
    fill_texts,
    month_labels,
    pick,
    posting_times,
    random_days,
)
from urutiq_ai.demo._journal import (
    AP_CLERKS,
    CONTROLLERS,
    Batch,
    Keys,
    copy_lines,
    entries_frame,
    line_pair,
    reverse,
)

ANOMALY_TYPES = (
    "duplicate_invoice",
    "split_below_limit",
    "unusual_vendor_account",
    "off_hours_posting",
    "reversed_entry",
)
PER_KIND = 24  # at scale 1 over 12 months
APPROVAL_LIMITS = np.array([5_000, 10_000])
SPLIT_CATEGORIES = ("hardware", "professional_services", "marketing", "software")
OFF_HOURS = np.array([22, 23, 0, 1, 2, 3, 4])
NIGHT_USERS = (*CONTROLLERS, "temp.contractor")


def per_kind(plan: Plan) -> int:
    return max(3, round(PER_KIND * plan.scale * plan.months / 12))


def inject(plan: Plan, keys: Keys, ap: Batch, vendors: pd.DataFrame) -> list[Batch]:
    """Extra entries of every kind; duplicates and reversals copy real AP entries."""
    n = per_kind(plan)
    pool = ap.entries[
        (ap.entries["_cents"] >= 20_000)
        & (ap.entries["entryDate"] < plan.end - np.timedelta64(20, "D"))
    ]
    chosen = pool.iloc[plan.rng.choice(len(pool), size=2 * n, replace=False)]
    regular = vendors[~vendors["_isNew"] & ~vendors["_recurring"]].reset_index(drop=True)
    return [
        _duplicates(plan, keys, ap, chosen.iloc[:n]),
        _splits(plan, keys, regular, n),
        _unusual_pairs(plan, keys, vendors[~vendors["_isNew"]].reset_index(drop=True), n),
        _off_hours(plan, keys, regular, n),
        _reversals(plan, keys, ap, chosen.iloc[n:]),
    ]


def _duplicates(plan: Plan, keys: Keys, ap: Batch, original: pd.DataFrame) -> Batch:
    """The same bill entered again a few days later: same vendor, amount and text."""
    k = keys.take(len(original))
    lag = plan.rng.integers(1, 5, len(k))  # 1-4 business days: always within a week
    dates = np.busday_offset(
        original["entryDate"].to_numpy().astype("datetime64[D]"), lag, roll="forward"
    )
    entries = entries_frame(
        k,
        dates,
        posting_times(plan.rng, dates),
        original["description"].to_numpy(),
        source="ap",
        created_by=pick(plan.rng, AP_CLERKS, len(k)),
        cents=original["_cents"].to_numpy(),
        anomaly="duplicate_invoice",
    )
    return Batch(entries, copy_lines(ap.lines, original["_k"].to_numpy(), k))


def _splits(plan: Plan, keys: Keys, regular: pd.DataFrame, n: int) -> Batch:
    """A purchase split into 2-3 equal round bills just under an approval limit."""
    rng = plan.rng
    sizes = rng.choice(np.array([2, 3]), size=n)
    groups = int(np.searchsorted(np.cumsum(sizes), n)) + 1
    sizes = sizes[:groups]
    group = np.repeat(np.arange(groups), sizes)
    within = np.arange(len(group)) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    pool = regular[regular["defaultCategory"].isin(SPLIT_CATEGORIES)].reset_index(drop=True)
    vendor = pool.iloc[rng.integers(0, len(pool), groups)].reset_index(drop=True)
    limit = rng.choice(APPROVAL_LIMITS, size=groups)
    cents = ((limit - 100 * rng.integers(1, 4, groups)) * 100)[group].astype(np.int64)
    first = business_days(random_days(plan, rng.integers(0, plan.months, groups)))
    offset = within * rng.integers(0, 2, len(group))
    dates = np.busday_offset(first[group], offset, roll="forward")
    dates = np.where(dates >= plan.end, np.busday_offset(first[group], -offset), dates)
    category = vendor["defaultCategory"].to_numpy()[group]
    texts = _texts(plan, category, vendor["vendorName"].to_numpy()[group], dates)
    k = keys.take(len(group))
    entries = entries_frame(
        k,
        dates,
        posting_times(rng, dates),
        np.asarray(texts)[np.repeat(np.cumsum(sizes) - sizes, sizes)],
        source="ap",
        created_by=pick(rng, AP_CLERKS, len(k)),
        cents=cents,
        anomaly="split_below_limit",
    )
    accounts = pd.Series(category).map(CATEGORY_ACCOUNT).to_numpy()
    vendor_ids = vendor["vendorId"].to_numpy()[group]
    return Batch(entries, line_pair(k, accounts, "2000", cents, vendor_ids))


def _unusual_pairs(plan: Plan, keys: Keys, vendors: pd.DataFrame, n: int) -> Batch:
    """Bills booked to an expense account the vendor is never otherwise booked to."""
    rng = plan.rng
    pairs = [
        (row, category)
        for row, (primary, secondary) in enumerate(
            zip(vendors["defaultCategory"], vendors["_secondary"], strict=True)
        )
        for category in CATEGORIES
        if category not in (primary, secondary)
    ]
    picked = [pairs[i] for i in rng.choice(len(pairs), size=n, replace=False)]
    rows = np.array([row for row, _ in picked])
    category = np.array([category for _, category in picked])
    median = vendors["_median"].to_numpy()[rows]  # the vendor's usual bill, booked oddly
    cents = np.round(median * np.exp(rng.normal(0.3, 0.5, n)) * 100).astype(np.int64)
    dates = business_days(random_days(plan, rng.integers(0, plan.months, n)))
    names = vendors["vendorName"].to_numpy()[rows]
    k = keys.take(n)
    entries = entries_frame(
        k,
        dates,
        posting_times(rng, dates),
        _texts(plan, category, names, dates),
        source="ap",
        created_by=pick(rng, AP_CLERKS, n),
        cents=cents,
        anomaly="unusual_vendor_account",
    )
    accounts = pd.Series(category).map(CATEGORY_ACCOUNT).to_numpy()
    vendor_ids = vendors["vendorId"].to_numpy()[rows]
    return Batch(entries, line_pair(k, accounts, "2000", cents, vendor_ids))


def _off_hours(plan: Plan, keys: Keys, regular: pd.DataFrame, n: int) -> Batch:
    """Manual entries keyed late at night, half of them on a weekend."""
    rng = plan.rng
    vendor = regular.iloc[rng.integers(0, len(regular), n)].reset_index(drop=True)
    category = vendor["defaultCategory"].to_numpy()
    median = vendor["_median"].to_numpy() * 2.0
    cents = np.round(median * np.exp(rng.normal(0.0, 0.6, n)) * 100).astype(np.int64)
    dates = _night_days(plan, n)
    k = keys.take(n)
    entries = entries_frame(
        k,
        dates,
        at_time(rng, dates, rng.choice(OFF_HOURS, size=n)),
        _texts(plan, category, vendor["vendorName"].to_numpy(), dates),
        source="manual",
        created_by=pick(rng, NIGHT_USERS, n),
        cents=cents,
        anomaly="off_hours_posting",
    )
    accounts = pd.Series(category).map(CATEGORY_ACCOUNT).to_numpy()
    return Batch(entries, line_pair(k, accounts, "2000", cents, vendor["vendorId"].to_numpy()))


def _night_days(plan: Plan, n: int) -> Dates:
    rng = plan.rng
    days = business_days(random_days(plan, rng.integers(0, plan.months, n)))
    weekday = (days.astype(np.int64) + 3) % 7
    weekend = days + (5 + rng.integers(0, 2, n) - weekday).astype("timedelta64[D]")
    weekend = np.where(weekend >= plan.end, weekend - np.timedelta64(7, "D"), weekend)
    return np.where(rng.random(n) < 0.5, weekend, days)


def _reversals(plan: Plan, keys: Keys, ap: Batch, original: pd.DataFrame) -> Batch:
    """A posted bill reversed days later, outside the routine month-end reversals."""
    lag = plan.rng.integers(2, 12, len(original))
    dates = np.busday_offset(
        original["entryDate"].to_numpy().astype("datetime64[D]"), lag, roll="forward"
    )
    return reverse(plan, keys, ap, original, dates, anomaly="reversed_entry")


def _texts(plan: Plan, category: np.ndarray, vendor_names: np.ndarray, dates: Dates) -> list[str]:
    rng = plan.rng
    n = len(category)
    templates = np.empty(n, dtype=object)
    for name, options in DESCRIPTIONS.items():
        mask = category == name
        templates[mask] = pick(rng, options, int(mask.sum()))
    fields = {
        "vendor": list(vendor_names),
        "month": month_labels(dates),
        "ref": [f"#{number}" for number in rng.integers(10_000, 99_999, n)],
        "city": list(pick(rng, CITIES, n)),
    }
    return fill_texts(list(templates), fields)
