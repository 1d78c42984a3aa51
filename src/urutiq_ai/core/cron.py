"""Cron expressions (croniter): validation and the next time one fires, in UTC.

Five fields (minute hour day month weekday) as usual; a sixth field of seconds is
accepted (``* * * * * */10``: every ten seconds), which tests and demos use.
"""

from datetime import UTC, datetime, timedelta

from croniter import CroniterBadDateError, croniter

MAX_SEARCH_YEARS = 5


def check_cron(value: str) -> str:
    """``value`` when it is a cron expression that fires; ValueError naming the problem."""
    if not croniter.is_valid(value):
        raise ValueError(f"not a valid cron expression: {value!r} (e.g. '0 2 * * *')")
    try:
        next_fire(value, datetime.now(UTC))
    except CroniterBadDateError as exc:
        raise ValueError(f"the cron expression {value!r} never fires") from exc
    return value


def next_fire(cron: str, after: datetime) -> datetime:
    """The first time after ``after`` that ``cron`` fires (UTC)."""
    start = after.astimezone(UTC) if after.tzinfo else after.replace(tzinfo=UTC)
    result: datetime = croniter(cron, start, max_years_between_matches=MAX_SEARCH_YEARS).get_next(
        datetime
    )
    return result.astimezone(UTC)


def previous_fire(cron: str, before: datetime) -> datetime:
    """The last time at or before ``before`` that ``cron`` fired (UTC)."""
    start = before.astimezone(UTC) if before.tzinfo else before.replace(tzinfo=UTC)
    itr = croniter(
        cron, start + timedelta(microseconds=1), max_years_between_matches=MAX_SEARCH_YEARS
    )
    result: datetime = itr.get_prev(datetime)
    return result.astimezone(UTC)
