"""The unit of work: one transaction, its outbox rows and audit entries, events after commit."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from types import TracebackType
from typing import Any, Self, cast

from sqlalchemy import Table
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from forecourt.kernel.bus import MessageBus
from forecourt.kernel.clock import Clock
from forecourt.kernel.events import Event
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.records import AuditEntry, OutboxMessage
from forecourt.kernel.rows import insert_now, insert_rows_now, insert_values


class UnitOfWork:
    """A use case's transaction. `with uow: ...; uow.commit()`; leaving without commit rolls back.

    Events emitted inside are written to the outbox in the same transaction and handed to the
    in-process bus only after the commit succeeded, so no handler sees a change that was undone.

    Re-entrant: a use case may call another feature's service with the same unit of work; the
    inner `with` joins the outer transaction and its `commit()` only flushes, so the outermost
    use case alone decides whether everything is committed.
    """

    session: Session

    def __init__(
        self,
        session_factory: sessionmaker[Session],
        *,
        bus: MessageBus,
        clock: Clock,
        actor: Principal = SYSTEM,
    ) -> None:
        self._session_factory = session_factory
        self.bus = bus
        self.clock = clock
        self.actor = actor
        self._pending: list[Event] = []
        self._after_commit: list[Callable[[], None]] = []
        self._depth = 0

    def for_actor(self, actor: Principal) -> UnitOfWork:
        """A unit of work sharing this one's wiring but acting as `actor`.

        Inside an open transaction it joins that transaction (same session, its commit only
        flushes, its events leave with the outer commit): a second connection would read around
        the outer transaction's writes, and on SQLite wait for the write lock the outer holds.
        """
        other = UnitOfWork(self._session_factory, bus=self.bus, clock=self.clock, actor=actor)
        if self._depth > 0:
            other.session, other._pending, other._depth = self.session, self._pending, 1
            other._after_commit = self._after_commit
        return other

    def __enter__(self) -> Self:
        if self._depth == 0:
            self.session = self._session_factory()
            self._pending, self._after_commit = [], []
        self._depth += 1
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._depth -= 1
        if self._depth == 0:
            self.session.rollback()  # a no-op after commit
            self.session.close()

    def emit(self, event: Event) -> None:
        """Record an event; it is stored in the outbox and published when the work commits."""
        self._pending.append(event)

    def after_commit(self, action: Callable[[], None]) -> None:
        """Run `action` once the transaction has committed, and never if it is undone: for
        what a process remembers of the database in memory (a dealer found full today), which
        must not outlive writes that were rolled back."""
        self._after_commit.append(action)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: object,
        *,
        changes: dict[str, Any] | None = None,
        market_code: str | None = None,
    ) -> None:
        """Record who changed what in the audit trail, inside this transaction."""
        self.session.add(
            AuditEntry(
                at=self.clock.now(),
                actor_id=self.actor.user_id,
                actor_email=self.actor.email,
                action=action,
                entity_type=entity_type,
                entity_id=str(entity_id),
                market_code=market_code,
                changes=changes or {},
            )
        )

    def insert(self, row: Any) -> None:
        """Write a new row at once (a Core INSERT, no flush of the unit of work), for rows the
        transaction does not change again; see `kernel.rows`."""
        insert_now(self.session, row)

    def insert_values(self, cls: type[DeclarativeBase], **values: Any) -> dict[str, Any]:
        """Write a new row of `cls` from its attributes' values at once, without making an
        object of it; the values written, defaults included (see `kernel.rows.insert_values`)."""
        return insert_values(self.session, cls, **values)

    def commit(self) -> None:
        """Write pending events to the outbox, commit, then publish them in process."""
        if self._depth > 1:
            self.session.flush()
            return
        events, self._pending = self._pending, []
        actions, self._after_commit = self._after_commit, []
        if events:
            now = self.clock.now()
            insert_rows_now(self.session, OUTBOX, [_outbox_row(event, now) for event in events])
        self.session.commit()
        for action in actions:
            action()
        for event in events:
            self.bus.publish(event)

    @contextmanager
    def savepoint(self) -> Iterator[None]:
        """Run a block that may fail on its own: on an exception its writes and the events it
        emitted (and what it asked to run after the commit) are undone, and the rest of the
        transaction carries on."""
        mark, actions = len(self._pending), len(self._after_commit)
        nested = self.session.begin_nested()
        try:
            yield
            self.session.flush()
        except BaseException:
            nested.rollback()
            # Trimmed in place: a unit of work joined through `for_actor` shares these lists.
            del self._pending[mark:]
            del self._after_commit[actions:]
            raise
        nested.commit()

    def rollback(self) -> None:
        self._pending, self._after_commit = [], []
        self.session.rollback()


OUTBOX = cast(Table, OutboxMessage.__table__)


def _outbox_row(event: Event, now: Any) -> dict[str, Any]:
    return {
        "id": event.event_id,
        "name": event.name,
        "version": event.version,
        "payload": event.payload(),
        "occurred_at": event.occurred_at or now,
        "published_at": None,  # the relay's to set
    }
