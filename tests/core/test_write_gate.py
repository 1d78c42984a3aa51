"""SQLite's write gate: transactions of one process enter in arrival order."""

import threading
import time
from pathlib import Path

from sqlalchemy import text

from urutiq_ai.core.db import WriteGate, make_engine


class Token:
    """A stand-in for a DBAPI connection (the gate keys on identity)."""


def test_waiters_enter_in_arrival_order() -> None:
    gate, first = WriteGate(timeout=5), Token()
    gate.enter(first)
    order: list[int] = []
    tokens = [Token() for _ in range(5)]

    def waiter(index: int) -> None:
        gate.enter(tokens[index])
        order.append(index)
        gate.leave(tokens[index])

    threads = []
    for index in range(5):
        thread = threading.Thread(target=waiter, args=(index,))
        thread.start()
        threads.append(thread)
        time.sleep(0.05)  # queue them one after another
    gate.leave(first)
    for thread in threads:
        thread.join(5)
    assert order == [0, 1, 2, 3, 4]


def test_the_holder_may_leave_from_another_thread() -> None:
    gate, token, other = WriteGate(timeout=5), Token(), Token()
    gate.enter(token)
    threading.Thread(target=gate.leave, args=(token,)).start()
    started = time.monotonic()
    gate.enter(other)  # granted once the other thread left
    assert time.monotonic() - started < 5


def _timed_enter(gate: WriteGate, token: Token, limit: float = 5) -> float:
    """Seconds ``gate.enter(token)`` took, run in a thread so that a hang fails the test
    (after ``limit`` seconds) instead of blocking it."""
    took: list[float] = []

    def enter() -> None:
        started = time.monotonic()
        gate.enter(token)
        took.append(time.monotonic() - started)

    thread = threading.Thread(target=enter, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"enter() still waiting after {limit} s"
    return took[0]


def test_a_wait_past_the_timeout_falls_through() -> None:
    timeout = 0.5  # long enough that "at once" cannot be a slow thread start on a busy box
    early = timeout * 0.9  # Event.wait may wake a hair before its timeout
    gate, holder, late = WriteGate(timeout=timeout), Token(), Token()
    gate.enter(holder)
    assert early <= _timed_enter(gate, late) < 5  # returns after the timeout, no hang
    gate.leave(late)  # not the holder: nothing changes, the holder still holds the gate
    assert _timed_enter(gate, Token()) >= early  # a newcomer still waits it out
    gate.leave(holder)
    third = Token()
    assert _timed_enter(gate, third) < early  # the queue is empty again: granted at once
    gate.leave(third)
    assert _timed_enter(gate, Token()) < early  # and the third left: free again


def test_concurrent_writers_on_one_file(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'gate.db'}")
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE t (n INTEGER)"))

    def write(n: int) -> None:
        for _ in range(20):
            with engine.begin() as conn:
                conn.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})

    threads = [threading.Thread(target=write, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 160
    engine.dispose()
