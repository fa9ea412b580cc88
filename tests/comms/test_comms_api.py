"""The comms API: the interaction log and templated messages, with the callers' scope."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import MakeCaller
from tests.outbound import SmtpServer, capture, pump

from forecourt.bootstrap import Container
from forecourt.kernel.principal import Role

BRATISLAVA = {"full_name": "Jana Nováková", "email": "jana@example.sk", "city": "Bratislava", "country": "SK"}  # fmt: skip


def test_an_agent_records_a_call_and_reads_the_log(
    container: Container, client: TestClient, make_caller: MakeCaller
) -> None:
    lead = capture(container, "api-1", **BRATISLAVA)
    pump(container)
    agent = make_caller(Role.CALL_CENTRE).headers
    url = f"/api/v1/customers/{lead.customer_id}/interactions"
    call = {"kind": "call", "channel": "phone", "direction": "inbound", "summary": "Asked about the estate"}  # fmt: skip

    created = client.post(url, json=call, headers=agent)
    assert created.status_code == 201
    assert created.json()["actor"].startswith("call_centre-")
    log = client.get(url, headers=agent).json()
    assert next(entry["kind"] for entry in log) == "call"
    assert "enquiry" in {entry["kind"] for entry in log}


def test_the_log_is_out_of_reach_of_dealer_staff_and_other_markets(
    container: Container, client: TestClient, make_caller: MakeCaller
) -> None:
    lead = capture(container, "api-2", **BRATISLAVA)
    url = f"/api/v1/customers/{lead.customer_id}/interactions"
    staff = make_caller(Role.DEALER_STAFF, dealer_code="DE-MUC-01").headers
    germany = make_caller(Role.MARKET_MANAGER, market_codes=["DE"]).headers
    slovakia = make_caller(Role.MARKET_MANAGER, market_codes=["SK"]).headers

    assert client.get(url, headers=staff).status_code == 403
    assert client.get(url, headers=germany).status_code == 403
    assert client.get(url, headers=slovakia).status_code == 200
    assert client.get(url).status_code == 401


def test_a_templated_message_is_sent_and_listed(
    container: Container, client: TestClient, make_caller: MakeCaller, smtp: SmtpServer
) -> None:
    lead = capture(container, "api-3", **BRATISLAVA)
    pump(container)
    hq = make_caller(Role.HQ).headers
    url = f"/api/v1/customers/{lead.customer_id}/messages"
    body = {"template": "lead_assigned", "variables": {"dealer_name": "Autocentrum", "dealer_city": "Bratislava", "dealer_phone": "+421 2 1234", "dealer_email": "info@example.sk"}}  # fmt: skip

    created = client.post(url, json=body, headers=hq)
    assert created.status_code == 201
    assert (created.json()["state"], created.json()["language"]) == ("queued", "en")
    pump(container)
    listed = {m["id"]: m for m in client.get(url, headers=hq).json()}
    assert listed[created.json()["id"]]["state"] == "sent"
    assert "Your enquiry is with Autocentrum" in [m["Subject"] for m in smtp.messages]


def test_bad_message_requests_name_the_field(
    container: Container, client: TestClient, make_caller: MakeCaller
) -> None:
    lead = capture(container, "api-4", **BRATISLAVA)
    hq = make_caller(Role.HQ).headers
    url = f"/api/v1/customers/{lead.customer_id}/messages"

    unknown = client.post(url, json={"template": "nope"}, headers=hq)
    assert unknown.status_code == 422
    assert unknown.json()["error"]["details"]["field"] == "template"
    missing = client.post(url, json={"template": "lead_assigned", "variables": {}}, headers=hq)
    assert missing.status_code == 422
    assert missing.json()["error"]["details"]["field"] == "variables"
    assert "dealer_name" in missing.json()["error"]["message"]
