"""Use cases of the dealer workspace: my queue, one lead with its customer, accept or decline,
log a contact attempt, move the lead on. Only the assigned dealer's staff act on a lead.

A decline re-routes the lead in the salesperson's own transaction (routing reads the network for
the brand, whatever the caller's scope); what the answer says never names the next dealer.
"""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy.exc import IntegrityError

from forecourt.customer import service as customers
from forecourt.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import repository as lead_repository
from forecourt.lead import response
from forecourt.lead import workspace_repository as repository
from forecourt.lead.events import LeadContactAttempted
from forecourt.lead.lifecycle import DEALER_STATUSES, FINAL, change_status
from forecourt.lead.models import ContactAttempt, Lead, LeadDecline
from forecourt.lead.workspace_schemas import (
    ClockRead,
    ContactIn,
    ContactLogged,
    ContactRead,
    Declined,
    QueueItem,
    WorkspaceLead,
)

QUEUE_STATUSES = (
    "assigned",
    "accepted",
    "escalated",
    "contacted",
    "appointment",
    "test_drive_booked",
)
MAX_QUEUE = 200


def my_queue(uow: UnitOfWork, *, status: str | None = None, limit: int = 50) -> list[QueueItem]:
    """The leads of the caller's dealer still in play (or in one status), most urgent first."""
    dealer_id = _staff_dealer(uow.actor)
    if not 1 <= limit <= MAX_QUEUE:
        raise InvalidInput(f"limit must be between 1 and {MAX_QUEUE}", field="limit")
    if status is not None and status not in (*QUEUE_STATUSES, *FINAL):
        raise InvalidInput(f"unknown status {status!r}", field="status")
    with uow:
        leads = repository.queue(
            uow.session, dealer_id, [status] if status else QUEUE_STATUSES, limit
        )
        return [QueueItem.model_validate(lead) for lead in leads]


def get_lead(uow: UnitOfWork, *, lead_id: uuid.UUID) -> WorkspaceLead:
    """One of the dealer's leads with the customer's golden profile, its contacts and its clock."""
    with uow:
        lead = _acting_on(uow, lead_id, lock=False)
        item = QueueItem.model_validate(lead)
        attempts = [
            ContactRead.model_validate(a) for a in repository.attempts_of(uow.session, lead.id)
        ]
        clock = response.current_clock(uow, lead)
        clock_read = ClockRead.model_validate(clock) if clock else None
        # The right to this one profile comes from the lead assigned to their dealer, checked above.
        profile = customers.get_customer(
            uow, customer_id=item.customer_id, through_lead_of_dealer=lead.dealer_id
        )
    return WorkspaceLead(lead=item, customer=profile, attempts=attempts, clock=clock_read)


def accept(uow: UnitOfWork, *, lead_id: uuid.UUID) -> QueueItem:
    """Take the lead on; accepting again changes nothing. The response clock keeps running."""
    with uow:
        lead = _acting_on(uow, lead_id)
        if lead.accepted_at is None:
            if lead.status not in ("assigned", "escalated"):
                raise Conflict(f"a lead that is {lead.status} cannot be accepted", field="status")
            lead.accepted_at = uow.clock.now()
            change_status(uow, lead, "accepted", reason="accepted by the dealer")
            _audit(uow, lead, "lead.accepted", {})
        uow.commit()
        return QueueItem.model_validate(lead)


def decline(uow: UnitOfWork, *, lead_id: uuid.UUID, reason: str) -> Declined:
    """Turn the lead down with a reason: it goes to the next eligible dealer, or to the market
    manager when none is left. Declining again answers with the first decline."""
    dealer_id = _staff_dealer(uow.actor)
    with uow:
        lead = _lead(uow, lead_id, lock=True)
        if (earlier := repository.decline_of(uow.session, lead.id, dealer_id)) is not None:
            return _declined(earlier)
        _require_assigned(uow.actor, lead)
        if lead.status not in ("assigned", "accepted"):
            raise Conflict(f"a lead that is {lead.status} cannot be declined", field="status")
        declined = _record_decline(uow, lead, reason)
        response.stop_clock(uow, lead=lead, at=declined.at)
        _audit(uow, lead, "lead.declined", {"reason": reason})
        rerouted = response.reroute_or_escalate(uow, lead=lead, reason=f"declined: {reason}")
        declined.outcome = "rerouted" if rerouted else "escalated"
        uow.commit()
        return _declined(declined)


def _record_decline(uow: UnitOfWork, lead: Lead, reason: str) -> LeadDecline:
    assert lead.dealer_id is not None
    declined = LeadDecline(
        lead_id=lead.id,
        dealer_id=lead.dealer_id,
        staff_user_id=uow.actor.user_id,
        reason=reason,
        at=uow.clock.now(),
        outcome="pending",
    )
    uow.session.add(declined)
    return declined


def _declined(decline: LeadDecline) -> Declined:
    return Declined.model_validate(decline, from_attributes=True)


def log_contact(
    uow: UnitOfWork, *, lead_id: uuid.UUID, data: ContactIn, idempotency_key: str | None = None
) -> ContactLogged:
    """Log a contact attempt (call, e-mail, SMS, WeChat, visit). The dealer's first one is the
    lead's first response: it stops the clock and moves the lead to contacted. The same
    Idempotency-Key or client id stores it once."""
    key = idempotency_key or data.client_id
    try:
        return _log_contact(uow, lead_id, data, key)
    except IntegrityError:
        # A retry raced past the replay check; the unique key let one commit.
        with uow:
            lead = _acting_on(uow, lead_id, lock=False)
            earlier = repository.attempt_by_key(uow.session, lead.id, key or "")
            if earlier is None:
                raise
            return _logged(earlier, lead, created=False)


