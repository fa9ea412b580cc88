"""Bulk work shared out to forked copies of this process, results coming back in order.

A bulk import or re-cluster holds millions of rows in memory and then does Python work on
each (scoring candidate pairs, making rows to insert): one core's worth, while the machine has
more. A forked worker starts with everything the parent held, so a task only needs to say
which part to do (a range, a chunk number) and sends back its result. Such tasks read what
they close over and never touch the database: they run in a copy of the process.

The number of worker processes is set around a bulk job with `processes(n)`; outside one, and
with n = 1, everything runs here, in order, as a plain `map` would.
"""

from __future__ import annotations

import contextlib
import multiprocessing
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any, TypeVar

T = TypeVar("T")
R = TypeVar("R")


@dataclass
class _Setting:
    """Worker processes of the bulk job under way, and the task of the workers being forked
    (each keeps its own copy of it)."""

    workers: int = 1
    task: Callable[[Any], Any] | None = None


_setting = _Setting()


@contextlib.contextmanager
def processes(workers: int) -> Iterator[None]:
    """Within this block, `forked_map` shares its work out to `workers` forked processes."""
    before, _setting.workers = _setting.workers, workers
    try:
        yield
    finally:
        _setting.workers = before


def workers() -> int:
    """The worker processes `forked_map` would use now (1: none, the work stays here)."""
    return _setting.workers


def forked_map(task: Callable[[T], R], items: Iterable[T]) -> Iterator[R]:
    """`task` applied to each item, in forked workers under `processes(n > 1)`; the results
    come back in the items' order while later items are still being worked on. An exception
    in a task is raised here."""
    if _setting.workers <= 1:
        yield from map(task, items)
        return
    before, _setting.task = _setting.task, task
    try:  # the workers are forked here, each with `task` in its copy of `_setting`
        pool = multiprocessing.get_context("fork").Pool(_setting.workers)
    finally:
        _setting.task = before
    with pool:
        yield from pool.imap(_run, items)


def _run(item: Any) -> Any:
    assert _setting.task is not None  # set when this worker was forked
    return _setting.task(item)


def side_by_side(*steps: Callable[[], Any]) -> list[Any]:
    """The results of independent steps, in order, worked out side by side on the worker
    processes under `processes(n > 1)`, one after the other here otherwise."""
    return list(forked_map(lambda n: steps[n](), range(len(steps))))
