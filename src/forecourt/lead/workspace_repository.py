"""Queries of the dealer workspace and the response clock: queues, contact attempts, declines,
escalations and the speed-to-lead rows."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecourt.lead.models import ContactAttempt, Lead, LeadDecline, ResponseClock


def queue(
    session: Session, dealer_id: uuid.UUID, statuses: Collection[str], limit: int
) -> Sequence[Lead]:
    """A dealer's leads in the given statuses, the nearest response deadline first."""
    query = (
        select(Lead)
        .where(Lead.dealer_id == dealer_id, Lead.status.in_(statuses))
        .order_by(Lead.response_due_at.is_(None), Lead.response_due_at, Lead.received_at)
        .limit(limit)
    )
    return session.scalars(query).all()


def attempts_of(session: Session, lead_id: uuid.UUID) -> Sequence[ContactAttempt]:
    query = (
        select(ContactAttempt)
        .where(ContactAttempt.lead_id == lead_id)
        .order_by(ContactAttempt.recorded_at, ContactAttempt.id)
    )
    return session.scalars(query).all()


def attempt_by_key(session: Session, lead_id: uuid.UUID, key: str) -> ContactAttempt | None:
    query = select(ContactAttempt).where(
        ContactAttempt.lead_id == lead_id, ContactAttempt.client_key == key
    )
    return session.scalars(query).one_or_none()


def decline_of(session: Session, lead_id: uuid.UUID, dealer_id: uuid.UUID) -> LeadDecline | None:
    query = select(LeadDecline).where(
        LeadDecline.lead_id == lead_id, LeadDecline.dealer_id == dealer_id
    )
    return session.scalars(query).one_or_none()


def clocks_of(session: Session, lead_id: uuid.UUID) -> Sequence[ResponseClock]:
    query = (
        select(ResponseClock)
        .where(ResponseClock.lead_id == lead_id)
        .order_by(ResponseClock.started_at, ResponseClock.id)
    )
    return session.scalars(query).all()


def needing_attention(
    session: Session, markets: Collection[str] | None, limit: int
) -> Sequence[Lead]:
    """Escalated and unassigned leads (of some markets, or all), oldest first."""
    query = select(Lead).where(Lead.status.in_(("escalated", "unassigned")))
    if markets is not None:
        query = query.where(Lead.market_code.in_(markets))
    return session.scalars(query.order_by(Lead.received_at).limit(limit)).all()


class ClockFact(NamedTuple):
    """One response clock, as the speed-to-lead figures read it."""

    dealer_id: uuid.UUID
    channel: str
    market_code: str | None
    state: str
    due_at: datetime
    responded_at: datetime | None
    response_seconds: int | None
    business_seconds: int | None


def clock_rows(
    session: Session,
    *,
    since: datetime,
    until: datetime,
    markets: Collection[str] | None,
) -> list[ClockFact]:
    """Every clock started in [since, until], as plain rows for the speed-to-lead figures."""
    c = ResponseClock
    query = select(
        c.dealer_id,
        c.channel,
        c.market_code,
        c.state,
        c.due_at,
        c.responded_at,
        c.response_seconds,
        c.business_seconds,
    ).where(c.started_at >= since, c.started_at <= until)
    if markets is not None:
        query = query.where(c.market_code.in_(markets))
    return [ClockFact(*row) for row in session.execute(query)]
