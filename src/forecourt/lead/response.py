"""Response clocks: how fast the assigned dealer must answer a lead, and what happens if not.

Each (re)assignment starts a clock in the dealer's business time (its opening hours, its
country's public holidays unless it trades on them) with the target of the lead's channel and
priority (`sla.py`): a warning timer fires `warn_before` business minutes before the deadline, a
breach timer at it. On breach the lead is re-routed to the next eligible dealer, up to the
policy's limit; after that, or when no eligible dealer is left, it is escalated to the market
manager, who assigns it to a dealer of their choice or closes it (`escalation.py`).

What counts as the first response: the first contact attempt the assigned dealer logs (any
channel, whatever its outcome), or the dealer setting the lead to contacted or beyond. Accepting
a lead is not a response: the customer has heard nothing yet. The clock stops at the moment the
response is recorded, not at a time the dealer types in, so speed-to-lead cannot be back-dated.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import select

from forecourt.kernel import timers
from forecourt.kernel.errors import NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.records import Timer
from forecourt.kernel.timers import TimerRegistry
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import network as networks
from forecourt.lead.business_time import BusinessCalendar
from forecourt.lead.events import LeadEscalated, LeadResponseBreached, LeadResponseWarning
from forecourt.lead.lifecycle import change_status
from forecourt.lead.models import Lead, ResponseClock
from forecourt.lead.sla import packaged_policy

WARN = "lead.response.warn"
BREACH = "lead.response.breach"
KINDS = (WARN, BREACH)


def start_clock(uow: UnitOfWork, *, lead: Lead, assigned_at: datetime) -> None:
    """Start the first-response clock of a lead just assigned to a dealer (inside the caller's
    transaction, so the clock exists exactly when the assignment does)."""
    stop_clock(uow, lead=lead, at=assigned_at)
    if lead.dealer_id is None:
        return
    clock = _new_clock(uow, lead, assigned_at)
    uow.insert(clock)
    lead.response_due_at = clock.due_at
    payload = {"clock_id": str(clock.id)}
    timers.schedule(uow, kind=WARN, due_at=clock.warn_at, subject_id=lead.id, payload=payload)
    timers.schedule(uow, kind=BREACH, due_at=clock.due_at, subject_id=lead.id, payload=payload)


def _new_clock(uow: UnitOfWork, lead: Lead, started_at: datetime) -> ResponseClock:
    assert lead.dealer_id is not None
    priority = lead.priority
    target = packaged_policy().target_for(lead.channel, priority)
    calendar = dealer_calendar(uow, lead.dealer_id)
    return ResponseClock(
        id=new_id(),
        lead_id=lead.id,
        dealer_id=lead.dealer_id,
        market_code=lead.market_code,
        channel=lead.channel,
        priority=priority,
        target_minutes=target.within,
        started_at=started_at,
        warn_at=calendar.add(started_at, target.warning),
        due_at=calendar.add(started_at, target.deadline),
        state="open",
    )


def stop_clock(uow: UnitOfWork, *, lead: Lead, at: datetime) -> None:
    """Stop a lead's running clock without a response (it moves to another dealer, or on).
    Nothing to do, and no query, when none runs: a due time is set exactly while a clock runs
    (a new lead, one answered, breached or already stopped has none)."""
    if lead.response_due_at is None:
        return
    timers.cancel(uow, subject_id=lead.id, kinds=KINDS)
    for clock in _open_clocks(uow, lead.id):
        clock.state, clock.stopped_at = "superseded", at
    lead.response_due_at = None


def record_first_response(uow: UnitOfWork, *, lead: Lead, at: datetime) -> bool:
    """Record the network's first response to a lead: stop the clock and keep its speed-to-lead
    (wall-clock and business seconds). False if the lead had been answered already."""
    if lead.first_response_at is not None:
        return False
    lead.first_response_at = at
    timers.cancel(uow, subject_id=lead.id, kinds=KINDS)
    lead.response_due_at = None
    clock = current_clock(uow, lead)
    if clock is not None and clock.state in ("open", "breached") and clock.responded_at is None:
        clock.responded_at = at
        clock.response_seconds = max(0, round((at - clock.started_at).total_seconds()))
        elapsed = dealer_calendar(uow, clock.dealer_id).elapsed(clock.started_at, at)
        clock.business_seconds = round(elapsed.total_seconds())
        if clock.state == "open":
            clock.state, clock.stopped_at = "responded", at
    return True


def current_clock(uow: UnitOfWork, lead: Lead) -> ResponseClock | None:
    """The latest clock of the lead's current dealer, whatever its state."""
    query = (
        select(ResponseClock)
        .where(ResponseClock.lead_id == lead.id, ResponseClock.dealer_id == lead.dealer_id)
        .order_by(ResponseClock.started_at.desc(), ResponseClock.id.desc())
        .limit(1)
    )
    return uow.session.scalars(query).first()


