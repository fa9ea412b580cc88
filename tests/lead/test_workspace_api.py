"""The workspace over HTTP, and speed-to-lead and escalations for the people who run the network."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from tests.conftest import MakeCaller
from tests.lead.response_helpers import call, capture, lead_row, miss_deadlines, staff_of

from forecourt.bootstrap import Container
from forecourt.dealer import service as dealers
from forecourt.entrypoints.app import create_app
from forecourt.kernel import timers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.principal import Role
from forecourt.lead import speed_to_lead, workspace

API = "/api/v1"


@pytest.fixture
def http(wired: Container) -> Iterator[TestClient]:
    with TestClient(create_app(wired)) as client:
        yield client


def routed(container: Container, **fields: object) -> tuple[uuid.UUID, str]:
    """A lead captured and routed: (lead id, the dealer's code)."""
    lead_id = capture(container.uow(), **fields)
    dealer_id = lead_row(container.uow(), lead_id).dealer_id
    assert dealer_id is not None
    return lead_id, dealers.get_dealer(container.uow(), dealer_id=dealer_id).code


def test_a_salesperson_works_a_lead_through_the_api(
    http: TestClient, wired: Container, make_caller: MakeCaller
) -> None:
    lead_id, code = routed(wired)
    staff = make_caller(Role.DEALER_STAFF, dealer_code=code).headers
    queue = http.get(f"{API}/workspace/leads", headers=staff)
    assert queue.status_code == 200
    assert str(lead_id) in [item["id"] for item in queue.json()]
    lead_url = f"{API}/workspace/leads/{lead_id}"
    detail = http.get(lead_url, headers=staff).json()
    assert detail["customer"]["display_name"] == "Anna Huber"
    assert detail["clock"]["state"] == "open"
    assert http.post(f"{lead_url}/accept", headers=staff).json()["status"] == "accepted"

    attempt = {"channel": "wechat", "outcome": "reached", "note": "test drive on Saturday?"}
    keyed = {**staff, "Idempotency-Key": "wx-1"}
    first = http.post(f"{lead_url}/contacts", headers=keyed, json=attempt)
    again = http.post(f"{lead_url}/contacts", headers=keyed, json=attempt)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["attempt"]["id"] == again.json()["attempt"]["id"]
    assert first.json()["lead"]["status"] == "contacted"

    moved = http.post(f"{lead_url}/status", headers=staff, json={"status": "test_drive_booked"})
    assert moved.json()["status"] == "test_drive_booked"
    back = http.post(f"{lead_url}/status", headers=staff, json={"status": "contacted"})
    assert back.status_code == 409
    assert back.json()["error"]["details"]["field"] == "status"
    lost = http.post(f"{lead_url}/status", headers=staff, json={"status": "lost"})
    assert lost.status_code == 422
    assert lost.json()["error"]["details"]["field"] == "reason"


def test_bad_input_names_the_field(
    http: TestClient, wired: Container, make_caller: MakeCaller
) -> None:
    lead_id, code = routed(wired)
    staff = make_caller(Role.DEALER_STAFF, dealer_code=code).headers
    contacts = f"{API}/workspace/leads/{lead_id}/contacts"
    fax = http.post(contacts, headers=staff, json={"channel": "fax"})
    assert fax.status_code == 422
    assert "channel" in fax.text
    short = http.post(f"{API}/workspace/leads/{lead_id}/decline", headers=staff, json={})
    assert short.status_code == 422
    assert "reason" in short.text


def test_another_dealers_staff_and_the_call_centre_cannot_act(
    http: TestClient, wired: Container, make_caller: MakeCaller
) -> None:
    lead_id, code = routed(wired)
    other = next(
        d.code for d in dealers.list_dealers(wired.uow(), market_code="DE") if d.code != code
    )
    for caller in (
        make_caller(Role.DEALER_STAFF, dealer_code=other),
        make_caller(Role.CALL_CENTRE),
        make_caller(Role.HQ),
    ):
        response = http.post(
            f"{API}/workspace/leads/{lead_id}/contacts",
            headers=caller.headers,
            json={"channel": "call"},
        )
        assert response.status_code == 403, caller.role
    assert lead_row(wired.uow(), lead_id).status == "assigned"


def test_a_decline_hands_the_lead_on_without_showing_where(
    http: TestClient, wired: Container, make_caller: MakeCaller
) -> None:
    lead_id, code = routed(wired)
    staff = make_caller(Role.DEALER_STAFF, dealer_code=code).headers
    declined = http.post(
        f"{API}/workspace/leads/{lead_id}/decline", headers=staff, json={"reason": "no stock"}
    )
    assert declined.status_code == 200
    assert declined.json()["outcome"] == "rerouted"
    new_dealer = lead_row(wired.uow(), lead_id).dealer_id
    assert str(new_dealer) not in declined.text
    assert http.get(f"{API}/workspace/leads/{lead_id}", headers=staff).status_code == 403


def _answered_and_breached(wired: Container, clock: FixedClock) -> tuple[uuid.UUID, uuid.UUID]:
    """One Munich lead answered in 3 minutes, one breached and re-routed: their ids."""
    answered, code = routed(wired, channel="web")
    dealer = dealers.get_dealer_by_code(wired.uow(), code=code)
    breached = capture(wired.uow())
    clock.advance(timedelta(minutes=3))
    workspace.log_contact(staff_of(wired, dealer.id), lead_id=answered, data=call())
    due = lead_row(wired.uow(), breached).response_due_at
    assert due is not None
    clock.advance(due - clock.now())
    timers.run_due(wired.uow(), wired.timers)
    return answered, breached


def test_speed_to_lead_per_dealer_channel_and_market(
    http: TestClient, wired: Container, clock: FixedClock, make_caller: MakeCaller
) -> None:
    _answered_and_breached(wired, clock)
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["DE"]).headers
    by_channel = http.get(f"{API}/response/speed-to-lead?group_by=channel", headers=manager)
    assert by_channel.status_code == 200
    rows = {row["key"]: row for row in by_channel.json()["rows"]}
    assert rows["web"]["responded"] == 1
    assert rows["web"]["within_target"] == 1
    assert rows["web"]["median_response_s"] == 180
    assert rows["live_broadcast"]["breached"] == 1
    assert rows["live_broadcast"]["open"] == 1, rows  # the clock of the dealer it went to next
    by_market = http.get(f"{API}/response/speed-to-lead?group_by=market", headers=manager).json()
    assert [(row["key"], row["clocks"]) for row in by_market["rows"]] == [("DE", 3)]
    by_dealer = http.get(f"{API}/response/speed-to-lead", headers=manager).json()
    assert all(row["label"].startswith("DE-") for row in by_dealer["rows"])


