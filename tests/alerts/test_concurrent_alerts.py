"""One open alert per key under concurrent monitors: several transactions observing the same
failing condition at once open one alert and send one ``alert.opened``; the others count it.

On PostgreSQL the threads' transactions really overlap (the race the unique index closes);
SQLite runs writers one at a time, so there the race is staged: an observation that looked
before another transaction opened the key's alert.
"""

import contextlib
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.alerts.conftest import Receiver, add_webhook
from tests.concurrency import run_at_once
from tests.conftest import TenantFixture
from urutiq_ai.alerts.models import Alert
from urutiq_ai.alerts.repository import AlertRepository
from urutiq_ai.alerts.schemas import AlertSeverity, AlertSource, AlertStatus
from urutiq_ai.alerts.service import Observation, observe
from urutiq_ai.core.context import TenantContext

WRITERS = 8
KEY = "quality:LedgerExpense:amounts are positive"


def failing(key: str = KEY, *, active: bool = True) -> Observation:
    return Observation(
        key=key,
        source=AlertSource.quality,
        active=active,
        title=f"{key} fails",
        subject="LedgerExpense",
        details={"rowsFailed": 1},
    )


def observe_once(scoped: Callable[[], Any], *observations: Observation) -> list[str]:
    with scoped() as (session, ctx):
        events = observe(session, ctx, ctx_company(ctx), list(observations))
        return [event.value for event, _ in events]


def ctx_company(ctx: TenantContext) -> str:
    (company,) = ctx.company_ids
    return str(company)


def listed(client: TestClient, tenant: TenantFixture, path: str, **params: str) -> list[Any]:
    response = client.get(
        tenant.url(path), params={"limit": "100", **params}, headers=tenant.headers("viewer")
    )
    assert response.status_code == 200, response.text
    items: list[Any] = response.json()["items"]
    return items


def read_as_still_open(monkeypatch: pytest.MonkeyPatch, alert_id: str) -> None:
    """The next observer read ``alert_id`` as open before its resolution committed."""
    real = AlertRepository.open_by_key

    def looked_before(self: AlertRepository, company_id: str, keys: Any) -> Any:
        found = real(self, company_id, keys)
        if not found:
            alert = self.session.get(Alert, alert_id)
            assert alert is not None
            found = {KEY: alert}
        return found

    monkeypatch.setattr(AlertRepository, "open_by_key", looked_before)


def opened_deliveries(client: TestClient, tenant: TenantFixture) -> list[Any]:
    return listed(client, tenant, "webhook-deliveries", event="alert.opened")


