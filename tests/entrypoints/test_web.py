"""The web console over HTTP: sign-in, the overview, sign-out."""

from __future__ import annotations

import re
import uuid
from typing import Any

from fastapi.testclient import TestClient
from tests.conftest import Caller

from forecourt.auth import service as auth
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import repository as lead_repository
from forecourt.lead import response as response_clock

PASSWORD = "console password 1"


def _csrf(html: str) -> str:
    match = re.search(r'name="csrf" value="([^"]+)"', html)
    assert match, "form without anti-forgery token"
    return match.group(1)


def _sign_in(client: TestClient, email: str, password: str = PASSWORD) -> int:
    csrf = _csrf(client.get("/signin").text)
    response = client.post(
        "/signin", data={"email": email, "password": password, "csrf": csrf}, follow_redirects=False
    )
    return response.status_code


def _signed_in_as(
    client: TestClient, uow: UnitOfWork, email: str, role: Role = Role.HQ, **scope: Any
) -> None:
    """A new user of `role` (with its markets or dealer in `scope`), signed in on `client`."""
    auth.create_user(
        uow,
        email=email,
        name=email.split("@", maxsplit=1)[0],
        role=role,
        password=PASSWORD,
        **scope,
    )
    assert _sign_in(client, email) == 303


def test_overview_needs_sign_in(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"


def test_sign_in_shows_the_network_and_catalogue(client: TestClient, uow: UnitOfWork) -> None:
    _signed_in_as(client, uow, "ops@example.com")
    page = client.get("/").text
    assert "ops@example.com" in page
    assert "China" in page
    assert "United Kingdom" in page
    assert "Catalogue" in page


def test_wrong_password_is_refused_without_a_session(client: TestClient, uow: UnitOfWork) -> None:
    auth.create_user(uow, email="ops2@example.com", name="Ops", role=Role.HQ, password=PASSWORD)
    assert _sign_in(client, "ops2@example.com", "not the password") == 401
    assert client.get("/", follow_redirects=False).status_code == 303


def test_a_forged_form_is_refused(client: TestClient, uow: UnitOfWork) -> None:
    auth.create_user(uow, email="ops3@example.com", name="Ops", role=Role.HQ, password=PASSWORD)
    client.get("/signin")
    response = client.post(
        "/signin", data={"email": "ops3@example.com", "password": PASSWORD, "csrf": "forged"}
    )
    assert response.status_code == 403


def test_dealer_staff_overview_lists_only_their_dealer(client: TestClient, uow: UnitOfWork) -> None:
    from forecourt.dealer import service as dealers

    everyone = dealers.list_dealers(uow)
    mine = everyone[0]
    _signed_in_as(client, uow, "desk@example.com", Role.DEALER_STAFF, dealer_code=mine.code)
    page = client.get("/").text
    assert mine.name in page
    assert all(other.code not in page for other in everyone[1:])


def test_sign_out_ends_the_session(client: TestClient, uow: UnitOfWork) -> None:
    _signed_in_as(client, uow, "ops4@example.com")
    csrf = _csrf(client.get("/").text)
    client.post("/signout", data={"csrf": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303


def _capture(client: TestClient, hq: Caller, **fields: str) -> dict[str, Any]:
    body = {"channel": "live_broadcast", "source_id": f"w-{uuid.uuid4().hex[:8]}", **fields}
    response = client.post("/api/v1/leads", json=body, headers=hq.headers)
    assert response.status_code == 201, response.text
    lead: dict[str, Any] = response.json()["lead"]
    return lead


def test_the_activity_fragment_needs_sign_in(client: TestClient) -> None:
    response = client.get("/console/activity", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"
    polled = client.get("/console/activity", headers={"HX-Request": "true"})
    assert polled.status_code == 401
    assert polled.headers["HX-Redirect"] == "/signin"  # HTMX leaves the page, not the fragment


def test_the_overview_polls_the_activity_fragment(client: TestClient, uow: UnitOfWork) -> None:
    _signed_in_as(client, uow, "ops5@example.com")
    page = client.get("/").text
    assert 'hx-get="/console/activity"' in page
    assert 'hx-trigger="every 2s"' in page
    assert "No leads yet." in page


def test_the_activity_fragment_renders_the_latest_leads(
    client: TestClient, uow: UnitOfWork, hq: Caller
) -> None:
    first = _capture(
        client, hq, full_name="李娜", phone="+86 139 1111 2222", city="上海", country="CN"
    )
    again = _capture(
        client,
        hq,
        channel="web",
        full_name="Li Na",
        phone="+8613911112222",
        city="Shanghai",
        country="CN",
    )
    _signed_in_as(client, uow, "ops6@example.com")
    fragment = client.get("/console/activity", headers={"HX-Request": "true"})
    assert fragment.status_code == 200
    html = fragment.text
    assert "<html" not in html  # a fragment, swapped into the page
    assert f'data-lead-id="{first["id"]}"' in html
    assert f'data-lead-id="{again["id"]}"' in html
    assert html.index(again["id"]) < html.index(first["id"])  # newest first
    assert "李娜" in html
    assert 'class="badge linked"' in html
    assert "due in" in html
    assert 'data-testid="count-captured">2<' in html


def test_a_market_manager_sees_only_their_markets_leads(
    client: TestClient, uow: UnitOfWork, hq: Caller
) -> None:
    china = _capture(
        client, hq, full_name="张伟", phone="+86 138 2222 3333", city="北京", country="CN"
    )
    germany = _capture(
        client, hq, full_name="Jan Müller", phone="+49 30 1234567", city="Berlin", country="DE"
    )
    _signed_in_as(client, uow, "mgr@example.com", Role.MARKET_MANAGER, market_codes=["DE"])
    html = client.get("/console/activity").text
    assert germany["id"] in html
    assert china["id"] not in html


def test_a_lead_row_opens_its_routing_and_score_reasons(
    client: TestClient, uow: UnitOfWork, hq: Caller
) -> None:
    lead = _capture(
        client, hq, full_name="Ewa Nowak", phone="+48 22 123 45 67", city="Warszawa", country="PL"
    )
    _signed_in_as(client, uow, "ops7@example.com")
    fragment = client.get(f"/console/leads/{lead['id']}", headers={"HX-Request": "true"}).text
    assert 'data-testid="score-reasons"' in fragment
    assert "channel" in fragment
    assert "Routing 1 (capture)" in fragment
    assert "market PL" in fragment
    page = client.get(f"/console/leads/{lead['id']}")
    assert page.status_code == 200
    assert "<html" in page.text
    missing = client.get(f"/console/leads/{uuid.uuid4()}")
    assert missing.status_code == 404
    assert "no such lead" in missing.text


def _escalated(client: TestClient, hq: Caller, uow: UnitOfWork) -> str:
    lead = _capture(
        client, hq, full_name="Jan Müller", phone="+49 30 7654321", city="Berlin", country="DE"
    )
    with uow:
        row = lead_repository.get_for_update(uow.session, uuid.UUID(lead["id"]))
        assert row is not None
        response_clock.escalate(uow, lead=row, reason="missed three deadlines")
        uow.commit()
    return str(lead["id"])


def test_a_manager_assigns_an_escalated_lead_from_its_page(
    client: TestClient, uow: UnitOfWork, hq: Caller
) -> None:
    lead_id = _escalated(client, hq, uow)
    _signed_in_as(client, uow, "mgr9@example.com", Role.MARKET_MANAGER, market_codes=["DE"])
    page = client.get(f"/console/leads/{lead_id}").text
    assert 'data-testid="escalation-actions"' in page
    form = {
        "action": "assign",
        "dealer_code": "DE-MUC-01",
        "reason": "Munich has room",
        "csrf": _csrf(page),
    }
    done = client.post(f"/console/leads/{lead_id}/escalation", data=form)
    assert done.status_code == 200
    assert "Assigned to DE-MUC-01." in done.text
    assert 'data-testid="escalation-actions"' not in done.text  # no longer escalated
    again = client.post(f"/console/leads/{lead_id}/escalation", data=form)
    assert again.status_code == 409
    assert "only an escalated lead" in again.text


def test_escalation_actions_need_a_manager_and_the_forms_token(
    client: TestClient, uow: UnitOfWork, hq: Caller
) -> None:
    lead_id = _escalated(client, hq, uow)
    _signed_in_as(client, uow, "staff9@example.com", Role.DEALER_STAFF, dealer_code="DE-MUC-01")
    page = client.get(f"/console/leads/{lead_id}")
    assert 'data-testid="escalation-actions"' not in page.text
    csrf = _csrf(client.get("/").text)
    form = {"action": "close", "reason": "not ours to close", "csrf": csrf}
    refused = client.post(f"/console/leads/{lead_id}/escalation", data=form)
    assert refused.status_code == 403
    assert "handled by HQ and market managers" in refused.text
    forged = client.post(f"/console/leads/{lead_id}/escalation", data=form | {"csrf": "forged"})
    assert forged.status_code == 403
    assert "the form has expired" in forged.text
    with uow:
        assert lead_repository.get(uow.session, uuid.UUID(lead_id)).status == "escalated"