def _open_clocks(uow: UnitOfWork, lead_id: uuid.UUID) -> list[ResponseClock]:
    query = select(ResponseClock).where(
        ResponseClock.lead_id == lead_id, ResponseClock.state == "open"
    )
    return list(uow.session.scalars(query))


def dealer_calendar(uow: UnitOfWork, dealer_id: uuid.UUID) -> BusinessCalendar:
    """When the dealer is open, from the routing snapshot of the network (no dealer query, and
    whatever the caller's scope: the clock runs for the brand)."""
    entry = networks.current(uow).by_id.get(dealer_id)
    if entry is None:
        raise NotFound(f"no dealer {dealer_id} in the network", field="dealer_id")
    return entry.calendar  # the very calendar routing asks whether the dealer is open


# Timers


def wire(registry: TimerRegistry) -> None:
    """Register the response clock's timer handlers."""
    registry.register(WARN, _on_warning)
    registry.register(BREACH, _on_breach)


def _on_warning(uow: UnitOfWork, timer: Timer) -> None:
    lead, clock = _still_running(uow, timer)
    if lead is None or clock is None:
        return
    clock.warned_at = uow.clock.now()
    uow.emit(
        LeadResponseWarning(
            lead_id=lead.id,
            dealer_id=clock.dealer_id,
            market_code=lead.market_code,
            due_at=clock.due_at,
        )
    )


def _on_breach(uow: UnitOfWork, timer: Timer) -> None:
    lead, clock = _still_running(uow, timer)
    if lead is None or clock is None:
        return
    now = uow.clock.now()
    clock.state, clock.breached_at, clock.stopped_at = "breached", now, now
    lead.sla_breaches += 1
    lead.response_due_at = None
    uow.emit(
        LeadResponseBreached(
            lead_id=lead.id,
            dealer_id=clock.dealer_id,
            market_code=lead.market_code,
            due_at=clock.due_at,
            breaches=lead.sla_breaches,
        )
    )
    reason = f"no first response within {clock.target_minutes} business minutes"
    if lead.sla_breaches > packaged_policy().breach_reroutes:
        escalate(uow, lead=lead, reason=f"{reason}, {lead.sla_breaches} times")
    else:
        reroute_or_escalate(uow, lead=lead, reason=reason)


def _still_running(uow: UnitOfWork, timer: Timer) -> tuple[Lead | None, ResponseClock | None]:
    """The lead (locked against a dealer answering at the same moment) and the timer's clock,
    if that clock is still the one running."""
    if timer.subject_id is None:
        return None, None
    lead = uow.session.get(Lead, timer.subject_id, with_for_update=True, populate_existing=True)
    clock = uow.session.get(ResponseClock, uuid.UUID(str(timer.payload.get("clock_id"))))
    if lead is None or clock is None or clock.state != "open":
        return lead, None
    return lead, clock


# Re-routing and escalation


def reroute_or_escalate(uow: UnitOfWork, *, lead: Lead, reason: str) -> bool:
    """Give the lead to the next eligible dealer; escalate it when none is left. True if re-routed."""
    if _reroute(uow, lead_id=lead.id, reason=reason) is not None:
        return True
    escalate(uow, lead=lead, reason=f"{reason}; no other eligible dealer")
    return False


def _reroute(uow: UnitOfWork, *, lead_id: uuid.UUID, reason: str) -> object | None:
    # Imported here: assignment starts clocks through this module.
    from forecourt.lead import assignment  # noqa: PLC0415

    return assignment.reroute(uow, lead_id=lead_id, reason=reason)


def escalate(uow: UnitOfWork, *, lead: Lead, reason: str) -> None:
    """Hand a lead the network failed to answer to its market manager."""
    if lead.status == "escalated":
        return
    stop_clock(uow, lead=lead, at=uow.clock.now())
    lead.escalated_at, lead.status_reason = uow.clock.now(), reason[:500]
    change_status(uow, lead, "escalated", reason=reason)
    changes = {"reason": reason}
    uow.audit("lead.escalated", "lead", lead.id, changes=changes, market_code=lead.market_code)
    uow.emit(_escalated(lead, reason))


def _escalated(lead: Lead, reason: str) -> LeadEscalated:
    return LeadEscalated(
        lead_id=lead.id,
        customer_id=lead.customer_id,
        dealer_id=lead.dealer_id,
        market_code=lead.market_code,
        reason=reason,
        breaches=lead.sla_breaches,
    )
