"""The auth routes over HTTP."""

from __future__ import annotations

from fastapi.testclient import TestClient

from forecourt.kernel.principal import Role


def test_me_describes_the_caller(client: TestClient, make_caller) -> None:
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["DE", "AT"])
    body = client.get("/api/v1/me", headers=manager.headers).json()
    assert body["role"] == "market_manager"
    assert body["market_codes"] == ["AT", "DE"]


def test_hq_creates_a_user_without_echoing_the_password(client: TestClient, hq) -> None:
    created = client.post(
        "/api/v1/users",
        headers=hq.headers,
        json={
            "email": "new.agent@example.com",
            "name": "New Agent",
            "role": "call_centre",
            "password": "long enough pass",
        },
    )
    assert created.status_code == 201, created.text
    assert "password" not in created.text
    users = client.get("/api/v1/users", headers=hq.headers).json()
    assert "new.agent@example.com" in {u["email"] for u in users}


def test_a_user_with_a_bad_role_gets_422_naming_the_field(client: TestClient, hq) -> None:
    response = client.post(
        "/api/v1/users",
        headers=hq.headers,
        json={
            "email": "x@example.com",
            "name": "X",
            "role": "king",
            "password": "long enough pass",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "role"


def test_token_issued_over_the_api_works_until_revoked(client: TestClient, make_caller) -> None:
    agent = make_caller(Role.CALL_CENTRE)
    issued = client.post("/api/v1/tokens", headers=agent.headers, json={"name": "script"}).json()
    headers = {"Authorization": f"Bearer {issued['token']}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete(f"/api/v1/tokens/{issued['id']}", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401


def test_non_hq_cannot_create_users(client: TestClient, make_caller) -> None:
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["CN"])
    response = client.post(
        "/api/v1/users",
        headers=manager.headers,
        json={"email": "y@example.com", "name": "Y", "role": "hq", "password": "long enough pass"},
    )
    assert response.status_code == 403
    assert response.json()["error"]["type"] == "Forbidden"


def test_audit_trail_over_http(client: TestClient, hq, make_caller) -> None:
    make_caller(Role.CALL_CENTRE)
    entries = client.get("/api/v1/audit", headers=hq.headers, params={"entity_type": "user"}).json()
    assert entries
    assert entries[0]["action"] in {"user.created", "token.issued"}
    agent = make_caller(Role.CALL_CENTRE)
    assert client.get("/api/v1/audit", headers=agent.headers).status_code == 403
