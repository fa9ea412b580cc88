"""Work mapped over forked processes comes back complete and in order."""

from __future__ import annotations

import os

import pytest

from forecourt.db import forked

SQUARES = [n * n for n in range(40)]


def _square_and_maker(n: int) -> tuple[int, int]:
    return n * n, os.getpid()


def test_without_worker_processes_the_work_stays_here() -> None:
    results = list(forked.forked_map(_square_and_maker, range(40)))
    assert [square for square, _ in results] == SQUARES
    assert {maker for _, maker in results} == {os.getpid()}
    assert forked.workers() == 1


def test_with_worker_processes_the_results_come_back_in_order_from_them() -> None:
    seen = []  # the closure is copied into the workers; here it stays empty
    with forked.processes(2):
        assert forked.workers() == 2
        results = list(forked.forked_map(lambda n: (seen.append(n), n * n, os.getpid()), range(40)))
    assert [square for _, square, _ in results] == SQUARES
    assert os.getpid() not in {maker for _, _, maker in results}
    assert seen == []
    assert forked.workers() == 1


def test_an_exception_in_a_worker_is_raised_here() -> None:
    def fail_on_seven(n: int) -> int:
        if n == 7:
            raise LookupError("no seven")
        return n

    with forked.processes(2), pytest.raises(LookupError, match="no seven"):
        list(forked.forked_map(fail_on_seven, range(20)))


def test_steps_side_by_side_give_their_results_in_order() -> None:
    with forked.processes(2):
        results = forked.side_by_side(lambda: ("a", os.getpid()), lambda: ("b", os.getpid()))
    assert [name for name, _ in results] == ["a", "b"]
    assert os.getpid() not in {maker for _, maker in results}
    assert forked.side_by_side(lambda: 1, lambda: 2, lambda: 3) == [1, 2, 3]
