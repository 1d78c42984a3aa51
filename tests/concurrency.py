"""Running one piece of work from several threads at once, for race tests."""

import threading
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


def run_at_once(count: int, work: Callable[[], T], *, timeout: float = 60.0) -> list[T]:
    """``work()`` in ``count`` threads released together (a barrier); their results, in the
    order they finished. An exception in any thread is raised here, not lost in it."""
    start = threading.Barrier(count)
    results: list[T] = []
    errors: list[BaseException] = []

    def one() -> None:
        try:
            start.wait()
            results.append(work())
        except BaseException as exc:  # noqa: BLE001 - every failure is handed to the test
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    if errors:
        raise errors[0]
    assert len(results) == count, f"{count - len(results)} threads did not finish"
    return results
