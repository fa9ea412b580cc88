"""Every query of the lead feature."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Sequence
from typing import Any, cast

from sqlalchemy import Table, bindparam, func, select, update
from sqlalchemy.orm import Session

from forecourt.db.direct import Direct
from forecourt.kernel.rows import core
from forecourt.lead.models import Lead, LeadScoreModel, RoutingDecision

ROUTING_COLUMNS = (
    "score",
    "score_reasons",
    "priority",
    "status",
    "dealer_id",
    "assigned_staff_id",
    "assigned_at",
    "routing_attempts",
    "response_due_at",
)
"""The columns of a lead that scoring, routing and the response clock set."""


# Every capture asks whether it is a replay (most are not) and writes what routing set: by
# statements built once, run on the driver's cursor (db.direct).
_ID_BY_SOURCE = Direct(
    select(Lead.id).where(
        Lead.channel == bindparam("channel"), Lead.source_id == bindparam("source_id")
    )
)
_ID_BY_KEY = Direct(select(Lead.id).where(Lead.idempotency_key == bindparam("key")))


def id_by_source(session: Session, channel: str, source_id: str) -> uuid.UUID | None:
    return _first(
        _ID_BY_SOURCE.fetch_all(core(session), {"channel": channel, "source_id": source_id})
    )


def id_by_idempotency_key(session: Session, key: str) -> uuid.UUID | None:
    return _first(_ID_BY_KEY.fetch_all(core(session), {"key": key}))


def _first(rows: list[tuple[Any, ...]]) -> uuid.UUID | None:
    """The id of the one row found, if any (a unique key's lookup)."""
    return cast(uuid.UUID, rows[0][0]) if rows else None


LEAD = cast(Table, Lead.__table__)
_LEAD = LEAD.c
_SAVE_ROUTING = Direct(
    update(LEAD)
    .where(_LEAD.id == bindparam("lead_id"))
    .values({c: bindparam(f"new_{c}", type_=_LEAD[c].type) for c in ROUTING_COLUMNS})
)


def save_routing(session: Session, lead: Lead) -> None:
    """Write what scoring and routing set on a lead inserted earlier in this transaction (one
    outside the session: see `kernel.rows`)."""
    values = {f"new_{column}": getattr(lead, column) for column in ROUTING_COLUMNS}
    _SAVE_ROUTING.execute(core(session), {"lead_id": lead.id, **values})


def get(session: Session, lead_id: uuid.UUID) -> Lead | None:
    return session.get(Lead, lead_id)


def of_customer(session: Session, customer_ids: Sequence[uuid.UUID]) -> Sequence[Lead]:
    stmt = select(Lead).where(Lead.customer_id.in_(customer_ids)).order_by(Lead.received_at)
    return session.scalars(stmt).all()


# -- routing -----------------------------------------------------------------------------------

OPEN_STATUSES = ("assigned", "accepted", "contacted", "appointment", "test_drive_booked")
CLOSED_STATUSES = ("won", "lost")


def get_for_update(session: Session, lead_id: uuid.UUID) -> Lead | None:
    """The lead, locked until commit so two re-routes of it cannot interleave."""
    return session.get(Lead, lead_id, with_for_update=True, populate_existing=True)


# Run for every lead linked to a known customer (its score and relationships): db.direct.
_CUSTOMER_HISTORY = Direct(
    select(Lead.dealer_id, Lead.status)
    .where(Lead.customer_id == bindparam("customer_id"), Lead.id != bindparam("lead_id"))
    .order_by(Lead.received_at.desc())
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))  # named: SQLite's dialect would add an offset of its own
)


def customer_history(
    session: Session, customer_id: uuid.UUID, lead_id: uuid.UUID, limit: int = 20
) -> list[tuple[uuid.UUID | None, str]]:
    """(dealer, status) of the customer's other leads, newest first."""
    values = {"customer_id": customer_id, "lead_id": lead_id, "limit": limit, "offset": 0}
    rows = _CUSTOMER_HISTORY.fetch_all(core(session), values)
    return [(dealer_id, status) for dealer_id, status in rows]


def tried_dealers(session: Session, lead_id: uuid.UUID) -> set[uuid.UUID]:
    query = select(RoutingDecision.dealer_id).where(
        RoutingDecision.lead_id == lead_id, RoutingDecision.dealer_id.is_not(None)
    )
    return {dealer_id for dealer_id in session.scalars(query) if dealer_id}


def decisions(session: Session, lead_id: uuid.UUID) -> list[RoutingDecision]:
    query = (
        select(RoutingDecision)
        .where(RoutingDecision.lead_id == lead_id)
        .order_by(RoutingDecision.decided_at, RoutingDecision.attempt)
    )
    return list(session.scalars(query))


def open_by_staff(session: Session, dealer_id: uuid.UUID) -> dict[uuid.UUID, int]:
    query = (
        select(Lead.assigned_staff_id, func.count())
        .where(Lead.dealer_id == dealer_id, Lead.status.in_(OPEN_STATUSES))
        .group_by(Lead.assigned_staff_id)
    )
    return {staff: int(n) for staff, n in session.execute(query) if staff}


def pending(session: Session, limit: int) -> list[Lead]:
    """Leads stored but not yet routed (bulk imports), oldest first, skipping any another
    router holds."""
    query = (
        select(Lead)
        .where(Lead.status == "new")
        .order_by(Lead.received_at)
        .limit(limit)
        .with_for_update(skip_locked=True)
    )
    return list(session.scalars(query))


def latest_score_model_id(session: Session) -> uuid.UUID | None:
    query = select(LeadScoreModel.id).order_by(LeadScoreModel.trained_at.desc()).limit(1)
    return session.scalars(query).first()


def score_model(session: Session, model_id: uuid.UUID) -> LeadScoreModel | None:
    return session.get(LeadScoreModel, model_id)


def closed_levels(session: Session) -> Iterator[tuple[list[dict[str, Any]], bool]]:
    """The score reasons and outcome of every won or lost lead, streamed."""
    query = select(Lead.score_reasons, Lead.status).where(Lead.status.in_(CLOSED_STATUSES))
    for reasons, status in session.execute(query.execution_options(yield_per=1000)):
        yield reasons, status == "won"
