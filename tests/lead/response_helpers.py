"""Shared pieces of the response and workspace tests: a stopped clock, a lead given to a dealer."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.dealer import service as dealers
from forecourt.kernel import timers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.records import OutboxMessage
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import response
from forecourt.lead import service as leads
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.models import Lead
from forecourt.lead.workspace_schemas import ContactChannel, ContactIn, ContactOutcome

# Monday 23 November 2026, 10:00 in Munich (CET): every German dealer is open.
MONDAY_10_MUNICH = datetime(2026, 11, 23, 9, 0, tzinfo=UTC)


def wire(database_url: str, session_factory: sessionmaker[Session], clock: FixedClock) -> Container:
    """The container of a test, with a clock the test moves."""
    return bootstrap(
        Settings(database_url=database_url, secret_key="test-secret"),
        session_factory=session_factory,
        clock=clock,
    )


def capture(uow: UnitOfWork, *, channel: str = "live_broadcast", **fields: Any) -> uuid.UUID:
    """A new lead of a person in Munich; returns its id."""
    data = IncomingLead.model_validate(
        {
            "channel": channel,
            "source_id": f"t-{uuid.uuid4().hex[:10]}",
            "full_name": "Anna Huber",
            "phone": "+49 89 1234 5678",
            "city": "München",
            "country": "DE",
            **fields,
        }
    )
    return leads.capture_lead(uow, data=data).lead.id


def assign(
    uow: UnitOfWork, lead_id: uuid.UUID, dealer_code: str, *, priority: str = "high"
) -> uuid.UUID:
    """Give a lead to a dealer as routing would, starting its clock; returns the dealer id."""
    dealer = dealers.get_dealer_by_code(uow, code=dealer_code)
    with uow:
        lead = uow.session.get(Lead, lead_id)
        assert lead is not None
        now = uow.clock.now()
        lead.dealer_id, lead.status, lead.assigned_at = dealer.id, "assigned", now
        lead.priority = priority
        lead.latitude, lead.longitude = dealer.latitude, dealer.longitude
        response.start_clock(uow, lead=lead, assigned_at=now)
        uow.commit()
    return dealer.id


def lead_row(uow: UnitOfWork, lead_id: uuid.UUID) -> Lead:
    """The lead as stored now, detached (for reading after the unit of work is over)."""
    with uow:
        lead = uow.session.get(Lead, lead_id, populate_existing=True)
        assert lead is not None
        uow.session.expunge(lead)
        return lead


def held_lead(uow: UnitOfWork, lead_id: uuid.UUID) -> Lead:
    """The lead in the unit of work the caller has open."""
    lead = uow.session.get(Lead, lead_id)
    assert lead is not None
    return lead


def events(connection: Connection, name: str) -> list[dict[str, Any]]:
    """The payloads of the outbox messages of one name, oldest first."""
    query = (
        select(OutboxMessage.payload)
        .where(OutboxMessage.name == name)
        .order_by(OutboxMessage.occurred_at, OutboxMessage.id)
    )
    return list(connection.scalars(query))


def staff_of(container: Container, dealer_id: uuid.UUID | None) -> UnitOfWork:
    """A unit of work acting as a salesperson of the dealer."""
    assert dealer_id is not None
    dealer = dealers.get_dealer(container.uow(), dealer_id=dealer_id)
    principal = Principal(
        user_id=uuid.uuid4(),
        email=f"sales@{dealer.code.lower()}.example",
        role=Role.DEALER_STAFF,
        market_codes=frozenset({dealer.market_code}),
        dealer_id=dealer.id,
    )
    return container.uow(principal)


def call(outcome: ContactOutcome = ContactOutcome.REACHED, **fields: object) -> ContactIn:
    return ContactIn.model_validate({"channel": ContactChannel.CALL, "outcome": outcome, **fields})


def miss_deadlines(container: Container, clock: FixedClock, lead_id: uuid.UUID, times: int) -> None:
    """Let the lead's response deadline pass `times` times, running the timers each time (each
    breach re-routes it; the market's limit escalates it)."""
    for _ in range(times):
        due = lead_row(container.uow(), lead_id).response_due_at
        assert due is not None
        clock.advance(due - clock.now())
        timers.run_due(container.uow(), container.timers)
