"""The dealer routes over HTTP: listing, nearest dealers, detail, changes and scope."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.testclient import TestClient
from tests.conftest import Caller, MakeCaller

from forecourt.dealer import service as dealers
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork

WEEK = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")} | {
    "sun": []
}


def _id(uow: UnitOfWork, code: str) -> str:
    return str(dealers.get_dealer_by_code(uow, code=code).id)


def test_list_filters_by_market_and_kind(client: TestClient, hq: Caller) -> None:
    params = {"market": "cn", "kind": "multibrand"}
    body = client.get("/api/v1/dealers", params=params, headers=hq.headers).json()
    assert body
    assert {(d["market_code"], d["kind"]) for d in body} == {("CN", "multibrand")}
    bad = client.get("/api/v1/dealers", params={"kind": "garage"}, headers=hq.headers)
    assert bad.status_code == 422


def test_nearest_by_coordinates(client: TestClient, hq: Caller) -> None:
    params = {"lat": 48.14, "lon": 11.58, "limit": 3}
    response = client.get("/api/v1/dealers/nearest", params=params, headers=hq.headers)
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 3
    assert body[0]["dealer"]["code"] == "DE-MUC-01"
    assert [d["distance_km"] for d in body] == sorted(d["distance_km"] for d in body)


def test_nearest_by_chinese_city_name(client: TestClient, hq: Caller) -> None:
    params: dict[str, Any] = {"city": "洛阳", "country": "CN", "limit": 1}
    body = client.get("/api/v1/dealers/nearest", params=params, headers=hq.headers).json()
    assert body[0]["dealer"]["code"] == "CN-LYA-01"
    assert body[0]["distance_km"] == 0


def test_nearest_to_an_unknown_city_is_404_with_suggestions(client: TestClient, hq: Caller) -> None:
    params = {"city": "Shanghia"}
    response = client.get("/api/v1/dealers/nearest", params=params, headers=hq.headers)
    assert response.status_code == 404
    assert "Shanghai" in response.json()["error"]["details"]["suggestions"]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "city"),
        ({"lat": 91, "lon": 10}, "lat"),
        ({"lat": "north", "lon": 10}, "lat"),
        ({"lat": 48.1}, "longitude"),
        ({"city": "Munich", "limit": 0}, "limit"),
    ],
)
def test_a_bad_nearest_query_is_422_naming_the_field(
    client: TestClient, hq: Caller, params: dict[str, Any], field: str
) -> None:
    response = client.get("/api/v1/dealers/nearest", params=params, headers=hq.headers)
    assert response.status_code == 422
    assert field in response.text


def test_detail_with_staff(client: TestClient, hq: Caller, uow: UnitOfWork) -> None:
    response = client.get(f"/api/v1/dealers/{_id(uow, 'GB-LON-01')}", headers=hq.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["code"], body["city"], body["kind"]) == ("GB-LON-01", "London", "own")
    assert 2 <= len(body["staff"]) <= 4
    missing = client.get("/api/v1/dealers/0190a0b0-0000-7000-8000-000000000000", headers=hq.headers)
    assert missing.status_code == 404


def test_hq_changes_a_dealer(client: TestClient, hq: Caller, uow: UnitOfWork) -> None:
    dealer_id = _id(uow, "IT-MIL-01")
    change = {"opening_hours": WEEK, "daily_lead_capacity": 25, "phone": "+39 02 3800 4600"}
    response = client.patch(f"/api/v1/dealers/{dealer_id}", json=change, headers=hq.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["opening_hours"], body["daily_lead_capacity"], body["phone"]) == (
        WEEK,
        25,
        "+39 02 3800 4600",
    )


def test_invalid_opening_hours_are_422_naming_the_day(
    client: TestClient, hq: Caller, uow: UnitOfWork
) -> None:
    dealer_id = _id(uow, "IT-MIL-01")
    change = {"opening_hours": WEEK | {"wed": [["19:00", "08:00"]]}}
    response = client.patch(f"/api/v1/dealers/{dealer_id}", json=change, headers=hq.headers)
    assert response.status_code == 422
    assert response.json()["error"]["details"]["field"] == "opening_hours.wed"
    unchanged = dealers.get_dealer_by_code(uow, code="IT-MIL-01")
    assert unchanged.opening_hours["wed"] != [["19:00", "08:00"]]


def test_unknown_fields_in_a_change_are_422(
    client: TestClient, hq: Caller, uow: UnitOfWork
) -> None:
    dealer_id = _id(uow, "IT-MIL-01")
    response = client.patch(f"/api/v1/dealers/{dealer_id}", json={"code": "X"}, headers=hq.headers)
    assert response.status_code == 422


def test_dealer_staff_see_only_their_dealer(
    client: TestClient, make_caller: MakeCaller, uow: UnitOfWork
) -> None:
    staff = make_caller(Role.DEALER_STAFF, dealer_code="CN-LYA-01")
    listed = client.get("/api/v1/dealers", headers=staff.headers).json()
    assert [d["code"] for d in listed] == ["CN-LYA-01"]
    params = {"city": "Shanghai", "limit": 10}
    near = client.get("/api/v1/dealers/nearest", params=params, headers=staff.headers).json()
    assert [d["dealer"]["code"] for d in near] == ["CN-LYA-01"]
    other = client.get(f"/api/v1/dealers/{_id(uow, 'CN-SHA-01')}", headers=staff.headers)
    assert other.status_code == 403
    patch = client.patch(
        f"/api/v1/dealers/{_id(uow, 'CN-LYA-01')}",
        json={"daily_lead_capacity": 99},
        headers=staff.headers,
    )
    assert patch.status_code == 403


def test_a_market_manager_of_poland_cannot_read_a_chinese_dealer(
    client: TestClient, make_caller: MakeCaller, uow: UnitOfWork
) -> None:
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["PL"])
    response = client.get(f"/api/v1/dealers/{_id(uow, 'CN-SHA-01')}", headers=manager.headers)
    assert response.status_code == 403
    listed = client.get("/api/v1/dealers", headers=manager.headers).json()
    assert {d["market_code"] for d in listed} == {"PL"}
