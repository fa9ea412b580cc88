"""Access control, checked on every API route the app has, not on a sample.

New routes are picked up automatically: each is called without a credential, with a malformed
token, and as dealer staff of one dealer, whose responses must never carry another dealer's data.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from forecourt.dealer import service as dealers
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork

OPEN_PATHS = {"/api/v1/health"}
SAMPLE_QUERY = {
    "city": "Shanghai",
    "country": "CN",
    "name": "Shanghai",
    "lat": "31.2",
    "lon": "121.5",
}


def api_routes(app: FastAPI) -> Iterator[tuple[str, str, dict[str, object]]]:
    """Every (method, path, operation) the app publishes in its OpenAPI document."""
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            yield method.upper(), path, operation


def _fill(path: str, values: dict[str, str]) -> str:
    return re.sub(r"{(\w+)}", lambda m: values.get(m.group(1), "XX"), path)


def _call(client: TestClient, method: str, url: str, headers: dict[str, str]) -> tuple[int, str]:
    body = None if method in {"GET", "DELETE"} else {}
    response = client.request(method, url, headers=headers, params=SAMPLE_QUERY, json=body)
    return response.status_code, response.text


def test_the_app_has_routes_to_check(app: FastAPI) -> None:
    paths = {path for _m, path, _r in api_routes(app)}
    assert {"/api/v1/dealers", "/api/v1/dealers/{dealer_id}", "/api/v1/markets"} <= paths


def test_every_route_but_health_needs_a_credential(app: FastAPI, client: TestClient) -> None:
    values = {
        "dealer_id": str(uuid.uuid4()),
        "token_id": str(uuid.uuid4()),
        "code": "CN",
        "market_code": "CN",
    }
    for method, path, _route in api_routes(app):
        status, _text = _call(client, method, _fill(path, values), headers={})
        expected = 200 if path in OPEN_PATHS else 401
        assert status == expected, f"{method} {path} answered {status} without a credential"


@pytest.mark.parametrize(
    "authorization",
    ["Bearer nonsense", "Bearer fct_" + "x" * 43, "Basic dXNlcjpwYXNz", "Bearer", "fct_abc"],
)
def test_a_malformed_or_unknown_token_gets_401_and_nothing_else(
    app: FastAPI, client: TestClient, authorization: str
) -> None:
    for method, path, _route in api_routes(app):
        if path in OPEN_PATHS:
            continue
        response = client.request(method, _fill(path, {}), headers={"Authorization": authorization})
        assert response.status_code == 401, f"{method} {path}"
        assert response.json() == {
            "error": {"type": "Unauthenticated", "message": "valid credentials required"}
        }


def test_dealer_staff_never_see_another_dealers_data(
    app: FastAPI, client: TestClient, make_caller, uow: UnitOfWork
) -> None:
    everyone = dealers.list_dealers(uow)
    mine = next(d for d in everyone if d.market_code == "CN")
    others = [d for d in everyone if d.id != mine.id]
    neighbour = next(d for d in others if d.market_code == "CN")
    staff = make_caller(Role.DEALER_STAFF, dealer_code=mine.code)
    values = {
        "dealer_id": str(neighbour.id),
        "code": "CN",
        "market_code": "CN",
        "token_id": str(uuid.uuid4()),
    }
    leaks = re.compile("|".join(re.escape(str(d.id)) for d in others))
    for method, path, _route in api_routes(app):
        status, text = _call(client, method, _fill(path, values), staff.headers)
        assert status < 500, f"{method} {path} failed with {status}: {text[:200]}"
        found = leaks.search(text) if status < 300 else None
        assert found is None, (
            f"{method} {path} showed dealer {found and found.group(0)} to another dealer's staff"
        )
        if "{dealer_id}" in path:
            assert status in {403, 404}, (
                f"{method} {path} let staff act on another dealer ({status})"
            )


def test_dealer_staff_read_their_own_dealer(
    client: TestClient, make_caller, uow: UnitOfWork
) -> None:
    mine = dealers.list_dealers(uow, market_code="DE")[0]
    staff = make_caller(Role.DEALER_STAFF, dealer_code=mine.code)
    response = client.get(f"/api/v1/dealers/{mine.id}", headers=staff.headers)
    assert response.status_code == 200
    listed = client.get("/api/v1/dealers", headers=staff.headers).json()
    assert [d["id"] for d in listed] == [str(mine.id)]


def test_market_managers_stay_in_their_markets(
    app: FastAPI, client: TestClient, make_caller, uow: UnitOfWork
) -> None:
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["PL"])
    chinese = dealers.list_dealers(uow, market_code="CN")
    assert (
        client.get(f"/api/v1/dealers/{chinese[0].id}", headers=manager.headers).status_code == 403
    )
    listed = client.get("/api/v1/dealers", headers=manager.headers).json()
    assert listed
    assert {d["market_code"] for d in listed} == {"PL"}
    assert client.get("/api/v1/markets/CN", headers=manager.headers).status_code == 403
    assert [m["code"] for m in client.get("/api/v1/markets", headers=manager.headers).json()] == [
        "PL"
    ]