class TestConcurrentObservations:
    def test_parallel_observers_open_one_alert_and_send_one_opened(
        self,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        scoped: Callable[[], Any],
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        events = run_at_once(WRITERS, lambda: observe_once(scoped, failing()))
        assert sorted(events) == sorted([["alert.opened"]] + [[]] * (WRITERS - 1))

        (alert,) = listed(client, tenant, "alerts", alertKey=KEY)
        assert alert["status"] == "open"
        assert alert["occurrences"] == WRITERS
        (delivery,) = opened_deliveries(client, tenant)
        assert delivery["alertId"] == alert["id"]

    def test_an_observer_that_looked_too_early_counts_the_alert_opened_meanwhile(
        self,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        scoped: Callable[[], Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        assert observe_once(scoped, failing()) == ["alert.opened"]

        # the next observer read the open alerts before that transaction committed
        real = AlertRepository.open_by_key
        stale = iter([True])

        def looked_before(self: AlertRepository, company_id: str, keys: Any) -> Any:
            return {} if next(stale, False) else real(self, company_id, keys)

        monkeypatch.setattr(AlertRepository, "open_by_key", looked_before)
        other = "quality:LedgerExpense:vendors are named"
        # a new key first: its insert must survive the refused one (a savepoint, not the lot)
        assert observe_once(scoped, failing(other), failing()) == ["alert.opened"]
        monkeypatch.undo()

        alerts = {a["alertKey"]: a for a in listed(client, tenant, "alerts", status="open")}
        assert set(alerts) == {KEY, other}
        assert alerts[KEY]["occurrences"] == 2
        assert alerts[other]["occurrences"] == 1
        assert sorted(d["alertId"] for d in opened_deliveries(client, tenant)) == sorted(
            a["id"] for a in alerts.values()
        )

        # cleared, then failing again: a new episode opens a new alert beside the resolved one
        assert observe_once(scoped, failing(active=False)) == ["alert.resolved"]
        assert observe_once(scoped, failing()) == ["alert.opened"]
        history = listed(client, tenant, "alerts", alertKey=KEY)
        assert sorted(a["status"] for a in history) == ["open", "resolved"]

    def test_an_alert_resolved_meanwhile_is_not_resolved_again(
        self,
        client: TestClient,
        tenant: TenantFixture,
        receiver: Receiver,
        scoped: Callable[[], Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        add_webhook(client, tenant, receiver.url)
        assert observe_once(scoped, failing()) == ["alert.opened"]
        with scoped() as (session, ctx):
            (alert_id,) = [
                a.id
                for a in AlertRepository(session, ctx).open_by_key(ctx_company(ctx), [KEY]).values()
            ]
        assert observe_once(scoped, failing(active=False)) == ["alert.resolved"]

        read_as_still_open(monkeypatch, alert_id)
        assert observe_once(scoped, failing(active=False)) == []  # no second alert.resolved
        monkeypatch.undo()
        resolved = listed(client, tenant, "webhook-deliveries", event="alert.resolved")
        assert len(resolved) == 1

    def test_a_failure_seen_on_an_alert_resolved_meanwhile_opens_a_new_one(
        self,
        client: TestClient,
        tenant: TenantFixture,
        scoped: Callable[[], Any],
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        assert observe_once(scoped, failing()) == ["alert.opened"]
        (first,) = listed(client, tenant, "alerts", alertKey=KEY)
        assert observe_once(scoped, failing(active=False)) == ["alert.resolved"]

        read_as_still_open(monkeypatch, first["id"])
        assert observe_once(scoped, failing()) == ["alert.opened"]  # a new episode
        monkeypatch.undo()
        history = {a["id"]: a for a in listed(client, tenant, "alerts", alertKey=KEY)}
        assert history[first["id"]]["status"] == "resolved"
        assert history[first["id"]]["occurrences"] == 1  # not counted after it was resolved
        assert sorted(a["status"] for a in history.values()) == ["open", "resolved"]

    def test_two_observers_of_the_same_new_keys_in_opposite_orders_both_finish(
        self,
        client: TestClient,
        tenant: TenantFixture,
        scoped: Callable[[], Any],
        backend: str,
        monkeypatch: pytest.MonkeyPatch,
    ) -> None:
        """Each observer waits, after its first insert, until the other has made its own:
        written in the callers' orders, each then needs the key the other holds (PostgreSQL
        kills one as a deadlock); in key order the second waits for the first instead."""
        if backend != "postgresql":
            pytest.skip("SQLite writes one transaction at a time: no crosswise locks")
        both_inserted = threading.Barrier(2, timeout=3)
        real = AlertRepository.add_open
        first_insert = threading.local()

        def add_open_then_wait(self: AlertRepository, alert: Alert, *, company_id: str) -> bool:
            added = real(self, alert, company_id=company_id)
            if not getattr(first_insert, "done", False):
                first_insert.done = True
                with contextlib.suppress(threading.BrokenBarrierError):
                    both_inserted.wait()  # in key order the other is blocked: times out
            return added

        monkeypatch.setattr(AlertRepository, "add_open", add_open_then_wait)
        one, other = failing("quality:a"), failing("quality:b")
        orders = iter([(one, other), (other, one)])
        lock = threading.Lock()

        def observe_in_turn() -> list[str]:
            with lock:
                observations = next(orders)
            return observe_once(scoped, *observations)

        events = run_at_once(2, observe_in_turn)
        assert sorted(len(e) for e in events) == [0, 2]  # one opened both, one counted both
        alerts = listed(client, tenant, "alerts", status="open")
        assert {a["alertKey"]: a["occurrences"] for a in alerts} == {"quality:a": 2, "quality:b": 2}

    def test_keys_longer_than_the_column_are_cut_the_same_way_everywhere(
        self, client: TestClient, tenant: TenantFixture, scoped: Callable[[], Any]
    ) -> None:
        long_key = "quality:" + "x" * 600
        assert observe_once(scoped, failing(long_key)) == ["alert.opened"]
        assert observe_once(scoped, failing(long_key)) == []  # found again: counted
        (alert,) = listed(client, tenant, "alerts", status="open")
        assert alert["occurrences"] == 2
        assert len(alert["alertKey"]) == 512

    def test_the_database_refuses_a_second_open_alert_of_a_key(
        self, client: TestClient, tenant: TenantFixture, scoped: Callable[[], Any]
    ) -> None:
        assert observe_once(scoped, failing()) == ["alert.opened"]
        with scoped() as (session, ctx):
            repository = AlertRepository(session, ctx)
            assert not repository.add_open(open_alert(KEY), company_id=tenant.company_id)
            # the refusal undid only its savepoint: the transaction goes on and commits
            assert repository.add_open(open_alert("another"), company_id=tenant.company_id)
        keys = sorted(a["alertKey"] for a in listed(client, tenant, "alerts", status="open"))
        assert keys == sorted([KEY, "another"])


def open_alert(key: str) -> Alert:
    now = datetime.now(UTC)
    return Alert(
        alert_key=key,
        source=AlertSource.quality,
        severity=AlertSeverity.warning,
        status=AlertStatus.open,
        title=key,
        occurrences=1,
        first_seen_at=now,
        last_seen_at=now,
    )
