"""The outbox relay: hands committed events to durable consumers, each event once.

The in-process bus (kernel/bus.py) runs handlers right after a commit, but a process that dies
between the commit and that hand-over loses it. Work that must not be lost (a partner's webhook, a
customer's e-mail) therefore starts from the outbox: the relay reads rows not yet relayed
(`published_at` is null), lets every consumer registered for the event's name record its work
(rows and timers) in the relay's own transaction, and stamps `published_at` in that same
transaction. A relay that dies before its commit leaves the rows unstamped, to be taken again, so
consumers are idempotent (their rows carry the event id under a unique key).

On PostgreSQL several relays share the outbox: rows are claimed with `FOR UPDATE SKIP LOCKED`.
A consumer that raises has its writes undone and its row left unstamped, so a passing fault (a
lost connection) retries on the next run; the other rows of the batch go through.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable

from sqlalchemy import select

from forecourt.kernel.records import OutboxMessage
from forecourt.kernel.uow import UnitOfWork

log = logging.getLogger(__name__)

OutboxConsumer = Callable[[UnitOfWork, OutboxMessage], None]


class OutboxConsumers:
    """Which durable consumers take which event names; features register theirs at wiring time."""

    def __init__(self) -> None:
        self._by_name: dict[str, list[OutboxConsumer]] = defaultdict(list)

    def register(self, event_name: str, consumer: OutboxConsumer) -> None:
        self._by_name[event_name].append(consumer)

    def for_event(self, event_name: str) -> list[OutboxConsumer]:
        return list(self._by_name.get(event_name, ()))


def relay(uow: UnitOfWork, consumers: OutboxConsumers, *, batch: int = 200) -> int:
    """Relay up to `batch` unrelayed outbox rows, oldest first; returns how many were stamped."""
    with uow:
        rows = _claim(uow, batch)
        now = uow.clock.now()
        stamped = 0
        for row in rows:
            if _hand_over(uow, consumers, row):
                row.published_at = now
                stamped += 1
        uow.commit()
        return stamped


def relay_all(uow: UnitOfWork, consumers: OutboxConsumers, *, batch: int = 200) -> int:
    """Relay until nothing relayable is left (or only rows whose consumer keeps failing)."""
    total = 0
    while (stamped := relay(uow, consumers, batch=batch)) > 0:
        total += stamped
    return total


def _claim(uow: UnitOfWork, batch: int) -> list[OutboxMessage]:
    query = (
        select(OutboxMessage)
        .where(OutboxMessage.published_at.is_(None))
        .order_by(OutboxMessage.id)  # UUIDv7: creation order
        .limit(batch)
        .with_for_update(skip_locked=True)
    )
    return list(uow.session.scalars(query))


def _hand_over(uow: UnitOfWork, consumers: OutboxConsumers, row: OutboxMessage) -> bool:
    found = consumers.for_event(row.name)
    if not found:
        return True  # nobody consumes it: nothing to undo, no savepoint needed
    try:
        with uow.savepoint():
            for consumer in found:
                consumer(uow, row)
    except Exception:  # the row stays unrelayed and is taken again on the next run
        log.exception("outbox consumer failed on %s %s", row.name, row.id)
        return False
    return True
