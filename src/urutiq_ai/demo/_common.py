"""Shared helpers of the generator: the calendar, posting times, text filling, cents."""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date

import numpy as np
import numpy.typing as npt
import pandas as pd  # no stubs in the environment

from urutiq_ai.demo._catalog import CompanyProfile

Dates = npt.NDArray[np.datetime64]
Ints = npt.NDArray[np.int64]
Floats = npt.NDArray[np.float64]
Strings = npt.NDArray[np.str_]

OFFICE_HOUR_MEAN = 12.5
OFFICE_HOUR_SD = 2.4
WEEKEND_CLOSE_RATE = 0.002  # normal entries keyed on a Saturday during a busy close


@dataclass(frozen=True)
class Plan:
    """Everything a generation step needs: the seeded generator, the calendar, the knobs."""

    rng: np.random.Generator
    month_starts: Dates  # months + 1 first days, the last one is the end of the horizon
    shift_index: int  # 0-based index of the first shifted month (== months: no shift)
    scale: float
    profile: CompanyProfile

    @property
    def months(self) -> int:
        return len(self.month_starts) - 1

    @property
    def end(self) -> np.datetime64:
        """The first day after the horizon."""
        return self.month_starts[-1]

    def month_of(self, dates: Dates) -> Ints:
        """0-based month index of each date within the horizon."""
        months = dates.astype("datetime64[M]") - self.month_starts[0].astype("datetime64[M]")
        return months.astype(np.int64)

    def period_of(self, dates: Dates) -> Strings:
        return np.where(self.month_of(dates) >= self.shift_index, "shifted", "reference")

    def month_days(self) -> Ints:
        return np.diff(self.month_starts).astype(np.int64)


def month_starts(start: date, months: int) -> Dates:
    first = np.datetime64(start, "M")
    return (first + np.arange(months + 1)).astype("datetime64[D]")


def random_days(plan: Plan, month_index: Ints) -> Dates:
    """A uniformly random day within each given month."""
    days = plan.month_days()[month_index]
    offset = np.floor(plan.rng.random(len(month_index)) * days).astype(np.int64)
    return plan.month_starts[month_index] + offset.astype("timedelta64[D]")


def business_days(dates: Dates) -> Dates:
    """Each date moved to a weekday, staying inside its month where possible."""
    return np.busday_offset(dates.astype("datetime64[D]"), 0, roll="modifiedfollowing")


def posting_times(rng: np.random.Generator, dates: Dates) -> Dates:
    """When an entry dated ``dates`` was keyed: a weekday 0-2 days later, in office hours."""
    n = len(dates)
    lag = rng.choice(np.array([0, 1, 2]), size=n, p=[0.7, 0.2, 0.1])
    day = np.busday_offset(dates.astype("datetime64[D]"), lag, roll="forward")
    saturday = rng.random(n) < WEEKEND_CLOSE_RATE
    weekday = (day.astype(np.int64) + 3) % 7  # 0 = Monday
    day = np.where(saturday, day + (5 - weekday).astype("timedelta64[D]"), day)
    hour = np.clip(np.round(rng.normal(OFFICE_HOUR_MEAN, OFFICE_HOUR_SD, n)), 7, 19)
    return at_time(rng, day, hour.astype(np.int64))


def at_time(rng: np.random.Generator, days: Dates, hours: Ints) -> Dates:
    seconds = hours * 3600 + rng.integers(0, 3600, len(days))
    return days.astype("datetime64[s]") + seconds.astype("timedelta64[s]")


def fill_texts(templates: Sequence[str], fields: Mapping[str, Sequence[str]]) -> list[str]:
    """``templates[i].format(**{k: v[i]})`` for every row (unused fields are ignored)."""
    keys = list(fields)
    columns = [fields[key] for key in keys]
    return [
        template.format(**dict(zip(keys, values, strict=True)))
        for template, *values in zip(templates, *columns, strict=True)
    ]


def month_labels(dates: Dates) -> list[str]:
    return list(np.datetime_as_string(dates.astype("datetime64[M]"), unit="M"))


def pick(rng: np.random.Generator, options: Sequence[str], n: int) -> Strings:
    return np.asarray(options)[rng.integers(0, len(options), n)]


def cents_to_money(cents: npt.ArrayLike) -> Floats:
    return np.round(np.asarray(cents, dtype=np.float64) / 100.0, 2)


def to_timestamps(values: Dates) -> pd.DatetimeIndex:
    return pd.DatetimeIndex(values.astype("datetime64[ns]"))
