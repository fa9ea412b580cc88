"""The unit of work: outbox rows in the same transaction, events only after commit."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

from sqlalchemy import Connection, select

from forecourt.bootstrap import Container
from forecourt.kernel.events import Event
from forecourt.kernel.records import AuditEntry, OutboxMessage


@dataclass(frozen=True, kw_only=True)
class Pinged(Event):
    name = "test.pinged"
    version = 2
    who: str


def test_commit_writes_outbox_then_publishes(container: Container, connection: Connection) -> None:
    seen: list[Pinged] = []
    container.bus.subscribe(Pinged, seen.append)
    uow = container.uow()
    with uow:
        uow.emit(Pinged(who="ana"))
        assert seen == []  # nothing leaves before the commit
        uow.commit()
    assert [e.who for e in seen] == ["ana"]
    row = connection.execute(
        select(OutboxMessage).where(OutboxMessage.id == seen[0].event_id)
    ).one()
    assert (row.name, row.version, row.payload) == ("test.pinged", 2, {"who": "ana"})


def test_leaving_without_commit_discards_events_and_writes(container: Container) -> None:
    seen: list[Pinged] = []
    container.bus.subscribe(Pinged, seen.append)
    uow = container.uow()
    with uow:
        uow.emit(Pinged(who="bo"))
        uow.audit("thing.changed", "thing", "1")
    with uow:
        written = select(AuditEntry).where(AuditEntry.action == "thing.changed")
        assert uow.session.scalars(written).all() == []
    assert seen == []


def test_a_failing_handler_does_not_stop_the_others(container: Container) -> None:
    seen: list[str] = []

    def broken(_event: Pinged) -> None:
        raise RuntimeError("boom")

    container.bus.subscribe(Pinged, broken)
    container.bus.subscribe(Pinged, lambda e: seen.append(e.who))
    uow = container.uow()
    with uow:
        uow.emit(Pinged(who="cy"))
        uow.commit()
    assert seen == ["cy"]


def test_nested_use_cases_share_one_transaction(container: Container) -> None:
    seen: list[Pinged] = []
    container.bus.subscribe(Pinged, seen.append)
    uow = container.uow()
    with uow:
        outer_session = uow.session
        with uow:  # another service called from inside a use case
            assert uow.session is outer_session
            uow.emit(Pinged(who="inner"))
            uow.commit()  # only flushes
        assert seen == []
        uow.commit()
    assert [e.who for e in seen] == ["inner"]


def test_audit_names_the_actor(container: Container, connection: Connection) -> None:
    uow = container.uow()
    with uow:
        uow.audit("thing.renamed", "thing", 42, changes={"name": ["a", "b"]}, market_code="CN")
        uow.commit()
    entry = connection.execute(select(AuditEntry).where(AuditEntry.entity_id == "42")).one()
    assert entry.actor_email == uow.actor.email
    assert entry.changes == {"name": ["a", "b"]}
    assert entry.at.tzinfo is not None


def test_after_commit_actions_run_once_committed_and_never_when_undone(
    container: Container,
) -> None:
    ran: list[str] = []
    uow = container.uow()
    with uow:
        uow.after_commit(lambda: ran.append("kept"))
        joined = uow.for_actor(uow.actor)
        with joined:
            joined.after_commit(lambda: ran.append("joined"))
        with contextlib.suppress(RuntimeError), uow.savepoint():
            uow.after_commit(lambda: ran.append("in a savepoint that failed"))
            raise RuntimeError("undone")
        assert ran == []  # nothing before the commit
        uow.commit()
    with uow:
        uow.after_commit(lambda: ran.append("rolled back"))
    assert ran == ["kept", "joined"]
