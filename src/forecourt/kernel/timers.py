"""Durable timers: work due at a time, fired by `forecourt worker`, never lost, never run twice.

A feature schedules a timer inside its own transaction (so a timer exists exactly when the change
that needs it was committed) and registers a handler for its kind. A worker fires each due timer
in one transaction of its own: it claims the row (`FOR UPDATE SKIP LOCKED` on PostgreSQL, so
several workers share the queue without firing a timer twice), runs the handler, marks the timer
done and commits. A worker that dies mid-timer never commits, so the timer stays pending and
another worker picks it up. A handler that raises has its writes undone; the timer is retried with
back-off and, after `MAX_ATTEMPTS`, marked failed with the error kept for inspection.

On SQLite, one writer at a time is the rule: run a single worker.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update

from forecourt.kernel.records import Timer
from forecourt.kernel.uow import UnitOfWork

log = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
TimerHandler = Callable[[UnitOfWork, Timer], None]


class TimerRegistry:
    """Which handler fires which kind of timer; features register theirs at wiring time."""

    def __init__(self) -> None:
        self._handlers: dict[str, TimerHandler] = {}

    def register(self, kind: str, handler: TimerHandler) -> None:
        self._handlers[kind] = handler

    def handler(self, kind: str) -> TimerHandler | None:
        return self._handlers.get(kind)

    def kinds(self) -> list[str]:
        return sorted(self._handlers)


def schedule(
    uow: UnitOfWork,
    *,
    kind: str,
    due_at: datetime,
    subject_id: uuid.UUID | None = None,
    payload: dict[str, Any] | None = None,
) -> Timer:
    """Add a timer to the caller's transaction; it fires at `due_at` or as soon after as a
    worker runs."""
    timer = Timer(
        kind=kind,
        subject_id=subject_id,
        payload=payload or {},
        due_at=due_at,
        created_at=uow.clock.now(),
    )
    uow.insert(timer)
    return timer


def cancel(uow: UnitOfWork, *, subject_id: uuid.UUID, kinds: tuple[str, ...] = ()) -> int:
    """Cancel a subject's pending timers (of the given kinds, or all); returns how many."""
    statement = update(Timer).where(Timer.subject_id == subject_id, Timer.state == "pending")
    if kinds:
        statement = statement.where(Timer.kind.in_(kinds))
    result = uow.session.execute(statement.values(state="cancelled"))
    return int(getattr(result, "rowcount", 0) or 0)


def pending_for(uow: UnitOfWork, *, subject_id: uuid.UUID) -> list[Timer]:
    """A subject's pending timers, soonest first."""
    query = (
        select(Timer)
        .where(Timer.subject_id == subject_id, Timer.state == "pending")
        .order_by(Timer.due_at)
    )
    return list(uow.session.scalars(query))


def run_due(uow: UnitOfWork, registry: TimerRegistry, *, limit: int = 100) -> int:
    """Fire up to `limit` due timers, each in its own transaction; returns how many were run."""
    fired = 0
    while fired < limit and _fire_next(uow, registry):
        fired += 1
    return fired


def _fire_next(uow: UnitOfWork, registry: TimerRegistry) -> bool:
    with uow:
        now = uow.clock.now()
        timer = _claim(uow, now)
        if timer is None:
            return False
        try:
            with uow.savepoint():
                _handler_of(registry, timer)(uow, timer)
        except Exception as exc:  # the handler's writes are undone; the timer is retried
            _failed(timer, exc, now)
        else:
            timer.state, timer.fired_at = "done", now
        uow.commit()
        return True


def _claim(uow: UnitOfWork, now: datetime) -> Timer | None:
    query = (
        select(Timer)
        .where(Timer.state == "pending", Timer.due_at <= now)
        .order_by(Timer.due_at)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return uow.session.scalars(query).first()


def _handler_of(registry: TimerRegistry, timer: Timer) -> TimerHandler:
    handler = registry.handler(timer.kind)
    if handler is None:
        raise LookupError(f"no handler registered for timer kind {timer.kind!r}")
    return handler


def _failed(timer: Timer, exc: Exception, now: datetime) -> None:
    log.warning("timer %s (%s) failed: %r", timer.id, timer.kind, exc)
    timer.attempts += 1
    timer.last_error = f"{type(exc).__name__}: {exc}"[:2000]
    if timer.attempts >= MAX_ATTEMPTS:
        timer.state = "failed"
    else:
        timer.due_at = now + backoff(timer.attempts)


def backoff(attempts: int) -> timedelta:
    """Wait before retry number `attempts`: 30 s, 1 min, 2 min … capped at one hour."""
    return timedelta(seconds=min(30 * 2 ** (attempts - 1), 3600))
