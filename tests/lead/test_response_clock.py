"""Response clocks: a warning before the deadline, a re-route on breach, then escalation; the
first contact stops the clock and is kept as speed-to-lead."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import Connection, select
from tests.lead.response_helpers import (
    MONDAY_10_MUNICH,
    assign,
    capture,
    events,
    held_lead,
    lead_row,
    miss_deadlines,
)

from forecourt.bootstrap import Container
from forecourt.kernel import timers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.records import Timer
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import assignment, response
from forecourt.lead.models import ResponseClock
from forecourt.lead.sla import packaged_policy


def _clocks(container: Container, lead_id: object) -> list[ResponseClock]:
    uow = container.uow()
    with uow:
        query = (
            select(ResponseClock)
            .where(ResponseClock.lead_id == lead_id)
            .order_by(ResponseClock.started_at, ResponseClock.id)
        )
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return found


@pytest.fixture
def unrouted(monkeypatch: pytest.MonkeyPatch) -> None:
    """Capture leaves routing to the test, which gives the lead to the dealer it names."""
    monkeypatch.setattr(assignment, "assign_new", lambda _uow, **_kw: None)


def _to_deadline(container: Container, clock: FixedClock, lead_id: object) -> None:
    due = lead_row(container.uow(), lead_id).response_due_at  # type: ignore[arg-type]
    assert due is not None
    clock.advance(due - clock.now())


def _run(container: Container) -> int:
    return timers.run_due(container.uow(), container.timers)


def _pending(container: Container, lead_id: object) -> list[tuple[str, object]]:
    uow = container.uow()
    with uow:
        return [(t.kind, t.due_at) for t in timers.pending_for(uow, subject_id=lead_id)]  # type: ignore[arg-type]


@pytest.mark.usefixtures("unrouted")
def test_assignment_starts_a_clock_in_the_dealers_business_time(
    wired: Container, clock: FixedClock
) -> None:
    lead_id = capture(wired.uow())
    # Friday 27 November, 18:20 in Munich: ten minutes before closing.
    clock.advance(timedelta(days=4, hours=8, minutes=20))
    assign(wired.uow(), lead_id, "DE-MUC-01")
    friday_1830 = MONDAY_10_MUNICH + timedelta(days=4, hours=8, minutes=30)
    saturday_0905 = MONDAY_10_MUNICH + timedelta(days=5, hours=-1, minutes=5)
    assert _pending(wired, lead_id) == [
        (response.WARN, friday_1830),
        (response.BREACH, saturday_0905),
    ]
    assert lead_row(wired.uow(), lead_id).response_due_at == saturday_0905
    [row] = _clocks(wired, lead_id)
    assert (row.channel, row.priority, row.target_minutes) == ("live_broadcast", "high", 15)


@pytest.mark.usefixtures("unrouted")
def test_the_dealer_is_warned_before_the_deadline(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    lead_id = capture(wired.uow())
    dealer_id = assign(wired.uow(), lead_id, "DE-MUC-01")
    clock.advance(timedelta(minutes=9))
    assert _run(wired) == 0
    clock.advance(timedelta(minutes=1))
    assert _run(wired) == 1
    [warning] = events(connection, "lead.response_warning")
    assert warning["lead_id"] == str(lead_id)
    assert warning["dealer_id"] == str(dealer_id)
    assert _clocks(wired, lead_id)[0].warned_at == clock.now()
    assert lead_row(wired.uow(), lead_id).dealer_id == dealer_id  # a warning moves nothing


@pytest.mark.usefixtures("unrouted")
def test_the_first_response_stops_the_clock_and_keeps_speed_to_lead(
    wired: Container, clock: FixedClock
) -> None:
    lead_id = capture(wired.uow())
    assign(wired.uow(), lead_id, "DE-MUC-01")
    clock.advance(timedelta(minutes=7, seconds=30))
    uow = wired.uow()
    with uow:
        lead = held_lead(uow, lead_id)
        assert response.record_first_response(uow, lead=lead, at=uow.clock.now())
        assert not response.record_first_response(uow, lead=lead, at=uow.clock.now())
        uow.commit()
    [row] = _clocks(wired, lead_id)
    assert (row.state, row.response_seconds, row.business_seconds) == ("responded", 450, 450)
    assert _pending(wired, lead_id) == []
    clock.advance(timedelta(hours=2))
    assert _run(wired) == 0
    assert lead_row(wired.uow(), lead_id).first_response_at is not None


@pytest.mark.usefixtures("unrouted")
def test_business_seconds_leave_out_the_night(wired: Container, clock: FixedClock) -> None:
    lead_id = capture(wired.uow(), channel="web")
    clock.advance(timedelta(hours=8, minutes=20))  # 18:20, ten minutes before closing
    assign(wired.uow(), lead_id, "DE-MUC-01", priority="normal")
    clock.advance(timedelta(hours=13, minutes=50))  # 08:10 on Tuesday
    uow = wired.uow()
    with uow:
        response.record_first_response(uow, lead=held_lead(uow, lead_id), at=clock.now())
        uow.commit()
    [row] = _clocks(wired, lead_id)
    assert row.response_seconds == (13 * 60 + 50) * 60
    assert row.business_seconds == 20 * 60


def test_a_captured_lead_runs_the_clock_of_its_channel_and_priority(wired: Container) -> None:
    lead_id = capture(wired.uow())
    lead = lead_row(wired.uow(), lead_id)
    [row] = _clocks(wired, lead_id)
    target = packaged_policy().target_for("live_broadcast", lead.priority)
    assert (row.dealer_id, row.state, row.target_minutes) == (lead.dealer_id, "open", target.within)
    assert lead.response_due_at == row.due_at


def test_a_breach_reroutes_the_lead_to_another_dealer(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    lead_id = capture(wired.uow())
    first_dealer = lead_row(wired.uow(), lead_id).dealer_id
    _to_deadline(wired, clock, lead_id)
    assert _run(wired) == 2  # the warning, then the breach
    lead = lead_row(wired.uow(), lead_id)
    assert lead.dealer_id not in (None, first_dealer)
    assert (lead.status, lead.sla_breaches, lead.routing_attempts) == ("assigned", 1, 2)
    breached, current = _clocks(wired, lead_id)
    assert (breached.state, breached.dealer_id) == ("breached", first_dealer)
    assert (current.state, current.dealer_id) == ("open", lead.dealer_id)
    assert [e["breaches"] for e in events(connection, "lead.response_breached")] == [1]
    assert events(connection, "lead.assigned")[-1]["dealer_id"] == str(lead.dealer_id)


def test_after_the_reroute_limit_the_lead_is_escalated(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    lead_id = capture(wired.uow())
    miss_deadlines(wired, clock, lead_id, 3)
    lead = lead_row(wired.uow(), lead_id)
    assert (lead.status, lead.sla_breaches) == ("escalated", 3)
    assert lead.escalated_at == clock.now()
    assert len({c.dealer_id for c in _clocks(wired, lead_id)}) == 3
    [escalated] = events(connection, "lead.escalated")
    assert escalated["breaches"] == 3
    assert escalated["market_code"] == "DE"
    assert _pending(wired, lead_id) == []
    statuses = [e["new_status"] for e in events(connection, "lead.status_changed")]
    assert statuses[-1] == "escalated"


def test_no_dealer_left_escalates_at_once(
    wired: Container, clock: FixedClock, monkeypatch: pytest.MonkeyPatch
) -> None:
    lead_id = capture(wired.uow())
    monkeypatch.setattr(assignment, "reroute", lambda _uow, **_kw: None)
    _to_deadline(wired, clock, lead_id)
    _run(wired)
    lead = lead_row(wired.uow(), lead_id)
    assert (lead.status, lead.sla_breaches) == ("escalated", 1)
    assert "no other eligible dealer" in (lead.status_reason or "")


@pytest.mark.usefixtures("unrouted")
def test_a_timer_of_a_superseded_clock_does_nothing(
    wired: Container, clock: FixedClock, connection: Connection
) -> None:
    lead_id = capture(wired.uow())
    assign(wired.uow(), lead_id, "DE-MUC-01")
    old_timers = _timer_ids(wired, lead_id)
    clock.advance(timedelta(minutes=6))
    assign(wired.uow(), lead_id, "DE-BER-01")  # e.g. a manual re-route
    uow = wired.uow()
    with uow:  # put the old timers back as if a cancel had been lost
        for timer in uow.session.scalars(select(Timer).where(Timer.id.in_(old_timers))):
            timer.state = "pending"
        uow.commit()
    clock.advance(timedelta(minutes=9))  # both old timers due, the new warning not yet
    assert _run(wired) == 2
    assert events(connection, "lead.response_warning") == []
    assert events(connection, "lead.response_breached") == []
    assert [c.state for c in _clocks(wired, lead_id)] == ["superseded", "open"]


def _timer_ids(container: Container, lead_id: object) -> list[object]:
    uow: UnitOfWork = container.uow()
    with uow:
        return [t.id for t in timers.pending_for(uow, subject_id=lead_id)]  # type: ignore[arg-type]
