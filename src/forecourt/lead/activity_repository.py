"""Queries of the live activity view: the latest leads with their routing and clocks, and
today's counts, each a single statement over the lead feature's own tables."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, NamedTuple, TypeVar

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from forecourt.lead.models import Lead, ResponseClock, RoutingDecision


@dataclass(frozen=True)
class Scope:
    """Which leads a reader sees: some markets, one dealer, or (both None) every lead."""

    markets: Collection[str] | None = None
    dealer_id: uuid.UUID | None = None


Query = TypeVar("Query", bound="Select[*tuple[Any, ...]]")


def _scoped(query: Query, scope: Scope) -> Query:
    if scope.markets is not None:
        query = query.where(Lead.market_code.in_(scope.markets))
    if scope.dealer_id is not None:
        query = query.where(Lead.dealer_id == scope.dealer_id)
    return query


def latest(session: Session, scope: Scope, limit: int) -> Sequence[Lead]:
    """The newest leads in scope, newest first."""
    query = _scoped(select(Lead), scope).order_by(Lead.received_at.desc(), Lead.id).limit(limit)
    return session.scalars(query).all()


class DecisionFact(NamedTuple):
    """The parts of a routing decision the activity view shows."""

    lead_id: uuid.UUID
    attempt: int
    trigger: str
    outcome: str
    rule: str | None
    dealer_id: uuid.UUID | None
    dealer_code: str | None
    distance_km: float | None
    reasons: list[str]


def latest_decisions(
    session: Session, lead_ids: Collection[uuid.UUID]
) -> dict[uuid.UUID, DecisionFact]:
    """The most recent routing decision of each lead, in one query."""
    d = RoutingDecision
    query = (
        select(
            d.lead_id,
            d.attempt,
            d.trigger,
            d.outcome,
            d.rule,
            d.dealer_id,
            d.dealer_code,
            d.distance_km,
            d.reasons,
        )
        .where(d.lead_id.in_(lead_ids))
        .order_by(d.decided_at, d.attempt)
    )
    # Ordered oldest first, so the last one written per lead wins.
    return {row.lead_id: DecisionFact(*row) for row in session.execute(query)}


def open_warnings(session: Session, lead_ids: Collection[uuid.UUID]) -> dict[uuid.UUID, datetime]:
    """When the running clock of each lead warns, for the leads that have one."""
    c = ResponseClock
    query = select(c.lead_id, c.warn_at).where(c.lead_id.in_(lead_ids), c.state == "open")
    return {row.lead_id: row.warn_at for row in session.execute(query)}


class LeadTally(NamedTuple):
    """How many leads received since a moment share a channel, resolution, status and dealer."""

    channel: str
    resolution: str
    status: str
    has_dealer: bool
    leads: int


def tally_since(session: Session, scope: Scope, since: datetime) -> list[LeadTally]:
    """Leads received since `since`, counted by channel, resolution, status and routed or not."""
    has_dealer = Lead.dealer_id.is_not(None)
    query = _scoped(
        select(Lead.channel, Lead.resolution, Lead.status, has_dealer, func.count()), scope
    ).where(Lead.received_at >= since)
    query = query.group_by(Lead.channel, Lead.resolution, Lead.status, has_dealer)
    return [
        LeadTally(ch, res, st, bool(dealer), int(n))
        for ch, res, st, dealer, n in session.execute(query)
    ]


def escalations_since(session: Session, scope: Scope, since: datetime) -> int:
    """Leads escalated to their market manager since `since`."""
    query = _scoped(select(func.count()).select_from(Lead), scope)
    return int(session.scalar(query.where(Lead.escalated_at >= since)) or 0)


class ClockTally(NamedTuple):
    """Response clocks running now, warned since a moment, breached since it."""

    running: int
    warned: int
    breached: int


def clocks_since(session: Session, scope: Scope, since: datetime) -> ClockTally:
    """Clocks running now and those that warned or breached since `since`, in one statement
    whose three counts each read an index (a lead's due time is set exactly while it runs)."""
    c = ResponseClock
    running = _scoped(select(func.count()).select_from(Lead), scope).where(
        Lead.response_due_at.is_not(None)
    )
    warned = _clock_scoped(select(func.count()).select_from(c).where(c.warned_at >= since), scope)
    breached = _clock_scoped(
        select(func.count()).select_from(c).where(c.breached_at >= since), scope
    )
    row = session.execute(
        select(running.scalar_subquery(), warned.scalar_subquery(), breached.scalar_subquery())
    ).one()
    return ClockTally(int(row[0]), int(row[1]), int(row[2]))


def _clock_scoped(query: Query, scope: Scope) -> Query:
    # A clock belongs to the dealer it ran for, so dealer staff count their own clocks.
    if scope.markets is not None:
        query = query.where(ResponseClock.market_code.in_(scope.markets))
    if scope.dealer_id is not None:
        query = query.where(ResponseClock.dealer_id == scope.dealer_id)
    return query
