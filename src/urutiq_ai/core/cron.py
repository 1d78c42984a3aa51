"""Cron expressions (croniter): validation and the next time one fires, in UTC.

Accepted (docs/monitoring.md, "Monitors on a schedule"): the standard five fields, minute
hour day-of-month month day-of-week, with numbers, ``*``, lists, ranges and steps, month
and day names (``jan``, ``mon``), ``L`` (the last day of the month) and ``#`` (the nth
weekday of the month: ``mon#1``); or one of the aliases ``@hourly``, ``@daily`` (``@midnight``),
``@weekly``, ``@monthly``, ``@yearly`` (``@annually``). croniter's other extensions are
refused: a sixth field (seconds) and a seventh (years), random ``R`` and hashed ``H``
values, ``W`` and ``?``.
"""

import re
from datetime import UTC, datetime, timedelta

# croniter (and dateutil under it) is imported by the functions that use it: every wire
# schema imports this module for its validator, and the CLI and the SDK, which only read,
# would pay some 25 ms at each command.

MAX_SEARCH_YEARS = 5
FIELDS = ("minute", "hour", "day-of-month", "month", "day-of-week")
ALIASES = frozenset(
    {"@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually"}
)
NAMES = frozenset(
    "jan feb mar apr may jun jul aug sep oct nov dec sun mon tue wed thu fri sat l".split()
)
EXAMPLE = "e.g. '0 2 * * *' (02:00 every day) or '@daily'"


def check_cron(value: str) -> str:
    """``value`` when it is an accepted cron expression that fires; ValueError naming the
    problem (how many fields, which word, or why croniter refuses it)."""
    from croniter import CroniterBadDateError, croniter

    _check_form(value)
    if not croniter.is_valid(value):
        raise ValueError(f"not a valid cron expression: {value!r}; {EXAMPLE}")
    try:
        next_fire(value, datetime.now(UTC))
    except CroniterBadDateError as exc:
        raise ValueError(f"the cron expression {value!r} never fires") from exc
    return value


def _check_form(value: str) -> None:
    """Five fields of the accepted words and signs, or one known alias."""
    fields = value.split()
    if len(fields) == 1 and fields[0].startswith("@"):
        if fields[0].lower() not in ALIASES:
            known = ", ".join(sorted(ALIASES))
            raise ValueError(
                f"not a valid cron expression: unknown alias {value!r} (use one of {known})"
            )
        return
    if len(fields) != len(FIELDS):
        raise ValueError(
            f"not a valid cron expression: {value!r} has {len(fields)} fields, not 5 "
            f"({' '.join(FIELDS)}); {EXAMPLE}"
        )
    for name, field in zip(FIELDS, fields, strict=True):
        words = [w for w in re.findall(r"[A-Za-z]+", field) if w.lower() not in NAMES]
        words += re.findall(r"[^0-9A-Za-z*,/#-]", field)
        if words:
            raise ValueError(
                f"not a valid cron expression: the {name} field {field!r} holds "
                f"{words[0]!r} (only numbers, '*', lists, ranges, steps, month and day "
                "names, 'L' and '#')"
            )


def next_fire(cron: str, after: datetime) -> datetime:
    """The first time after ``after`` that ``cron`` fires (UTC)."""
    from croniter import croniter

    start = after.astimezone(UTC) if after.tzinfo else after.replace(tzinfo=UTC)
    result: datetime = croniter(cron, start, max_years_between_matches=MAX_SEARCH_YEARS).get_next(
        datetime
    )
    return result.astimezone(UTC)


def previous_fire(cron: str, before: datetime) -> datetime:
    """The last time at or before ``before`` that ``cron`` fired (UTC)."""
    from croniter import croniter

    start = before.astimezone(UTC) if before.tzinfo else before.replace(tzinfo=UTC)
    itr = croniter(
        cron, start + timedelta(microseconds=1), max_years_between_matches=MAX_SEARCH_YEARS
    )
    result: datetime = itr.get_prev(datetime)
    return result.astimezone(UTC)
