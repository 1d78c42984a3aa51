"""The per-company cache of active privacy rules behind the predict path's input masking."""

from collections.abc import Iterator

import pytest

from urutiq_ai.governance import privacy_cache
from urutiq_ai.governance.policies import PrivacyRules


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    privacy_cache.clear()
    yield
    privacy_cache.clear()


class Loader:
    def __init__(self) -> None:
        self.calls = 0

    def __call__(self) -> list[PrivacyRules]:
        self.calls += 1
        return [PrivacyRules(mask_inputs=True)]


def test_loads_once_per_company_within_the_ttl() -> None:
    load = Loader()
    first = privacy_cache.privacy_rules("t", "a", load)
    assert privacy_cache.privacy_rules("t", "a", load) == first
    assert load.calls == 1
    privacy_cache.privacy_rules("t", "b", load)  # another company: its own entry
    assert load.calls == 2


def test_reloads_after_the_ttl(monkeypatch: pytest.MonkeyPatch) -> None:
    load = Loader()
    clock = [100.0]
    monkeypatch.setattr(privacy_cache.time, "monotonic", lambda: clock[0])
    privacy_cache.privacy_rules("t", "a", load)
    clock[0] += privacy_cache.TTL_SECONDS - 0.1
    privacy_cache.privacy_rules("t", "a", load)
    assert load.calls == 1
    clock[0] += 0.2
    privacy_cache.privacy_rules("t", "a", load)
    assert load.calls == 2


def test_forget_drops_only_that_company() -> None:
    load = Loader()
    privacy_cache.privacy_rules("t", "a", load)
    privacy_cache.privacy_rules("t", "b", load)
    privacy_cache.forget("t", "a")
    privacy_cache.privacy_rules("t", "a", load)
    privacy_cache.privacy_rules("t", "b", load)
    assert load.calls == 3


def test_rules_loaded_across_a_policy_write_are_not_kept() -> None:
    """A load that began before a policy write ended is not cached (it may hold the old
    rules): the next call loads again."""
    calls = []

    def load_while_a_policy_is_written() -> list[PrivacyRules]:
        calls.append(1)
        if len(calls) == 1:
            privacy_cache.forget("t", "a")  # another thread's policy write commits meanwhile
        return [PrivacyRules(mask_inputs=False)]

    privacy_cache.privacy_rules("t", "a", load_while_a_policy_is_written)
    privacy_cache.privacy_rules("t", "a", load_while_a_policy_is_written)
    privacy_cache.privacy_rules("t", "a", load_while_a_policy_is_written)
    assert len(calls) == 2  # the first result was dropped, the second kept
