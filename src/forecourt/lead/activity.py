"""The live activity view: the latest leads as the system handled them (identity, score, routing,
response clock) and today's counts, within the reader's scope: HQ and the call centre see every
lead, a market manager the leads of their markets, dealer staff their dealer's leads (the rules
`service.get_lead` applies to one lead).

Dealer names come from a per-network-version table and people from a per-process memo, so a
poll every few seconds costs a handful of queries whatever the number of rows.
"""

from __future__ import annotations

import math
import threading
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from forecourt.customer import service as customers
from forecourt.dealer import service as dealers
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import SYSTEM, Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import activity_repository as repository
from forecourt.lead import network as networks
from forecourt.lead.activity_repository import DecisionFact, Scope
from forecourt.lead.activity_schemas import (
    ActivityCounts,
    ActivityLead,
    RecentActivity,
    ResponseClockView,
    RoutingView,
)
from forecourt.lead.models import Lead

MAX_LIMIT = 100


def recent_activity(uow: UnitOfWork, *, limit: int = 20) -> RecentActivity:
    """The latest leads in the caller's scope, newest first, with today's counts (UTC day)."""
    if not 1 <= limit <= MAX_LIMIT:
        raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}", field="limit")
    now = uow.clock.now()
    since = now.astimezone(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    scope = scope_of(uow.actor)
    if scope is None:
        return RecentActivity(at=now, leads=[], counts=ActivityCounts(since=since))
    with uow:
        leads = repository.latest(uow.session, scope, limit)
        rows = _rows(uow, leads, now)
        counts = _counts(uow, scope, since)
    return RecentActivity(at=now, leads=rows, counts=counts)


def scope_of(actor: Principal) -> Scope | None:
    """The leads an actor reads, as `service.get_lead` decides for one lead; None for none."""
    if actor.role is Role.DEALER_STAFF:
        return Scope(dealer_id=actor.dealer_id) if actor.dealer_id else None
    if actor.role is Role.MARKET_MANAGER:
        return Scope(markets=sorted(actor.market_codes))
    return Scope()


def _rows(uow: UnitOfWork, leads: Sequence[Lead], now: datetime) -> list[ActivityLead]:
    ids = [lead.id for lead in leads]
    if not ids:
        return []
    decisions = repository.latest_decisions(uow.session, ids)
    warnings = repository.open_warnings(uow.session, ids)
    names = _dealer_names(uow)
    people = _people(uow, [lead.identity_id for lead in leads])
    return [
        _row(lead, decisions.get(lead.id), warnings.get(lead.id), names, people, now)
        for lead in leads
    ]


def _row(
    lead: Lead,
    decision: DecisionFact | None,
    warn_at: datetime | None,
    names: dict[uuid.UUID, tuple[str, str]],
    people: dict[uuid.UUID, Person],
    now: datetime,
) -> ActivityLead:
    person = people.get(lead.identity_id, Person(None, None, None))
    return ActivityLead(
        id=lead.id,
        received_at=lead.received_at,
        channel=lead.channel,
        campaign_code=lead.campaign_code,
        market_code=lead.market_code,
        city=person.city,
        display_name=person.display_name,
        resolution=lead.resolution,
        match_probability=person.probability if lead.resolution != "new" else None,
        score=lead.score,
        priority=lead.priority,
        status=lead.status,
        routing=routing_view(lead.dealer_id, decision, names),
        clock=clock_view(lead, warn_at, now),
    )


def routing_view(
    dealer_id: uuid.UUID | None,
    decision: DecisionFact | None,
    names: dict[uuid.UUID, tuple[str, str]],
) -> RoutingView:
    """Where the lead is now and, in a few words, why the last routing chose it."""
    code, name = names.get(dealer_id, (None, None)) if dealer_id else (None, None)
    if decision is None:
        return RoutingView(dealer_id=dealer_id, dealer_code=code, dealer_name=name)
    return RoutingView(
        outcome=decision.outcome,
        dealer_id=dealer_id,
        dealer_code=code or decision.dealer_code,
        dealer_name=name,
        reason=_reason(decision),
        attempt=decision.attempt,
    )


def _reason(decision: DecisionFact) -> str:
    if decision.outcome != "assigned":
        return decision.reasons[-1] if decision.reasons else decision.outcome
    words = (decision.rule or "routed").replace("_", " ")
    if decision.distance_km is not None:
        words += f", {decision.distance_km:.1f} km"
    if decision.trigger != "capture":
        words = f"re-routed ({decision.trigger.replace('_', ' ')}): {words}"
    return words


def clock_view(lead: Lead, warn_at: datetime | None, now: datetime) -> ResponseClockView:
    """The response clock in words: due in, warning, overdue, answered in, escalated, or none."""
    if lead.status == "escalated":
        return ResponseClockView(state="escalated", label="escalated")
    if lead.first_response_at is not None:
        started = lead.assigned_at or lead.received_at
        minutes = max(0, round((lead.first_response_at - started).total_seconds() / 60))
        return ResponseClockView(
            state="answered", minutes=minutes, label=f"answered in {duration(minutes)}"
        )
    due = lead.response_due_at
    if due is None:
        return ResponseClockView(state="none", label="no clock")
    if due <= now:
        late = math.ceil((now - due).total_seconds() / 60)
        return ResponseClockView(
            state="overdue", minutes=late, label=f"overdue by {duration(late)}"
        )
    left = math.ceil((due - now).total_seconds() / 60)
    state = "warning" if warn_at is not None and warn_at <= now else "due"
    return ResponseClockView(state=state, minutes=left, label=f"due in {duration(left)}")


def duration(minutes: int) -> str:
    """Minutes as a person reads them: 45 min, 3 h 05 min, 2 d 4 h."""
    if minutes < 60:
        return f"{minutes} min"
    hours, rest = divmod(minutes, 60)
    if hours < 24:
        return f"{hours} h {rest:02d} min"
    days, hours = divmod(hours, 24)
    return f"{days} d {hours} h"


def _counts(uow: UnitOfWork, scope: Scope, since: datetime) -> ActivityCounts:
    counts = ActivityCounts(since=since)
    for row in repository.tally_since(uow.session, scope, since):
        counts.captured += row.leads
        counts.by_channel[row.channel] = counts.by_channel.get(row.channel, 0) + row.leads
        counts.new_customers += row.leads if row.resolution == "new" else 0
        counts.returning += row.leads if row.resolution == "linked" else 0
        counts.in_review += row.leads if row.resolution == "review" else 0
        counts.assigned += row.leads if row.has_dealer else 0
        counts.unassigned += row.leads if row.status == "unassigned" else 0
    clocks = repository.clocks_since(uow.session, scope, since)
    counts.clocks_running, counts.warnings, counts.breaches = clocks
    counts.escalations = repository.escalations_since(uow.session, scope, since)
    counts.by_channel = dict(sorted(counts.by_channel.items()))
    return counts


# -- dealers and people, read once -------------------------------------------------------------

_lock = threading.Lock()
_names: dict[str, dict[uuid.UUID, tuple[str, str]]] = {}


def _dealer_names(uow: UnitOfWork) -> dict[uuid.UUID, tuple[str, str]]:
    """(code, name) of every dealer, rebuilt only when the network's version stamp changes."""
    stamp = networks.current(uow).stamp
    found = _names.get(stamp)
    if found is None:
        # The whole network, whatever the reader's scope: a lead in a manager's market may have
        # gone to a dealer of a neighbouring market of the same data region.
        every = dealers.list_dealers(uow.for_actor(SYSTEM))
        found = {d.id: (d.code, d.name) for d in every}
        with _lock:
            _names.clear()
            _names[stamp] = found
    return found


class Person(NamedTuple):
    """A lead's person as they gave themselves, and how sure the match to a customer was."""

    display_name: str | None
    city: str | None
    probability: float | None


def _people(uow: UnitOfWork, identity_ids: list[uuid.UUID]) -> dict[uuid.UUID, Person]:
    """The people behind the listed leads' source identities, in one read."""
    # The leads were read within the caller's scope; their identities come with them.
    found = customers.identities_of_leads(uow, identity_ids=identity_ids)
    return {i.id: Person(i.display_name, i.city_name, i.match_probability) for i in found}
