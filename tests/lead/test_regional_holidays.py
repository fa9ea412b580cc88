"""Regional public holidays, end to end: a dealer keeps the holidays of its state besides its
country's. The seed puts München in Bavaria (Epiphany, Corpus Christi), Berlin in Berlin
(International Women's Day) and Hamburg in Hamburg. A lead from Hof (Bavaria) has all three in
its nearest ring (München 243 km, Berlin 267 km, Hamburg 383 km): München takes it on a working
day, Berlin when München keeps a Bavarian holiday."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker
from tests.lead.response_helpers import MONDAY_10_MUNICH, assign, capture, lead_row, wire

from forecourt.bootstrap import Container
from forecourt.kernel.clock import FixedClock
from forecourt.lead import assignment
from forecourt.lead.models import RoutingDecision

GERMANY = ZoneInfo("Europe/Berlin")
# 11:00 in Germany on a Tuesday that is Epiphany, a Thursday that is Corpus Christi (both
# holidays in Bavaria, not in Berlin), and a Monday that is Women's Day (in Berlin only).
EPIPHANY_11 = datetime(2026, 1, 6, 11, 0, tzinfo=GERMANY)
CORPUS_CHRISTI_11 = datetime(2026, 6, 4, 11, 0, tzinfo=GERMANY)
WOMENS_DAY_11 = datetime(2027, 3, 8, 11, 0, tzinfo=GERMANY)


def _container(
    database_url: str, session_factory: sessionmaker[Session], at: datetime
) -> Container:
    return wire(database_url, session_factory, FixedClock(at.astimezone(UTC)))


def _decision(container: Container, lead_id: uuid.UUID) -> RoutingDecision:
    uow = container.uow()
    with uow:
        query = select(RoutingDecision).where(RoutingDecision.lead_id == lead_id)
        decision = uow.session.scalars(query).one()
        uow.session.expunge(decision)
        return decision


def _open_now(decision: RoutingDecision) -> dict[str, bool]:
    """Whether each dealer tried was open."""
    return {c["dealer_code"]: c["open_now"] for c in decision.candidates}


def _lead_from_hof(container: Container) -> uuid.UUID:
    return capture(container.uow(), full_name="Lena Bauer", city="Hof", country="DE")


def test_on_a_working_day_munich_takes_the_lead_from_hof(
    database_url: str, session_factory: sessionmaker[Session]
) -> None:
    container = _container(database_url, session_factory, MONDAY_10_MUNICH)
    decision = _decision(container, _lead_from_hof(container))
    assert decision.dealer_code == "DE-MUC-01"
    assert "market DE: within 400 km: 3 eligible, 3 open now" in decision.reasons


@pytest.mark.parametrize("at", [EPIPHANY_11, CORPUS_CHRISTI_11], ids=["epiphany", "corpus"])
def test_on_a_bavarian_holiday_munich_is_closed_and_berlin_takes_the_lead(
    database_url: str, session_factory: sessionmaker[Session], at: datetime
) -> None:
    container = _container(database_url, session_factory, at)
    lead_id = _lead_from_hof(container)
    decision = _decision(container, lead_id)
    assert "market DE: within 400 km: 3 eligible, 2 open now" in decision.reasons
    assert (decision.dealer_code, _open_now(decision)) == ("DE-BER-01", {"DE-BER-01": True})
    assert lead_row(container.uow(), lead_id).status == "assigned"


def test_the_response_clock_of_a_bavarian_dealer_skips_epiphany(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    container = _container(database_url, session_factory, EPIPHANY_11)
    monkeypatch.setattr(assignment, "assign_new", lambda _uow, **_kw: None)
    munich, berlin = _lead_from_hof(container), _lead_from_hof(container)
    assign(container.uow(), munich, "DE-MUC-01")
    assign(container.uow(), berlin, "DE-BER-01")
    # München opens again on Wednesday 7 January at 08:00; Berlin works through Epiphany.
    due = datetime(2026, 1, 7, 8, 15, tzinfo=GERMANY)
    assert lead_row(container.uow(), munich).response_due_at == due
    assert lead_row(container.uow(), berlin).response_due_at == EPIPHANY_11.replace(minute=15)


def test_berlin_is_closed_on_womens_day_and_its_clock_starts_the_day_after(
    database_url: str, session_factory: sessionmaker[Session], monkeypatch: pytest.MonkeyPatch
) -> None:
    container = _container(database_url, session_factory, WOMENS_DAY_11)
    berlin_lead = capture(container.uow(), full_name="Mia Wolf", city="Berlin", country="DE")
    assert _open_now(_decision(container, berlin_lead)) == {"DE-BER-01": False}
    monkeypatch.setattr(assignment, "assign_new", lambda _uow, **_kw: None)
    berlin, munich = _lead_from_hof(container), _lead_from_hof(container)
    assign(container.uow(), berlin, "DE-BER-01")
    assign(container.uow(), munich, "DE-MUC-01")
    due = datetime(2027, 3, 9, 8, 15, tzinfo=GERMANY)  # Tuesday, at 08:00 opening
    assert lead_row(container.uow(), berlin).response_due_at == due
    assert lead_row(container.uow(), munich).response_due_at == WOMENS_DAY_11.replace(minute=15)