def _log_contact(
    uow: UnitOfWork, lead_id: uuid.UUID, data: ContactIn, key: str | None
) -> ContactLogged:
    with uow:
        lead = _acting_on(uow, lead_id)
        if key and (earlier := repository.attempt_by_key(uow.session, lead.id, key)):
            return _logged(earlier, lead, created=False)
        attempt = _new_attempt(uow, lead, data, key)
        _responded(uow, lead, attempt.recorded_at, f"first contact by {attempt.channel}")
        uow.commit()
        return _logged(attempt, lead, created=True)


def _new_attempt(uow: UnitOfWork, lead: Lead, data: ContactIn, key: str | None) -> ContactAttempt:
    now = uow.clock.now()
    assert lead.dealer_id is not None
    attempt = ContactAttempt(
        id=new_id(),
        lead_id=lead.id,
        dealer_id=lead.dealer_id,
        staff_user_id=uow.actor.user_id,
        staff_email=uow.actor.email,
        channel=data.channel.value,
        outcome=data.outcome.value,
        note=data.note,
        occurred_at=_checked_when(data, now),
        recorded_at=now,
        client_key=key,
    )
    uow.session.add(attempt)
    uow.emit(_attempted(lead, attempt))
    return attempt


def _checked_when(data: ContactIn, now: datetime) -> datetime:
    if data.occurred_at is None:
        return now
    if data.occurred_at.tzinfo is None:
        raise InvalidInput("occurred_at needs a time zone", field="occurred_at")
    if data.occurred_at > now:
        raise InvalidInput("occurred_at is in the future", field="occurred_at")
    return data.occurred_at


def _attempted(lead: Lead, attempt: ContactAttempt) -> LeadContactAttempted:
    return LeadContactAttempted(
        lead_id=lead.id,
        customer_id=lead.customer_id,
        dealer_id=attempt.dealer_id,
        attempt_id=attempt.id,
        channel=attempt.channel,
        outcome=attempt.outcome,
        contacted_at=attempt.occurred_at,
        staff_email=attempt.staff_email,
    )


def _logged(attempt: ContactAttempt, lead: Lead, *, created: bool) -> ContactLogged:
    return ContactLogged(
        attempt=ContactRead.model_validate(attempt),
        created=created,
        lead=QueueItem.model_validate(lead),
    )


def set_status(
    uow: UnitOfWork, *, lead_id: uuid.UUID, status: str, reason: str | None = None
) -> QueueItem:
    """Move the lead on (contacted, appointment, test drive booked, won, lost with a reason).
    Setting the status it already has changes nothing."""
    if status not in DEALER_STATUSES:
        raise InvalidInput(f"status must be one of {', '.join(DEALER_STATUSES)}", field="status")
    with uow:
        lead = _acting_on(uow, lead_id)
        if lead.status != status:
            _move(uow, lead, status, reason)
        uow.commit()
        return QueueItem.model_validate(lead)


def _move(uow: UnitOfWork, lead: Lead, status: str, reason: str | None) -> None:
    old = lead.status
    if status == "lost":
        response.stop_clock(uow, lead=lead, at=uow.clock.now())
    elif lead.first_response_at is None:
        # Moving on without a logged attempt means the dealer did reach the customer.
        response.record_first_response(uow, lead=lead, at=uow.clock.now())
    change_status(uow, lead, status, reason=reason)
    lead.status_reason = reason
    _audit(uow, lead, "lead.status_set", {"status": [old, status], "reason": reason})


def _responded(uow: UnitOfWork, lead: Lead, at: datetime, reason: str) -> None:
    response.record_first_response(uow, lead=lead, at=at)
    if lead.status in ("assigned", "accepted", "escalated"):
        change_status(uow, lead, "contacted", reason=reason)


# Who may act


def _staff_dealer(actor: Principal) -> uuid.UUID:
    if actor.role is not Role.DEALER_STAFF or actor.dealer_id is None:
        raise Forbidden("the workspace is for dealer staff", field="role")
    return actor.dealer_id


def _acting_on(uow: UnitOfWork, lead_id: uuid.UUID, *, lock: bool = True) -> Lead:
    lead = _lead(uow, lead_id, lock=lock)
    _require_assigned(uow.actor, lead)
    return lead


def _lead(uow: UnitOfWork, lead_id: uuid.UUID, *, lock: bool) -> Lead:
    session = uow.session
    lead = lead_repository.get_for_update(session, lead_id) if lock else session.get(Lead, lead_id)
    if lead is None:
        raise NotFound("no such lead", field="lead_id")
    return lead


def _require_assigned(actor: Principal, lead: Lead) -> None:
    if lead.dealer_id is None or lead.dealer_id != _staff_dealer(actor):
        raise Forbidden("this lead is not assigned to your dealer", field="lead_id")


def _audit(uow: UnitOfWork, lead: Lead, action: str, changes: dict[str, object]) -> None:
    uow.audit(action, "lead", lead.id, changes=changes, market_code=lead.market_code)
