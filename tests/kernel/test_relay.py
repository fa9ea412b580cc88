"""The outbox relay: each committed event handed to its durable consumers once; a consumer that
fails leaves its event to be taken again."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from sqlalchemy import select

from forecourt.bootstrap import Container
from forecourt.kernel.events import Event
from forecourt.kernel.records import OutboxMessage
from forecourt.kernel.relay import OutboxConsumers, relay, relay_all
from forecourt.kernel.uow import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Pinged(Event):
    name: ClassVar[str] = "test.pinged"
    n: int


def _emit(uow: UnitOfWork, *events: Event) -> None:
    with uow:
        for event in events:
            uow.emit(event)
        uow.commit()


def _published(uow: UnitOfWork, event: Event) -> bool:
    with uow:
        row = uow.session.scalars(
            select(OutboxMessage).where(OutboxMessage.id == event.event_id)
        ).one()
        return row.published_at is not None


def test_each_event_reaches_its_consumers_once_in_order(container: Container) -> None:
    seen: list[int] = []
    consumers = OutboxConsumers()
    consumers.register("test.pinged", lambda _uow, row: seen.append(row.payload["n"]))
    events = [Pinged(n=i) for i in range(5)]
    _emit(container.uow(), *events)

    assert relay_all(container.uow(), consumers, batch=2) >= 5
    assert relay_all(container.uow(), consumers) == 0
    assert seen == [0, 1, 2, 3, 4]
    assert all(_published(container.uow(), e) for e in events)


def test_a_failing_consumer_is_undone_and_its_event_taken_again(container: Container) -> None:
    attempts: list[int] = []

    def flaky(uow: UnitOfWork, row: OutboxMessage) -> None:
        attempts.append(row.payload["n"])
        uow.audit("relay.test", "outbox", row.id)  # undone with the failure
        if row.payload["n"] == 1 and attempts.count(1) == 1:
            raise ConnectionError("lost the database for a moment")

    consumers = OutboxConsumers()
    consumers.register("test.pinged", flaky)
    first, second = Pinged(n=1), Pinged(n=2)
    _emit(container.uow(), first, second)

    relay(container.uow(), consumers)
    assert not _published(container.uow(), first)
    assert _published(container.uow(), second)  # the rest of the batch went through
    relay(container.uow(), consumers)
    assert _published(container.uow(), first)
    assert attempts == [1, 2, 1]
