"""The one retry backoff (``core.jobs.retry_backoff``), as a pure function: webhook
deliveries (``URUTIQ_WEBHOOK_BACKOFF``) and pipeline runs (``backoffSeconds``) wait by it."""

from datetime import timedelta

import pytest

from urutiq_ai.core.jobs import MAX_BACKOFF, Job, next_retry_delay, retry_backoff
from urutiq_ai.core.settings import Settings


def backoff(attempts: int, settings: Settings) -> timedelta:
    """The wait of a webhook delivery after its ``attempts``-th failed send."""
    return retry_backoff(attempts, settings.webhook_backoff)


class TestRetryBackoff:
    @pytest.mark.parametrize("base", [1.0, 30.0, 45.5])
    def test_doubles_from_the_setting(self, base: float) -> None:
        settings = Settings(webhook_backoff=base)
        waits = [backoff(attempts, settings) for attempts in range(1, 6)]
        assert waits == [timedelta(seconds=base * 2**n) for n in range(5)]

    def test_no_attempt_yet_waits_the_base(self) -> None:
        settings = Settings(webhook_backoff=30.0)
        assert backoff(0, settings) == timedelta(seconds=30)

    def test_capped_at_one_hour(self) -> None:
        settings = Settings(webhook_backoff=30.0)
        assert backoff(7, settings) == timedelta(seconds=1920)
        assert backoff(8, settings) == timedelta(hours=1)  # 3840 s capped
        assert backoff(42, settings) == timedelta(hours=1)
        assert MAX_BACKOFF == timedelta(hours=1)

    @pytest.mark.parametrize("attempts", [43, 50, 2000, 10**9])
    def test_capped_however_many_attempts(self, attempts: int) -> None:
        assert backoff(attempts, Settings(webhook_backoff=30.0)) == timedelta(hours=1)

    def test_a_base_above_the_cap_is_capped_at_once(self) -> None:
        settings = Settings(webhook_backoff=7200.0)
        assert backoff(1, settings) == timedelta(hours=1)

    def test_a_tiny_base_still_doubles_to_the_cap(self) -> None:
        assert retry_backoff(40, 1e-9) == timedelta(seconds=1e-9 * 2**39)
        assert retry_backoff(80, 1e-9) == timedelta(hours=1)


class TestNextRetryDelay:
    @pytest.mark.parametrize("attempt", [1, 2, 5, 9])
    def test_is_the_backoff_of_the_job_s_attempt(self, attempt: int) -> None:
        job = Job("m:f", "t", "c", id="j", attempt=attempt, max_attempts=10)
        assert next_retry_delay(job, 60.0) == retry_backoff(attempt, 60.0).total_seconds()

    def test_capped_like_every_backoff(self) -> None:
        job = Job("m:f", "t", "c", id="j", attempt=30, max_attempts=50)
        assert next_retry_delay(job, 86_400.0) == MAX_BACKOFF.total_seconds()
