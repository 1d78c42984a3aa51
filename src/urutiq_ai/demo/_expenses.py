"""Vendor expenses: volumes, categories, amounts, dates and free-text descriptions."""

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._catalog import (
    CATEGORY_AMOUNT,
    CITIES,
    DESCRIPTIONS,
    GENERIC_DESCRIPTIONS,
    SEASONALITY,
)
from urutiq_ai.demo._common import (
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
from urutiq_ai.demo._sales import calendar_month

AD_HOC_PER_MONTH = 324
MIN_VENDOR_SHARE = 3.5 / AD_HOC_PER_MONTH
NEW_VENDOR_SHARE = 0.30  # of ad hoc volume, from the shift on
INFLATION = 1.22
GENERIC_RATE = 0.07  # descriptions with no category words
MULTI_GENERIC_RATE = 0.14  # the same, for vendors spanning two categories
MISMATCH_RATE = 0.09  # two-category vendors: text of one category, booked to the other
WEEKEND_CATEGORIES = frozenset({"travel", "meals"})
ROUND_CATEGORIES = frozenset({"rent"})  # billed in round amounts
EXPENSE_COLUMNS = [
    "expenseId",
    "vendorId",
    "vendorName",
    "description",
    "amount",
    "category",
    "expenseDate",
    "period",
]


def make_expenses(plan: Plan, vendors: pd.DataFrame) -> pd.DataFrame:
    recurring_vendor, recurring_month = _recurring_grid(plan, vendors)
    adhoc_vendor, adhoc_month = _adhoc_grid(plan, vendors)
    who = np.concatenate([recurring_vendor, adhoc_vendor])
    month = np.concatenate([recurring_month, adhoc_month])
    chosen = vendors.iloc[who].reset_index(drop=True)
    category = _categories(plan, chosen)
    dates = _expense_dates(plan, chosen, category, month)
    cents = _amount_cents(plan, chosen, category, dates)
    frame = pd.DataFrame(
        {
            "vendorId": chosen["vendorId"],
            "vendorName": chosen["vendorName"],
            "description": _descriptions(plan, chosen, category, dates),
            "_cents": cents,
            "category": category,
            "expenseDate": to_timestamps(dates),
            "period": plan.period_of(dates),
        }
    )
    frame = frame.sort_values(["expenseDate", "vendorId"], kind="stable").reset_index(drop=True)
    frame.insert(0, "expenseId", [f"EXP-{n:06d}" for n in range(1, len(frame) + 1)])
    frame.insert(4, "amount", cents_to_money(frame["_cents"]))
    return frame


def _recurring_grid(plan: Plan, vendors: pd.DataFrame) -> tuple[Ints, Ints]:
    """One bill a month from every recurring (rent, utilities, telecom, insurance) vendor."""
    index = np.flatnonzero(vendors["_recurring"].to_numpy() & ~vendors["_isNew"].to_numpy())
    vendor, month = np.meshgrid(index, np.arange(plan.months), indexing="ij")
    return vendor.ravel().astype(np.int64), month.ravel().astype(np.int64)


def _adhoc_grid(plan: Plan, vendors: pd.DataFrame) -> tuple[Ints, Ints]:
    """Poisson counts per vendor and month; new vendors take a share from the shift on."""
    adhoc = ~vendors["_recurring"].to_numpy()
    new = vendors["_isNew"].to_numpy()
    weight = (
        vendors["_activity"].to_numpy()
        * vendors["defaultCategory"]
        .map(lambda c: plan.profile.category_weight.get(c, 1.0))
        .to_numpy()
    )
    share = np.zeros(len(vendors))
    for group in (adhoc & ~new, adhoc & new):
        share[group] = np.maximum(weight[group] / weight[group].sum(), MIN_VENDOR_SHARE)
        share[group] /= share[group].sum()
    months = np.arange(plan.months)
    shifted = months >= plan.shift_index
    group_share = np.where(
        new[:, None], NEW_VENDOR_SHARE * shifted, np.where(shifted, 1 - NEW_VENDOR_SHARE, 1.0)
    )
    season = _season(plan, vendors["defaultCategory"].to_numpy(), months)
    rate = AD_HOC_PER_MONTH * plan.scale * share[:, None] * group_share * season
    counts = plan.rng.poisson(rate * adhoc[:, None])
    vendor, month = np.nonzero(counts)
    repeats = counts[vendor, month]
    return np.repeat(vendor, repeats).astype(np.int64), np.repeat(month, repeats).astype(np.int64)


def _season(plan: Plan, categories: np.ndarray, months: Ints) -> np.ndarray:
    calendar = calendar_month(plan, months)
    flat = np.ones(12)
    table = np.stack([np.asarray(SEASONALITY.get(c, flat)) for c in categories])
    return table[:, calendar]


def _categories(plan: Plan, chosen: pd.DataFrame) -> np.ndarray:
    secondary = plan.rng.random(len(chosen)) < chosen["_secondaryShare"].to_numpy()
    return np.where(secondary, chosen["_secondary"], chosen["defaultCategory"]).astype(str)


def _expense_dates(
    plan: Plan, chosen: pd.DataFrame, category: np.ndarray, month: Ints
) -> np.ndarray:
    """Travel and meals happen any day; bills are dated on weekdays; recurring on a fixed day."""
    days = random_days(plan, month)
    weekday_only = ~np.isin(category, list(WEEKEND_CATEGORIES))
    days = np.where(weekday_only, business_days(days), days)
    recurring = chosen["_recurring"].to_numpy()
    fixed_day = chosen["_billingDay"].to_numpy().astype(np.int64)
    billed = business_days(plan.month_starts[month] + fixed_day.astype("timedelta64[D]"))
    return np.where(recurring, billed, days)


def _amount_cents(
    plan: Plan, chosen: pd.DataFrame, category: np.ndarray, dates: np.ndarray
) -> Ints:
    median = np.array([CATEGORY_AMOUNT[c][0] for c in category])
    sigma = np.array([CATEGORY_AMOUNT[c][1] for c in category])
    inflation = np.where(plan.period_of(dates) == "shifted", INFLATION, 1.0)
    median = median * chosen["_amountScale"].to_numpy() * inflation
    amount = median * np.exp(plan.rng.normal(0.0, 1.0, len(median)) * sigma)
    amount = np.where(np.isin(category, list(ROUND_CATEGORIES)), np.round(amount, -2), amount)
    return np.maximum(np.round(amount * 100), 100).astype(np.int64)


def _descriptions(
    plan: Plan, chosen: pd.DataFrame, category: np.ndarray, dates: np.ndarray
) -> list[str]:
    rng = plan.rng
    n = len(chosen)
    multi = (chosen["_secondary"] != "").to_numpy()
    draw = rng.random(n)
    generic = draw < np.where(multi, MULTI_GENERIC_RATE, GENERIC_RATE)
    mismatch = multi & ~generic & (draw < MULTI_GENERIC_RATE + MISMATCH_RATE)
    other = np.where(
        category == chosen["defaultCategory"], chosen["_secondary"], chosen["defaultCategory"]
    )
    text_category = np.where(mismatch, other, category)
    templates = np.array(pick(rng, GENERIC_DESCRIPTIONS, n), dtype=object)
    for name, options in DESCRIPTIONS.items():
        mask = (text_category == name) & ~generic
        templates[mask] = pick(rng, options, int(mask.sum()))
    refs = [f"#{number}" for number in rng.integers(10_000, 99_999, n)]
    fields = {
        "vendor": list(chosen["vendorName"]),
        "month": month_labels(dates),
        "ref": refs,
        "city": list(pick(rng, CITIES, n)),
    }
    return fill_texts(list(templates), fields)
