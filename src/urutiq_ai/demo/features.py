"""Model-ready features of journal entries for anomaly detection (pure pandas).

One row per entry, computed from what a model may see (amount, account, vendor,
posting time, roundness, how usual the vendor/account pair is, near-duplicates); the
ground truth (``isAnomaly``, ``anomalyType``) is carried along for evaluation only and
never feeds a feature.
"""

from collections.abc import Mapping

import numpy as np
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo.ledger import Ledger

SAME_WEEK_DAYS = 7
OFFICE_START, OFFICE_END = 7, 19  # first and last office hour
# The numeric columns an unsupervised detector should be fitted on.
NUMERIC_FEATURES: tuple[str, ...] = (
    "amountZScore",
    "offHoursDistance",
    "isWeekend",
    "isRoundAmount",
    "vendorAccountFrequencyLog",
    "vendorAmountEarlierSameWeek",
    "isReversal",
)
FEATURE_COLUMNS: tuple[str, ...] = (
    "entryId",
    "entryDate",
    "amount",
    "account",
    "vendorId",
    "source",
    "postedHour",
    "postedWeekday",
    "isWeekend",
    "isRoundAmount",
    "amountLog",
    "amountZScore",
    "offHoursDistance",
    "vendorAccountFrequency",
    "vendorAccountFrequencyLog",
    "vendorAmountSameWeek",
    "vendorAmountEarlierSameWeek",
    "isReversal",
    "isAnomaly",
    "anomalyType",
    "period",
)


def journal_entry_features(ledger_or_frames: Ledger | Mapping[str, pd.DataFrame]) -> pd.DataFrame:
    """Features of every journal entry, from a :class:`Ledger` or its frames by name.

    ``vendorAccountFrequency`` counts the entries of the whole history with the same
    vendor (or none) and main account; ``vendorAmountSameWeek`` counts the other
    non-reversal entries of the same vendor and amount dated within 7 days.
    """
    entries, lines = _journal_frames(ledger_or_frames)
    main = _main_lines(lines)
    frame = entries.merge(main, on="entryId", how="left")
    posted = pd.to_datetime(frame["postedAt"])
    amount = frame["totalAmount"].astype(float)
    cents = np.round(amount * 100).astype(np.int64)
    frame["amount"] = amount
    frame["postedHour"] = posted.dt.hour.astype(np.int64)
    frame["postedWeekday"] = posted.dt.day_of_week.astype(np.int64)
    frame["isWeekend"] = (frame["postedWeekday"] >= 5).astype(np.int64)
    frame["isRoundAmount"] = ((cents % 10_000 == 0) & (cents > 0)).astype(np.int64)
    frame["amountLog"] = np.log1p(amount.clip(lower=0))
    frame["amountZScore"] = _z_score_within(frame["amountLog"], frame["account"])
    hour = frame["postedHour"]
    frame["offHoursDistance"] = np.maximum(OFFICE_START - hour, 0) + np.maximum(
        hour - OFFICE_END, 0
    )
    pair = frame.groupby([frame["vendorId"].fillna(""), frame["account"]], sort=False)
    frame["vendorAccountFrequency"] = pair["entryId"].transform("size").astype(np.int64)
    frame["vendorAccountFrequencyLog"] = np.log1p(frame["vendorAccountFrequency"])
    same_week, earlier = _near_duplicates(frame, cents)
    frame["vendorAmountSameWeek"] = same_week
    frame["vendorAmountEarlierSameWeek"] = earlier
    frame["isReversal"] = frame["isReversal"].astype(np.int64)
    frame["isAnomaly"] = frame["isAnomaly"].astype(bool)
    return frame[list(FEATURE_COLUMNS)].reset_index(drop=True)


def _journal_frames(
    source: Ledger | Mapping[str, pd.DataFrame],
) -> tuple[pd.DataFrame, pd.DataFrame]:
    if isinstance(source, Ledger):
        return source.journal_entries, source.journal_lines
    entries = source.get("journalEntries", source.get("journal_entries"))
    lines = source.get("journalLines", source.get("journal_lines"))
    if entries is None or lines is None:
        raise KeyError("need the journalEntries and journalLines frames")
    return entries, lines


def _main_lines(lines: pd.DataFrame) -> pd.DataFrame:
    """Per entry: the account of line 1 (the expense or asset side) and its vendor."""
    ordered = lines.sort_values(["entryId", "lineNumber"], kind="stable")
    first = ordered.drop_duplicates("entryId")[["entryId", "account"]]
    vendors = ordered.dropna(subset=["vendorId"]).drop_duplicates("entryId")
    return first.merge(vendors[["entryId", "vendorId"]], on="entryId", how="left")


def _z_score_within(values: pd.Series, groups: pd.Series) -> pd.Series:
    """How many standard deviations each value lies from its group's mean (0 if no spread)."""
    grouped = values.groupby(groups)
    spread = grouped.transform("std", ddof=0)
    z = (values - grouped.transform("mean")) / spread.where(spread > 0)
    return z.fillna(0.0)


def _near_duplicates(frame: pd.DataFrame, cents: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Other non-reversal entries with the same vendor and amount dated within 7 days:
    how many in all, and how many of them came before this one (by date, then posting)."""
    days = pd.to_datetime(frame["entryDate"]).to_numpy().astype("datetime64[D]").astype(np.int64)
    keyed = pd.DataFrame(
        {
            "row": np.arange(len(frame)),
            "vendorId": frame["vendorId"],
            "cents": cents.to_numpy(),
            "day": days,
            "posted": pd.to_datetime(frame["postedAt"]).to_numpy(),
        }
    )
    candidates = keyed[keyed["vendorId"].notna().to_numpy()]
    others = candidates[~frame["isReversal"].astype(bool).to_numpy()[candidates["row"]]]
    pairs = candidates.merge(others, on=["vendorId", "cents"], suffixes=("", "_other"))
    close = (pairs["row"] != pairs["row_other"]) & (
        (pairs["day"] - pairs["day_other"]).abs() <= SAME_WEEK_DAYS
    )
    earlier = close & (
        (pairs["day_other"] < pairs["day"])
        | ((pairs["day_other"] == pairs["day"]) & (pairs["posted_other"] < pairs["posted"]))
    )
    return _count_rows(pairs.loc[close, "row"], len(frame)), _count_rows(
        pairs.loc[earlier, "row"], len(frame)
    )


def _count_rows(rows: pd.Series, n: int) -> np.ndarray:
    counts = rows.value_counts()
    result = np.zeros(n, dtype=np.int64)
    result[counts.index.to_numpy()] = counts.to_numpy()
    return result
