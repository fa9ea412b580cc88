"""Dealers that trade on public holidays, end to end: routing finds them open and their response
clock runs through the holiday; a dealer that shuts starts the clock after it. The seed has
China's dealers trade on National Day and Labor Day and shut for Spring Festival."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.lead.response_helpers import assign, capture, lead_row, wire

from forecourt.bootstrap import Container
from forecourt.dealer import service as dealers
from forecourt.dealer.schemas import DealerUpdate
from forecourt.kernel.clock import FixedClock
from forecourt.lead import assignment
from forecourt.lead.models import RoutingDecision

# Thursday 1 October 2026, 11:00 in Shanghai: National Day, the first day of Golden Week.
NATIONAL_DAY_11_SHANGHAI = datetime(2026, 10, 1, 3, 0, tzinfo=UTC)
# Tuesday 17 February 2026, 11:00 in Shanghai: the first day of the Chinese New Year.
SPRING_FESTIVAL_11_SHANGHAI = datetime(2026, 2, 17, 3, 0, tzinfo=UTC)
SHANGHAI = ZoneInfo("Asia/Shanghai")


@pytest.fixture
def golden_week(database_url: str, session_factory: sessionmaker[Session]) -> Container:
    return wire(database_url, session_factory, FixedClock(NATIONAL_DAY_11_SHANGHAI))


@pytest.fixture
def spring_festival(database_url: str, session_factory: sessionmaker[Session]) -> Container:
    return wire(database_url, session_factory, FixedClock(SPRING_FESTIVAL_11_SHANGHAI))


def _shanghai_lead(container: Container) -> object:
    return capture(
        container.uow(), channel="live_broadcast", full_name="王伟", city="上海", country="CN"
    )


def test_a_live_broadcast_lead_on_national_day_gets_fifteen_minutes(
    golden_week: Container,
) -> None:
    lead_id = _shanghai_lead(golden_week)
    lead = lead_row(golden_week.uow(), lead_id)
    assert lead.status == "assigned"
    assert lead.response_due_at == NATIONAL_DAY_11_SHANGHAI + timedelta(minutes=15)
    uow = golden_week.uow()
    with uow:
        query = select(RoutingDecision).where(RoutingDecision.lead_id == lead_id)
        decision = uow.session.scalars(query).one()
        assert decision.candidates[0]["open_now"] is True


def test_a_dealer_that_shuts_on_holidays_starts_the_clock_after_them(
    golden_week: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assignment, "assign_new", lambda _uow, **_kw: None)
    dealer = dealers.get_dealer_by_code(golden_week.uow(), code="CN-SHA-02")
    shut = DealerUpdate(open_on_holidays=False)
    dealers.update_dealer(golden_week.uow(), dealer_id=dealer.id, data=shut)
    lead_id = _shanghai_lead(golden_week)
    assign(golden_week.uow(), lead_id, "CN-SHA-02")
    due = lead_row(golden_week.uow(), lead_id).response_due_at
    # Closed 1-3 October (public holidays); 4 October is a Sunday the 4S store opens at 08:30.
    assert due == datetime(2026, 10, 4, 8, 45, tzinfo=SHANGHAI)
    trading = _shanghai_lead(golden_week)
    assign(golden_week.uow(), trading, "CN-SHA-01")
    assert lead_row(golden_week.uow(), trading).response_due_at == (
        NATIONAL_DAY_11_SHANGHAI + timedelta(minutes=15)
    )


def test_over_spring_festival_routing_finds_the_shanghai_dealers_closed(
    spring_festival: Container,
) -> None:
    lead_id = _shanghai_lead(spring_festival)
    uow = spring_festival.uow()
    with uow:
        query = select(RoutingDecision).where(RoutingDecision.lead_id == lead_id)
        decision = uow.session.scalars(query).one()
        assert decision.candidates
        assert not any(candidate["open_now"] for candidate in decision.candidates)


def test_a_clock_started_over_spring_festival_counts_from_the_first_day_back(
    spring_festival: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(assignment, "assign_new", lambda _uow, **_kw: None)
    lead_id = _shanghai_lead(spring_festival)
    assign(spring_festival.uow(), lead_id, "CN-SHA-02")
    due = lead_row(spring_festival.uow(), lead_id).response_due_at
    # Closed from the Eve (16 February) through the bridging day off of Friday the 20th;
    # Saturday the 21st the 4S store opens at 08:30.
    assert due == datetime(2026, 2, 21, 8, 45, tzinfo=SHANGHAI)
