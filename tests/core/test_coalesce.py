"""The coalescer: calls that arrive while a batch is answered form the next batch, each
caller gets the answer for its own item (or the batch's exception) on its own event loop,
and the worker thread retires when idle or closed and comes back for the next call.

``answer`` is held on a ``threading.Event`` so that the tests decide when a batch ends;
timeouts are generous and only keep a broken coalescer from hanging the run.
"""

import asyncio
import threading
import time
from collections.abc import Callable, Iterator, Sequence

import pytest

from urutiq_ai.core.coalesce import Coalescer

TIMEOUT = 5.0


class Boom(Exception):
    """What a failing ``answer`` raises."""


class Answerer:
    """An ``answer`` function that records each batch and the thread that answered it,
    returns ``item * 10`` per item, and can be held until released."""

    def __init__(self, *, held: bool = False) -> None:
        self.batches: list[list[int]] = []
        self.threads: list[threading.Thread] = []
        self.entered = threading.Event()
        self.gate = threading.Event()
        self.fail: Callable[[list[int]], Sequence[int] | None] = lambda _items: None
        if not held:
            self.gate.set()

    def __call__(self, items: list[int]) -> Sequence[int]:
        self.batches.append(list(items))
        self.threads.append(threading.current_thread())
        self.entered.set()
        assert self.gate.wait(TIMEOUT), "the test never released answer"
        override = self.fail(items)
        if override is not None:
            return override
        return [item * 10 for item in items]


Make = Callable[..., tuple[Coalescer[int, int], Answerer]]


@pytest.fixture
def make() -> Iterator[Make]:
    """Builds a coalescer around a fresh ``Answerer``; releases and closes it afterwards."""
    made: list[tuple[Coalescer[int, int], Answerer]] = []

    def build(
        *, held: bool = False, max_batch: int = 64, idle_seconds: float = 10.0
    ) -> tuple[Coalescer[int, int], Answerer]:
        answerer = Answerer(held=held)
        coalescer: Coalescer[int, int] = Coalescer(
            answerer, max_batch=max_batch, idle_seconds=idle_seconds, name="test-coalescer"
        )
        made.append((coalescer, answerer))
        return coalescer, answerer

    yield build
    for coalescer, answerer in made:
        answerer.gate.set()
        coalescer.close(TIMEOUT)


async def wait_entered(answerer: Answerer) -> None:
    """Wait, without blocking the loop, until ``answer`` has been called."""
    assert await asyncio.to_thread(answerer.entered.wait, TIMEOUT), "answer was never called"


async def wait_queued(coalescer: Coalescer[int, int], count: int) -> None:
    """Wait until ``count`` entries sit in the coalescer's queue."""
    deadline = time.monotonic() + TIMEOUT
    while coalescer._queue.qsize() < count:
        assert time.monotonic() < deadline, f"never {count} queued"
        await asyncio.sleep(0.001)


def wait_queued_sync(coalescer: Coalescer[int, int], count: int) -> None:
    """``wait_queued`` for a thread that runs no event loop."""
    deadline = time.monotonic() + TIMEOUT
    while coalescer._queue.qsize() < count:
        assert time.monotonic() < deadline, f"never {count} queued"
        time.sleep(0.001)


def wait_retired(coalescer: Coalescer[int, int]) -> None:
    """Wait until the coalescer has no worker thread."""
    deadline = time.monotonic() + TIMEOUT
    while coalescer._thread is not None:
        assert time.monotonic() < deadline, "the worker never retired"
        time.sleep(0.01)


async def held_first_then(
    coalescer: Coalescer[int, int], answerer: Answerer, first: int, items: list[int]
) -> tuple[int, list[int | BaseException]]:
    """Submit ``first`` and hold its answer, queue ``items`` behind it, then release;
    returns the first result and the others' results (or exceptions), in order."""
    head = asyncio.create_task(coalescer.submit(first))
    await wait_entered(answerer)
    rest = [asyncio.create_task(coalescer.submit(item)) for item in items]
    await wait_queued(coalescer, len(items))
    answerer.gate.set()
    others = await asyncio.wait_for(asyncio.gather(*rest, return_exceptions=True), TIMEOUT)
    return await head, list(others)


