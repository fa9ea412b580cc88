"""The live activity view at the service layer: scope per role, the rows as routed, today's counts."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from tests.lead.response_helpers import MONDAY_10_MUNICH, call, capture, lead_row, staff_of

from forecourt.bootstrap import Container
from forecourt.kernel import timers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import Principal, Role
from forecourt.lead import activity, workspace
from forecourt.lead.activity_schemas import ActivityLead


def in_shanghai(container: Container, n: int, **fields: str) -> uuid.UUID:
    """A live-broadcast sign-up from Shanghai."""
    return capture(
        container.uow(),
        full_name="王伟",
        phone=f"+86 138 0013 {8000 + n}",
        city="上海",
        country="CN",
        **fields,
    )


def rows_by_id(rows: list[ActivityLead]) -> dict[uuid.UUID, ActivityLead]:
    return {row.id: row for row in rows}


def test_hq_sees_the_latest_leads_newest_first_with_their_routing(
    wired: Container, clock: FixedClock
) -> None:
    munich = capture(wired.uow(), channel="web", campaign_code="LIVE-DE-01")
    clock.advance(timedelta(seconds=30))
    shanghai = in_shanghai(wired, 1)
    seen = activity.recent_activity(wired.uow(), limit=20)
    assert [row.id for row in seen.leads[:2]] == [shanghai, munich]
    row = rows_by_id(seen.leads)[munich]
    assert row.channel == "web"
    assert row.market_code == "DE"
    assert row.display_name == "Anna Huber"
    assert row.city
    assert row.resolution == "new"
    assert row.score is not None
    assert row.status == "assigned"
    assert row.routing.dealer_code
    assert row.routing.dealer_name
    assert row.routing.dealer_id == lead_row(wired.uow(), munich).dealer_id
    assert "nearest" in row.routing.reason
    assert "km" in row.routing.reason
    assert row.clock.state == "due"
    assert row.clock.label.startswith("due in ")


def test_a_market_manager_never_sees_another_markets_lead(wired: Container) -> None:
    munich = capture(wired.uow())
    shanghai = in_shanghai(wired, 2)
    manager = Principal(
        user_id=uuid.uuid4(),
        email="manager.de@example.com",
        role=Role.MARKET_MANAGER,
        market_codes=frozenset({"DE", "PL"}),
    )
    seen = activity.recent_activity(wired.uow(manager))
    ids = {row.id for row in seen.leads}
    assert munich in ids
    assert shanghai not in ids
    assert seen.counts.captured == 1
    china = activity.recent_activity(wired.uow(manager_principal("CN")))
    assert {row.id for row in china.leads} == {shanghai}


def manager_principal(*markets: str) -> Principal:
    return Principal(
        user_id=uuid.uuid4(),
        email="manager@example.com",
        role=Role.MARKET_MANAGER,
        market_codes=frozenset(markets),
    )


def test_dealer_staff_see_only_their_dealers_leads(wired: Container) -> None:
    munich = capture(wired.uow())
    shanghai = in_shanghai(wired, 3)
    dealer_id = lead_row(wired.uow(), munich).dealer_id
    seen = activity.recent_activity(staff_of(wired, dealer_id))
    assert [row.id for row in seen.leads] == [munich]
    assert seen.counts.captured == 1
    assert seen.counts.clocks_running == 1
    other = lead_row(wired.uow(), shanghai).dealer_id
    assert munich not in {row.id for row in activity.recent_activity(staff_of(wired, other)).leads}


def test_a_returning_customer_under_another_spelling_is_linked(wired: Container) -> None:
    first = in_shanghai(wired, 4, email="wang.wei@example.cn")
    again = capture(
        wired.uow(),
        channel="web",
        full_name="Wang Wei",
        phone="+8613800138004",  # the same number, written another way
        email="WANG.WEI@EXAMPLE.CN",
        city="Shanghai",
        country="CN",
    )
    rows = rows_by_id(activity.recent_activity(wired.uow()).leads)
    assert rows[first].resolution == "new"
    assert rows[again].resolution == "linked"
    assert rows[again].display_name == "Wang Wei"


def test_todays_counts(wired: Container, clock: FixedClock) -> None:
    capture(wired.uow(), channel="web")
    in_shanghai(wired, 5)
    in_shanghai(wired, 6)
    capture(wired.uow(), channel="web", country="XX", city=None, phone=None, email="x@example.com")
    counts = activity.recent_activity(wired.uow()).counts
    assert counts.captured == 4
    assert counts.by_channel == {"live_broadcast": 2, "web": 2}
    assert counts.new_customers + counts.returning + counts.in_review == 4
    assert counts.assigned + counts.unassigned == 4
    assert counts.clocks_running == counts.assigned
    assert counts.since == MONDAY_10_MUNICH.replace(hour=0)
    clock.advance(timedelta(days=1))
    assert activity.recent_activity(wired.uow()).counts.captured == 0


def test_the_clock_reads_warning_overdue_and_answered(wired: Container, clock: FixedClock) -> None:
    lead_id = capture(wired.uow())
    lead = lead_row(wired.uow(), lead_id)
    assert lead.response_due_at is not None
    clock.advance(lead.response_due_at - MONDAY_10_MUNICH - timedelta(seconds=30))
    row = rows_by_id(activity.recent_activity(wired.uow()).leads)[lead_id]
    assert row.clock.state == "warning"
    assert row.clock.label == "due in 1 min"
    clock.advance(timedelta(minutes=3))
    row = rows_by_id(activity.recent_activity(wired.uow()).leads)[lead_id]
    assert row.clock.state == "overdue"
    assert row.clock.label == "overdue by 3 min"
    workspace.log_contact(staff_of(wired, lead.dealer_id), lead_id=lead_id, data=call())
    row = rows_by_id(activity.recent_activity(wired.uow()).leads)[lead_id]
    assert row.clock.state == "answered"
    assert row.clock.label.startswith("answered in ")
    assert row.status == "contacted"


def test_the_limit_is_checked(wired: Container) -> None:
    with pytest.raises(InvalidInput):
        activity.recent_activity(wired.uow(), limit=0)


def test_durations_read_as_people_read_them() -> None:
    assert activity.duration(45) == "45 min"
    assert activity.duration(185) == "3 h 05 min"
    assert activity.duration(2299) == "1 d 14 h"


def _to_deadline(container: Container, clock: FixedClock, lead_id: uuid.UUID) -> None:
    due = lead_row(container.uow(), lead_id).response_due_at
    assert due is not None
    clock.advance(due - clock.now())
    timers.run_due(container.uow(), container.timers)


def test_warnings_breaches_reroutes_and_escalations_are_counted(
    wired: Container, clock: FixedClock
) -> None:
    lead_id = capture(wired.uow())
    _to_deadline(wired, clock, lead_id)
    seen = activity.recent_activity(wired.uow())
    row = rows_by_id(seen.leads)[lead_id]
    assert row.routing.attempt == 2
    assert row.routing.reason.startswith("re-routed (")
    assert (seen.counts.warnings, seen.counts.breaches, seen.counts.escalations) == (1, 1, 0)
    for _ in range(2):
        _to_deadline(wired, clock, lead_id)
    seen = activity.recent_activity(wired.uow())
    row = rows_by_id(seen.leads)[lead_id]
    assert row.status == "escalated"
    assert row.clock.label == "escalated"
    assert (seen.counts.warnings, seen.counts.breaches, seen.counts.escalations) == (3, 3, 1)
    assert seen.counts.clocks_running == 0
