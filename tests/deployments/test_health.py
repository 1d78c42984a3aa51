"""The health check's latency rule: a smoke prediction over the limit is timed once more
(a cold first call or a stalled machine), and fails only when the second is slow too."""

from datetime import UTC, datetime
from types import SimpleNamespace
from typing import Any

import pandas as pd
import pytest

from urutiq_ai.deployments import health


def _member(model_id: str) -> Any:
    return health.Member(model=SimpleNamespace(id=model_id), artifact=None)  # type: ignore[arg-type]


def _fake(monkeypatch: pytest.MonkeyPatch, first: list[float], again: list[float]) -> list[str]:
    """Members whose first check takes ``first`` ms each and later scorings ``again``."""
    scored: list[str] = []
    firsts = iter(first)
    agains = iter(again)

    def check_member(member: Any, rows: int, store: Any) -> dict[str, Any]:  # noqa: ARG001
        member.sample = pd.DataFrame({"amount": [1.0, 2.0]})
        member.pipeline = object()
        return {"modelId": member.model.id, "status": "pass", "rows": 2, "latencyMs": next(firsts)}

    def score(member: Any, sample: pd.DataFrame) -> dict[str, Any]:
        scored.append(member.model.id)
        return {"status": "pass", "error": None, "rows": len(sample), "latencyMs": next(agains)}

    monkeypatch.setattr(health, "_check_member", check_member)
    monkeypatch.setattr(health, "_score", score)
    return scored


def _check(members: list[Any], timeout_ms: float) -> health.HealthResult:
    return health.check(
        members,
        sample_rows=2,
        timeout_ms=timeout_ms,
        store=None,  # type: ignore[arg-type]
        trigger="test",
        now=datetime(2026, 11, 27, tzinfo=UTC),
    )


def test_under_the_limit_is_timed_once(monkeypatch: pytest.MonkeyPatch) -> None:
    scored = _fake(monkeypatch, [300.0], [])
    result = _check([_member("a")], 2_000)
    assert result.passed
    assert result.report["latencyMs"] == 300.0
    assert scored == []


def test_a_slow_first_call_is_timed_again_and_the_faster_kept(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # the second member is scored on the first's rows once in check(), then re-timed
    scored = _fake(monkeypatch, [2_500.0, 10.0], [40.0, 30.0, 20.0])
    result = _check([_member("a"), _member("b")], 2_000)
    assert result.passed, result.report
    assert scored == ["b", "a", "b"]
    assert [m["latencyMs"] for m in result.report["models"]] == [30.0, 20.0]
    assert result.report["latencyMs"] == 50.0


def test_slow_twice_fails_with_the_limit_named(monkeypatch: pytest.MonkeyPatch) -> None:
    _fake(monkeypatch, [2_500.0], [2_200.0])
    result = _check([_member("a")], 2_000)
    assert not result.passed
    assert result.error == "smoke prediction took 2200 ms, over the 2000 ms limit"