def test_single_submit_is_a_batch_of_one(make: Make) -> None:
    """A lone call is answered at once, alone, with the result for its item."""
    coalescer, answerer = make()
    assert asyncio.run(coalescer.submit(7)) == 70
    assert answerer.batches == [[7]]


def test_calls_during_a_batch_form_the_next_batch(make: Make) -> None:
    """Calls queued while a batch is answered go together, in order, each to its caller."""
    coalescer, answerer = make(held=True)
    first, others = asyncio.run(held_first_then(coalescer, answerer, 1, [2, 3, 4, 5, 6]))
    assert answerer.batches == [[1], [2, 3, 4, 5, 6]]
    assert first == 10
    assert others == [20, 30, 40, 50, 60]


def test_max_batch_caps_each_batch(make: Make) -> None:
    """No batch exceeds ``max_batch``, and every queued call is still answered."""
    coalescer, answerer = make(held=True, max_batch=2)
    first, others = asyncio.run(held_first_then(coalescer, answerer, 1, [2, 3, 4, 5, 6]))
    assert first == 10
    assert others == [20, 30, 40, 50, 60]
    assert answerer.batches == [[1], [2, 3], [4, 5], [6]]


def test_answer_raising_fails_the_whole_batch_only(make: Make) -> None:
    """Every caller of a failing batch gets its exception; the worker answers later ones."""
    coalescer, answerer = make(held=True)
    boom = Boom("no")

    def fail(items: list[int]) -> None:
        if any(item < 0 for item in items):
            raise boom

    answerer.fail = fail
    first, others = asyncio.run(held_first_then(coalescer, answerer, 1, [-1, 5]))
    assert first == 10
    assert others == [boom, boom]
    assert asyncio.run(coalescer.submit(7)) == 70
    assert answerer.batches == [[1], [-1, 5], [7]]


def test_wrong_number_of_answers_is_a_runtime_error(make: Make) -> None:
    """An answer with too few or too many results fails every caller with RuntimeError."""
    coalescer, answerer = make(held=True)
    answerer.fail = lambda items: [0] * (len(items) + 1) if 3 in items else None
    first, others = asyncio.run(held_first_then(coalescer, answerer, 1, [2, 3]))
    assert first == 10
    assert all(isinstance(other, RuntimeError) for other in others), others
    answerer.fail = lambda _items: []
    with pytest.raises(RuntimeError, match="0 answers for 1 calls"):
        asyncio.run(coalescer.submit(4))


def test_callers_on_different_event_loops(make: Make) -> None:
    """Callers on separate loops, sharing one batch, each get their own answer."""
    coalescer, answerer = make(held=True)
    results: dict[int, int | BaseException] = {}

    def call(item: int) -> None:
        try:
            results[item] = asyncio.run(coalescer.submit(item))
        except BaseException as exc:  # noqa: BLE001 - the test inspects what each raised
            results[item] = exc

    threads = [threading.Thread(target=call, args=(item,)) for item in (1, 2, 3)]
    threads[0].start()
    assert answerer.entered.wait(TIMEOUT)
    threads[1].start()
    threads[2].start()
    wait_queued_sync(coalescer, 2)
    answerer.gate.set()
    for thread in threads:
        thread.join(TIMEOUT)
        assert not thread.is_alive()
    assert results == {1: 10, 2: 20, 3: 30}
    assert answerer.batches[0] == [1]
    assert sorted(answerer.batches[1]) == [2, 3]
    assert len(answerer.batches) == 2