def test_speed_to_lead_stays_in_the_callers_markets(
    http: TestClient, wired: Container, clock: FixedClock, make_caller: MakeCaller
) -> None:
    _answered_and_breached(wired, clock)
    poland = make_caller(Role.MARKET_MANAGER, market_codes=["PL"]).headers
    mine = http.get(f"{API}/response/speed-to-lead", headers=poland)
    assert (mine.status_code, mine.json()["rows"]) == (200, [])
    other = http.get(f"{API}/response/speed-to-lead?market_code=DE", headers=poland)
    assert other.status_code == 403
    hq = make_caller(Role.HQ).headers
    assert http.get(f"{API}/response/speed-to-lead", headers=hq).json()["rows"]
    staff = make_caller(Role.DEALER_STAFF, dealer_code="DE-MUC-01").headers
    assert http.get(f"{API}/response/speed-to-lead", headers=staff).status_code == 403
    bad = http.get(f"{API}/response/speed-to-lead?group_by=city", headers=hq)
    assert bad.status_code == 422


def test_escalations_reach_the_market_manager(
    http: TestClient, wired: Container, clock: FixedClock, make_caller: MakeCaller
) -> None:
    lead_id = capture(wired.uow())
    miss_deadlines(wired, clock, lead_id, 3)
    germany = make_caller(Role.MARKET_MANAGER, market_codes=["DE"]).headers
    listed = http.get(f"{API}/response/escalations", headers=germany).json()
    [item] = [item for item in listed if item["id"] == str(lead_id)]
    assert (item["status"], item["sla_breaches"]) == ("escalated", 3)
    poland = make_caller(Role.MARKET_MANAGER, market_codes=["PL"]).headers
    assert http.get(f"{API}/response/escalations", headers=poland).json() == []
    assert speed_to_lead.needing_attention(wired.uow(), market_code="DE")[0].id == lead_id


def test_dealer_staff_export_their_own_leads_as_adf_and_nobody_elses(
    http: TestClient, wired: Container, make_caller: MakeCaller
) -> None:
    lead_id, code = routed(wired)
    other = next(d.code for d in dealers.list_dealers(wired.uow()) if d.code != code)
    own = make_caller(Role.DEALER_STAFF, dealer_code=code).headers
    stranger = make_caller(Role.DEALER_STAFF, dealer_code=other).headers

    exported = http.get(f"{API}/leads/{lead_id}/adf", headers=own)
    assert exported.status_code == 200
    assert "<prospect" in exported.text
    assert http.get(f"{API}/leads/{lead_id}/adf", headers=stranger).status_code == 403
    customer_id = lead_row(wired.uow(), lead_id).customer_id
    # The customer API itself stays closed to dealer staff: they reach people through leads.
    assert http.get(f"{API}/customers/{customer_id}", headers=own).status_code == 403
