"""Durable timers: fired once when due, retried with back-off on failure, cancellable."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.kernel import timers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.records import AuditEntry, Timer
from forecourt.kernel.timers import TimerRegistry
from forecourt.kernel.uow import UnitOfWork

T0 = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(T0)


@pytest.fixture
def wired(
    database_url: str, session_factory: sessionmaker[Session], clock: FixedClock
) -> Container:
    return bootstrap(
        Settings(database_url=database_url), session_factory=session_factory, clock=clock
    )


def _schedule(uow: UnitOfWork, kind: str, due_in: timedelta, subject: uuid.UUID) -> None:
    with uow:
        timers.schedule(uow, kind=kind, due_at=T0 + due_in, subject_id=subject, payload={"n": 1})
        uow.commit()


def _state(connection: Connection, subject: uuid.UUID) -> list[tuple[str, str, int]]:
    rows = connection.execute(
        select(Timer.kind, Timer.state, Timer.attempts)
        .where(Timer.subject_id == subject)
        .order_by(Timer.kind)
    )
    return [tuple(row) for row in rows]  # type: ignore[misc]


def test_a_due_timer_fires_once_and_a_later_one_waits(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    subject = uuid.uuid4()
    seen: list[tuple[str, dict[str, object]]] = []
    registry = TimerRegistry()
    registry.register("t.soon", lambda _uow, t: seen.append((t.kind, t.payload)))
    registry.register("t.later", lambda _uow, t: seen.append((t.kind, t.payload)))
    _schedule(wired.uow(), "t.soon", timedelta(minutes=5), subject)
    _schedule(wired.uow(), "t.later", timedelta(hours=1), subject)

    assert timers.run_due(wired.uow(), registry) == 0  # nothing is due yet
    clock.advance(timedelta(minutes=10))
    assert timers.run_due(wired.uow(), registry) == 1
    assert timers.run_due(wired.uow(), registry) == 0  # fired once, never again
    assert seen == [("t.soon", {"n": 1})]
    assert _state(connection, subject) == [("t.later", "pending", 0), ("t.soon", "done", 0)]


def test_a_failing_handler_is_undone_and_retried_with_backoff(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    subject = uuid.uuid4()
    calls: list[int] = []

    def flaky(uow: UnitOfWork, timer: Timer) -> None:
        calls.append(1)
        uow.audit("flaky.ran", "timer", timer.id)
        if len(calls) == 1:
            raise RuntimeError("partner down")

    registry = TimerRegistry()
    registry.register("t.flaky", flaky)
    _schedule(wired.uow(), "t.flaky", timedelta(0), subject)

    assert timers.run_due(wired.uow(), registry) == 1
    assert _state(connection, subject) == [("t.flaky", "pending", 1)]
    audits = select(AuditEntry).where(AuditEntry.action == "flaky.ran")
    assert connection.execute(audits).all() == []  # the failed attempt's writes were undone
    assert timers.run_due(wired.uow(), registry) == 0  # backing off
    clock.advance(timers.backoff(1))
    assert timers.run_due(wired.uow(), registry) == 1
    assert _state(connection, subject) == [("t.flaky", "done", 1)]
    assert len(connection.execute(audits).all()) == 1


def test_a_timer_that_keeps_failing_ends_failed_with_its_error(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    subject = uuid.uuid4()
    _schedule(wired.uow(), "t.unknown", timedelta(0), subject)  # no handler registered
    for _ in range(timers.MAX_ATTEMPTS):
        timers.run_due(wired.uow(), TimerRegistry())
        clock.advance(timedelta(hours=2))
    row = connection.execute(select(Timer).where(Timer.subject_id == subject)).one()
    assert (row.state, row.attempts) == ("failed", timers.MAX_ATTEMPTS)
    assert "no handler registered" in (row.last_error or "")


def test_cancel_stops_pending_timers_of_a_subject(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    subject, other = uuid.uuid4(), uuid.uuid4()
    _schedule(wired.uow(), "t.warn", timedelta(0), subject)
    _schedule(wired.uow(), "t.breach", timedelta(0), subject)
    _schedule(wired.uow(), "t.warn", timedelta(0), other)
    uow = wired.uow()
    with uow:
        assert timers.cancel(uow, subject_id=subject, kinds=("t.warn",)) == 1
        assert [t.kind for t in timers.pending_for(uow, subject_id=subject)] == ["t.breach"]
        uow.commit()
    assert _state(connection, subject) == [("t.breach", "pending", 0), ("t.warn", "cancelled", 0)]
    assert _state(connection, other) == [("t.warn", "pending", 0)]
