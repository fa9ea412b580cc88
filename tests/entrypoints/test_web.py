"""The web console over HTTP: sign-in, the overview, sign-out."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

from forecourt.auth import service as auth
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork

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


def test_overview_needs_sign_in(client: TestClient) -> None:
    response = client.get("/", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin"


def test_sign_in_shows_the_network_and_catalogue(client: TestClient, uow: UnitOfWork) -> None:
    auth.create_user(uow, email="ops@example.com", name="Ops", role=Role.HQ, password=PASSWORD)
    assert _sign_in(client, "ops@example.com") == 303
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
    auth.create_user(
        uow,
        email="desk@example.com",
        name="Desk",
        role=Role.DEALER_STAFF,
        password=PASSWORD,
        dealer_code=mine.code,
    )
    _sign_in(client, "desk@example.com")
    page = client.get("/").text
    assert mine.name in page
    assert all(other.code not in page for other in everyone[1:])


def test_sign_out_ends_the_session(client: TestClient, uow: UnitOfWork) -> None:
    auth.create_user(uow, email="ops4@example.com", name="Ops", role=Role.HQ, password=PASSWORD)
    _sign_in(client, "ops4@example.com")
    csrf = _csrf(client.get("/").text)
    client.post("/signout", data={"csrf": csrf})
    assert client.get("/", follow_redirects=False).status_code == 303
