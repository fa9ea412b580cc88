"""The dealer workspace at the service layer: queue, the lead with its customer, accept, decline,
contact attempts and statuses; only the assigned dealer's staff act on a lead."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import Connection
from tests.lead.response_helpers import (
    call,
    capture,
    events,
    lead_row,
    staff_of,
)

from forecourt.bootstrap import Container
from forecourt.dealer import service as dealers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from forecourt.lead import assignment, workspace
from forecourt.lead.workspace_schemas import ContactOutcome


def routed(container: Container, **fields: object) -> tuple[uuid.UUID, uuid.UUID]:
    """A lead captured and routed to a dealer: (lead id, dealer id)."""
    lead_id = capture(container.uow(), **fields)
    dealer_id = lead_row(container.uow(), lead_id).dealer_id
    assert dealer_id is not None
    return lead_id, dealer_id


def test_my_queue_holds_my_dealers_leads_most_urgent_first(
    wired: Container, clock: FixedClock
) -> None:
    web, dealer_id = routed(wired, channel="web")
    clock.advance(timedelta(minutes=1))
    broadcast, _ = routed(wired, channel="live_broadcast", dealer_code=_code(wired, dealer_id))
    queue = workspace.my_queue(staff_of(wired, dealer_id))
    ids = [item.id for item in queue]
    assert ids.index(broadcast) < ids.index(web)  # the shorter deadline comes first
    assert all(item.response_due_at for item in queue[:2])
    other = _other_dealer(wired, dealer_id)
    assert web not in [item.id for item in workspace.my_queue(staff_of(wired, other))]


def test_the_queue_is_for_dealer_staff(wired: Container) -> None:
    with pytest.raises(Forbidden):
        workspace.my_queue(wired.uow())
    with pytest.raises(InvalidInput) as caught:
        workspace.my_queue(staff_of(wired, _other_dealer(wired, None)), status="nonsense")
    assert caught.value.details["field"] == "status"


def test_the_assigned_dealer_reads_the_lead_with_the_customers_profile(
    wired: Container,
) -> None:
    lead_id, dealer_id = routed(wired, email="anna.huber@example.de")
    seen = workspace.get_lead(staff_of(wired, dealer_id), lead_id=lead_id)
    assert seen.lead.id == lead_id
    assert seen.customer.display_name == "Anna Huber"
    assert seen.customer.email == "anna.huber@example.de"
    assert seen.clock is not None
    assert seen.clock.state == "open"
    with pytest.raises(Forbidden) as caught:
        workspace.get_lead(staff_of(wired, _other_dealer(wired, dealer_id)), lead_id=lead_id)
    assert caught.value.details["field"] == "lead_id"
    with pytest.raises(NotFound):
        workspace.get_lead(staff_of(wired, dealer_id), lead_id=uuid.uuid4())


def test_accepting_keeps_the_clock_running_and_is_idempotent(
    wired: Container, clock: FixedClock
) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    accepted = workspace.accept(staff, lead_id=lead_id)
    assert (accepted.status, accepted.accepted_at) == ("accepted", clock.now())
    clock.advance(timedelta(minutes=1))
    assert workspace.accept(staff, lead_id=lead_id).accepted_at == accepted.accepted_at
    assert accepted.response_due_at is not None
    assert lead_row(wired.uow(), lead_id).response_due_at == accepted.response_due_at


def test_the_first_contact_attempt_is_the_first_response(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    clock.advance(timedelta(minutes=4))
    logged = workspace.log_contact(
        staff, lead_id=lead_id, data=call(ContactOutcome.NO_ANSWER, note="voicemail full")
    )
    assert logged.created
    assert (logged.lead.status, logged.lead.first_response_at) == ("contacted", clock.now())
    assert logged.lead.response_due_at is None
    seen = workspace.get_lead(staff, lead_id=lead_id)
    assert seen.clock is not None
    assert (seen.clock.state, seen.clock.response_seconds) == ("responded", 240)
    [attempt] = events(connection, "lead.contact_attempted")
    assert (attempt["channel"], attempt["outcome"]) == ("call", "no_answer")
    clock.advance(timedelta(minutes=30))
    again = workspace.log_contact(staff, lead_id=lead_id, data=call())
    assert again.lead.first_response_at == logged.lead.first_response_at
    assert len(workspace.get_lead(staff, lead_id=lead_id).attempts) == 2


def test_a_retried_contact_attempt_is_stored_once(wired: Container) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    first = workspace.log_contact(staff, lead_id=lead_id, data=call(client_id="app-1"))
    again = workspace.log_contact(staff, lead_id=lead_id, data=call(client_id="app-1"))
    keyed = workspace.log_contact(staff, lead_id=lead_id, data=call(), idempotency_key="k-1")
    keyed_again = workspace.log_contact(staff, lead_id=lead_id, data=call(), idempotency_key="k-1")
    assert (first.created, again.created, keyed.created, keyed_again.created) == (
        True,
        False,
        True,
        False,
    )
    assert again.attempt.id == first.attempt.id
    assert keyed_again.attempt.id == keyed.attempt.id
    assert len(workspace.get_lead(staff, lead_id=lead_id).attempts) == 2


def test_a_contact_in_the_future_is_refused(wired: Container, clock: FixedClock) -> None:
    lead_id, dealer_id = routed(wired)
    with pytest.raises(InvalidInput) as caught:
        workspace.log_contact(
            staff_of(wired, dealer_id),
            lead_id=lead_id,
            data=call(occurred_at=clock.now() + timedelta(hours=1)),
        )
    assert caught.value.details["field"] == "occurred_at"


def test_only_the_assigned_dealers_staff_act_on_a_lead(wired: Container) -> None:
    lead_id, dealer_id = routed(wired)
    for uow in (wired.uow(), staff_of(wired, _other_dealer(wired, dealer_id))):
        with pytest.raises(Forbidden):
            workspace.log_contact(uow, lead_id=lead_id, data=call())
        with pytest.raises(Forbidden):
            workspace.set_status(uow, lead_id=lead_id, status="contacted")
        with pytest.raises(Forbidden):
            workspace.decline(uow, lead_id=lead_id, reason="not ours")
    assert lead_row(wired.uow(), lead_id).status == "assigned"


def test_a_decline_reroutes_the_lead_and_a_retry_answers_the_same(
    wired: Container, connection: Connection
) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    declined = workspace.decline(staff, lead_id=lead_id, reason="the customer lives abroad")
    assert declined.outcome == "rerouted"
    lead = lead_row(wired.uow(), lead_id)
    assert lead.dealer_id not in (None, dealer_id)
    assert lead.status == "assigned"
    assert workspace.decline(staff, lead_id=lead_id, reason="again") == declined
    with pytest.raises(Forbidden):
        workspace.get_lead(staff, lead_id=lead_id)
    assert events(connection, "lead.assigned")[-1]["dealer_id"] == str(lead.dealer_id)
    assert workspace.get_lead(staff_of(wired, lead.dealer_id), lead_id=lead_id).clock is not None


def test_a_decline_with_no_dealer_left_escalates(
    wired: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id, dealer_id = routed(wired)
    monkeypatch.setattr(assignment, "reroute", lambda _uow, **_kw: None)
    declined = workspace.decline(staff_of(wired, dealer_id), lead_id=lead_id, reason="too busy")
    assert declined.outcome == "escalated"
    assert lead_row(wired.uow(), lead_id).status == "escalated"


def test_a_contacted_lead_cannot_be_declined(wired: Container) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    workspace.log_contact(staff, lead_id=lead_id, data=call())
    with pytest.raises(Conflict) as caught:
        workspace.decline(staff, lead_id=lead_id, reason="changed our mind")
    assert caught.value.details["field"] == "status"


def test_the_lead_moves_on_to_won_and_stays_there(wired: Container, connection: Connection) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    for status in ("appointment", "test_drive_booked", "won"):
        assert workspace.set_status(staff, lead_id=lead_id, status=status).status == status
    assert workspace.set_status(staff, lead_id=lead_id, status="won").status == "won"
    with pytest.raises(Conflict) as caught:
        workspace.set_status(staff, lead_id=lead_id, status="contacted")
    assert caught.value.details == {"field": "status", "status": "won", "allowed": []}
    moves = [(e["old_status"], e["new_status"]) for e in events(connection, "lead.status_changed")]
    assert moves[-3:] == [
        ("assigned", "appointment"),
        ("appointment", "test_drive_booked"),
        ("test_drive_booked", "won"),
    ]
    # Setting an appointment without a logged attempt still counts as the first response.
    assert lead_row(wired.uow(), lead_id).first_response_at is not None


def test_lost_needs_a_reason_and_stops_the_clock_without_a_response(wired: Container) -> None:
    lead_id, dealer_id = routed(wired)
    staff = staff_of(wired, dealer_id)
    with pytest.raises(InvalidInput) as caught:
        workspace.set_status(staff, lead_id=lead_id, status="lost", reason="  ")
    assert caught.value.details["field"] == "reason"
    with pytest.raises(InvalidInput) as unknown:
        workspace.set_status(staff, lead_id=lead_id, status="escalated")
    assert unknown.value.details["field"] == "status"
    lost = workspace.set_status(staff, lead_id=lead_id, status="lost", reason="bought elsewhere")
    assert (lost.status, lost.status_reason, lost.first_response_at) == (
        "lost",
        "bought elsewhere",
        None,
    )
    assert lost.response_due_at is None


def _code(container: Container, dealer_id: uuid.UUID) -> str:
    return dealers.get_dealer(container.uow(), dealer_id=dealer_id).code


def _other_dealer(container: Container, dealer_id: uuid.UUID | None) -> uuid.UUID:
    return next(
        d.id for d in dealers.list_dealers(container.uow(), market_code="DE") if d.id != dealer_id
    )
