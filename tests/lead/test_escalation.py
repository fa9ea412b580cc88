"""The market manager's actions on an escalated lead: give it to a dealer of their choice, or
close it as lost; nobody else, nothing else, and never without a reason."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, select
from tests.conftest import MakeCaller
from tests.lead.response_helpers import capture, events, held_lead, lead_row, miss_deadlines

from forecourt.bootstrap import Container
from forecourt.dealer import service as dealers
from forecourt.dealer.schemas import DealerUpdate
from forecourt.entrypoints.app import create_app
from forecourt.kernel import timers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.principal import Role
from forecourt.lead import response
from forecourt.lead.models import ResponseClock, RoutingDecision

API = "/api/v1"
REASON = "the customer asked for the Berlin showroom on the phone"


@pytest.fixture
def http(wired: Container) -> Iterator[TestClient]:
    with TestClient(create_app(wired)) as client:
        yield client


def escalated(container: Container) -> uuid.UUID:
    """A German lead the network failed to answer, now with the market manager."""
    lead_id = capture(container.uow())
    uow = container.uow()
    with uow:
        response.escalate(uow, lead=held_lead(uow, lead_id), reason="no first response")
        uow.commit()
    return lead_id


def decisions(container: Container, lead_id: uuid.UUID) -> list[RoutingDecision]:
    uow = container.uow()
    with uow:
        query = select(RoutingDecision).where(RoutingDecision.lead_id == lead_id)
        found = list(uow.session.scalars(query.order_by(RoutingDecision.attempt)))
        uow.session.expunge_all()
        return found


def open_clocks(container: Container, lead_id: uuid.UUID) -> list[ResponseClock]:
    uow = container.uow()
    with uow:
        query = select(ResponseClock).where(
            ResponseClock.lead_id == lead_id, ResponseClock.state == "open"
        )
        found = list(uow.session.scalars(query))
        uow.session.expunge_all()
        return found


def test_the_manager_gives_the_lead_to_a_dealer_of_their_choice(
    http: TestClient,
    wired: Container,
    clock: FixedClock,
    make_caller: MakeCaller,
    connection: Connection,
) -> None:
    lead_id = escalated(wired)
    germany = make_caller(Role.MARKET_MANAGER, market_codes=["DE"])
    body = {"dealer_code": "de-ber-01", "reason": REASON}
    done = http.post(
        f"{API}/response/escalations/{lead_id}/assign", headers=germany.headers, json=body
    )
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["dealer_code"]) == ("assigned", "DE-BER-01")

    berlin = dealers.get_dealer_by_code(wired.uow(), code="DE-BER-01")
    lead = lead_row(wired.uow(), lead_id)
    assert (lead.status, lead.dealer_id, lead.status_reason) == ("assigned", berlin.id, REASON)
    assert lead.response_due_at == clock.now() + timedelta(minutes=15)  # a fresh clock
    [clock_row] = open_clocks(wired, lead_id)
    assert clock_row.dealer_id == berlin.id
    manual = decisions(wired, lead_id)[-1]
    assert (manual.trigger, manual.rule, manual.outcome) == ("manual", "manual", "assigned")
    assert (manual.dealer_code, manual.trigger_reason) == ("DE-BER-01", REASON)
    assert any(germany.email in reason for reason in manual.reasons)
    assigned = events(connection, "lead.assigned")[-1]
    assert (assigned["dealer_code"], assigned["reason"]) == ("DE-BER-01", REASON)
    moved = events(connection, "lead.status_changed")[-1]
    assert (moved["old_status"], moved["new_status"]) == ("escalated", "assigned")

    staff = make_caller(Role.DEALER_STAFF, dealer_code="DE-BER-01").headers
    queue = http.get(f"{API}/workspace/leads", headers=staff).json()
    assert str(lead_id) in [item["id"] for item in queue]


def test_the_manager_closes_the_lead_as_lost(
    http: TestClient, wired: Container, make_caller: MakeCaller, connection: Connection
) -> None:
    lead_id = escalated(wired)
    hq = make_caller(Role.HQ).headers
    body = {"reason": "bought elsewhere before anyone called"}
    done = http.post(f"{API}/response/escalations/{lead_id}/close", headers=hq, json=body)
    assert done.status_code == 200, done.text
    assert (done.json()["status"], done.json()["dealer_code"]) == ("lost", None)
    lead = lead_row(wired.uow(), lead_id)
    assert (lead.status, lead.status_reason) == ("lost", body["reason"])
    moved = events(connection, "lead.status_changed")[-1]
    assert (moved["old_status"], moved["new_status"]) == ("escalated", "lost")
    assert open_clocks(wired, lead_id) == []
    listed = http.get(f"{API}/response/escalations", headers=hq).json()
    assert str(lead_id) not in [item["id"] for item in listed]


def test_dealer_staff_the_call_centre_and_other_markets_get_403(
    http: TestClient, wired: Container, make_caller: MakeCaller
) -> None:
    lead_id = escalated(wired)
    last_dealer = lead_row(wired.uow(), lead_id).dealer_id
    assert last_dealer is not None
    code = dealers.get_dealer(wired.uow(), dealer_id=last_dealer).code
    for caller in (
        make_caller(Role.DEALER_STAFF, dealer_code=code),
        make_caller(Role.CALL_CENTRE),
        make_caller(Role.MARKET_MANAGER, market_codes=["PL", "CZ"]),
    ):
        base = f"{API}/response/escalations/{lead_id}"
        assign = {"dealer_code": "DE-BER-01", "reason": REASON}
        refused = http.post(f"{base}/assign", headers=caller.headers, json=assign)
        closed = http.post(f"{base}/close", headers=caller.headers, json={"reason": REASON})
        assert (refused.status_code, closed.status_code) == (403, 403), caller.role
    assert lead_row(wired.uow(), lead_id).status == "escalated"


@pytest.mark.parametrize(
    ("action", "body", "status", "field"),
    [
        ("assign", {"dealer_code": "DE-BER-01"}, 422, "reason"),
        ("assign", {"dealer_code": "DE-BER-01", "reason": "    "}, 422, "reason"),
        ("close", {}, 422, "reason"),
        ("assign", {"reason": REASON}, 422, "dealer_code"),
        ("assign", {"dealer_code": "DE-XXX-09", "reason": REASON}, 422, "dealer_code"),
        ("assign", {"dealer_code": "PL-WAW-01", "reason": REASON}, 422, "dealer_code"),
        ("assign", {"dealer_code": "CN-SHA-01", "reason": REASON}, 422, "dealer_code"),
    ],
)
def test_bad_input_names_the_field_and_changes_nothing(
    http: TestClient,
    wired: Container,
    hq_headers: dict[str, str],
    action: str,
    body: dict[str, str],
    status: int,
    field: str,
) -> None:
    lead_id = escalated(wired)
    before = len(decisions(wired, lead_id))
    answer = http.post(
        f"{API}/response/escalations/{lead_id}/{action}", headers=hq_headers, json=body
    )
    assert answer.status_code == status
    assert field in answer.text
    assert lead_row(wired.uow(), lead_id).status == "escalated"
    assert len(decisions(wired, lead_id)) == before


@pytest.fixture
def hq_headers(make_caller: MakeCaller) -> dict[str, str]:
    return make_caller(Role.HQ).headers


def test_only_an_escalated_lead_is_handled(
    http: TestClient, wired: Container, hq_headers: dict[str, str]
) -> None:
    lead_id = capture(wired.uow())  # routed, waiting for its dealer
    before = lead_row(wired.uow(), lead_id)
    body = {"dealer_code": "DE-BER-01", "reason": REASON}
    answer = http.post(
        f"{API}/response/escalations/{lead_id}/assign", headers=hq_headers, json=body
    )
    assert answer.status_code == 409
    assert answer.json()["error"]["details"]["field"] == "status"
    closed = http.post(f"{API}/response/escalations/{lead_id}/close", headers=hq_headers, json=body)
    assert closed.status_code == 422  # a close takes only a reason
    after = lead_row(wired.uow(), lead_id)
    assert (after.status, after.dealer_id) == (before.status, before.dealer_id)
    missing = http.post(
        f"{API}/response/escalations/{uuid.uuid4()}/close",
        headers=hq_headers,
        json={"reason": REASON},
    )
    assert missing.status_code == 404


def test_a_dealer_taking_no_leads_or_full_today_is_refused(
    http: TestClient, wired: Container, hq_headers: dict[str, str]
) -> None:
    lead_id = escalated(wired)
    berlin = dealers.get_dealer_by_code(wired.uow(), code="DE-BER-01")
    url = f"{API}/response/escalations/{lead_id}/assign"
    body = {"dealer_code": "DE-BER-01", "reason": REASON}
    one = DealerUpdate(daily_lead_capacity=1)
    dealers.update_dealer(wired.uow(), dealer_id=berlin.id, data=one)
    uow = wired.uow()
    with uow:  # the day's one lead is taken
        day = uow.clock.now().date()
        assert dealers.take_lead_slot(uow, dealer_id=berlin.id, day=day, capacity=1) == 1
        uow.commit()
    full = http.post(url, headers=hq_headers, json=body)
    assert full.status_code == 409
    assert full.json()["error"]["details"]["field"] == "dealer_code"
    none = DealerUpdate(daily_lead_capacity=0)
    dealers.update_dealer(wired.uow(), dealer_id=berlin.id, data=none)
    closed = http.post(url, headers=hq_headers, json=body)
    assert closed.status_code == 422
    assert "daily capacity 0" in closed.json()["error"]["message"]
    assert lead_row(wired.uow(), lead_id).status == "escalated"


def test_a_lead_escalated_for_breaches_comes_back_if_the_chosen_dealer_misses_it(
    wired: Container, clock: FixedClock, make_caller: MakeCaller, http: TestClient
) -> None:
    lead_id = capture(wired.uow())
    miss_deadlines(wired, clock, lead_id, 3)
    assert lead_row(wired.uow(), lead_id).status == "escalated"
    germany = make_caller(Role.MARKET_MANAGER, market_codes=["DE"]).headers
    body = {"dealer_code": "DE-MUC-01", "reason": REASON}
    assigned = http.post(f"{API}/response/escalations/{lead_id}/assign", headers=germany, json=body)
    assert assigned.status_code == 200, assigned.text
    due = lead_row(wired.uow(), lead_id).response_due_at
    assert due is not None
    clock.advance(due - clock.now())
    timers.run_due(wired.uow(), wired.timers)
    lead = lead_row(wired.uow(), lead_id)
    assert (lead.status, lead.sla_breaches) == ("escalated", 4)