def test_idle_worker_retires_and_a_new_one_answers(make: Make) -> None:
    """After ``idle_seconds`` without calls the worker exits; the next call starts another."""
    coalescer, answerer = make(idle_seconds=0.05)
    assert asyncio.run(coalescer.submit(1)) == 10
    wait_retired(coalescer)
    answerer.threads[0].join(TIMEOUT)
    assert not answerer.threads[0].is_alive()
    assert asyncio.run(coalescer.submit(2)) == 20
    assert answerer.threads[1] is not answerer.threads[0]
    assert answerer.batches == [[1], [2]]


def test_close_answers_what_is_queued_and_stops_the_worker(make: Make) -> None:
    """``close`` answers calls still queued, ends the worker, and later calls still work."""
    coalescer, answerer = make(held=True)

    async def scenario() -> tuple[int, int]:
        head = asyncio.create_task(coalescer.submit(1))
        await wait_entered(answerer)
        queued = asyncio.create_task(coalescer.submit(2))
        await wait_queued(coalescer, 1)
        closing = asyncio.create_task(asyncio.to_thread(coalescer.close, TIMEOUT))
        await wait_queued(coalescer, 2)  # the call, then the stop
        answerer.gate.set()
        await asyncio.wait_for(closing, TIMEOUT)
        return await head, await queued

    assert asyncio.run(scenario()) == (10, 20)
    assert coalescer._thread is None
    assert not answerer.threads[0].is_alive()
    assert asyncio.run(coalescer.submit(3)) == 30
    assert answerer.threads[-1] is not answerer.threads[0]
    assert answerer.batches == [[1], [2], [3]]


def test_close_without_a_worker_returns(make: Make) -> None:
    """``close`` on a coalescer that never ran (or closed twice) does nothing and returns."""
    coalescer, _ = make()
    coalescer.close(TIMEOUT)
    assert asyncio.run(coalescer.submit(1)) == 10
    coalescer.close(TIMEOUT)
    coalescer.close(TIMEOUT)
    assert coalescer._thread is None


def test_cancelled_callers_do_not_break_the_others(make: Make) -> None:
    """Cancelled callers are skipped quietly; the rest of their batches get their answers."""
    coalescer, answerer = make(held=True)
    leaked: list[dict[str, object]] = []

    async def scenario() -> list[int]:
        loop = asyncio.get_running_loop()
        loop.set_exception_handler(lambda _loop, context: leaked.append(context))
        head = asyncio.create_task(coalescer.submit(1))
        await wait_entered(answerer)
        others = [asyncio.create_task(coalescer.submit(item)) for item in (2, 3)]
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(coalescer.submit(4), 0.05)
        more = asyncio.create_task(coalescer.submit(5))
        await wait_queued(coalescer, 4)
        head.cancel()
        answerer.gate.set()
        results = await asyncio.wait_for(asyncio.gather(*others, more), TIMEOUT)
        with pytest.raises(asyncio.CancelledError):
            await head
        results.append(await coalescer.submit(6))
        return list(results)

    assert asyncio.run(scenario()) == [20, 30, 50, 60]
    assert answerer.batches == [[1], [2, 3, 4, 5], [6]]
    assert leaked == []


def test_call_arriving_as_the_worker_retires_is_answered(
    make: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A call queued while the idle worker decides to stop keeps that worker running."""
    coalescer, answerer = make(idle_seconds=0.05)
    retiring = threading.Event()
    retire = coalescer._retire
    seen: list[bool] = []

    def retire_after_a_late_call() -> bool:
        if not retiring.is_set():
            retiring.set()
            wait_queued_sync(coalescer, 1)
        seen.append(retire())
        return seen[-1]

    monkeypatch.setattr(coalescer, "_retire", retire_after_a_late_call)

    async def scenario() -> int:
        assert await coalescer.submit(1) == 10
        assert await asyncio.to_thread(retiring.wait, TIMEOUT), "the worker never idled"
        return await asyncio.wait_for(coalescer.submit(2), TIMEOUT)

    assert asyncio.run(scenario()) == 20
    assert seen[0] is False
    assert answerer.threads[1] is answerer.threads[0]
