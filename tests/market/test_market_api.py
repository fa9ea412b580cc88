"""The market routes over HTTP: markets in scope and the city gazetteer."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import Caller, MakeCaller

from forecourt.kernel.principal import Role


def test_markets_need_a_credential(client: TestClient) -> None:
    assert client.get("/api/v1/markets").status_code == 401
    assert client.get("/api/v1/cities", params={"name": "上海"}).status_code == 401


def test_hq_lists_every_market_home_market_first(client: TestClient, hq: Caller) -> None:
    response = client.get("/api/v1/markets", headers=hq.headers)
    assert response.status_code == 200
    body = response.json()
    assert len(body) == 21
    assert body[0]["code"] == "CN"
    assert body[0]["default_language"] == "zh-CN"


def test_one_market_by_code(client: TestClient, hq: Caller) -> None:
    body = client.get("/api/v1/markets/gb", headers=hq.headers).json()
    assert (body["code"], body["drive_side"], body["currency"]) == ("GB", "rhd", "GBP")
    missing = client.get("/api/v1/markets/ZZ", headers=hq.headers)
    assert missing.status_code == 404
    assert missing.json()["error"]["details"]["field"] == "code"


def test_a_market_manager_reads_only_their_market(
    client: TestClient, make_caller: MakeCaller
) -> None:
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["PL"])
    assert [m["code"] for m in client.get("/api/v1/markets", headers=manager.headers).json()] == [
        "PL"
    ]
    assert client.get("/api/v1/markets/CN", headers=manager.headers).status_code == 403


def test_a_city_by_its_chinese_name(client: TestClient, hq: Caller) -> None:
    response = client.get("/api/v1/cities", params={"name": "上海市"}, headers=hq.headers)
    assert response.status_code == 200
    body = response.json()
    assert (body["name"], body["country"], body["market_code"], body["tier"]) == (
        "Shanghai",
        "CN",
        "CN",
        1,
    )
    assert round(body["latitude"]) == 31
    assert round(body["longitude"]) == 121


def test_a_city_restricted_to_a_country(client: TestClient, hq: Caller) -> None:
    params = {"name": "Valencia", "country": "es"}
    body = client.get("/api/v1/cities", params=params, headers=hq.headers).json()
    assert (body["country"], body["market_code"], body["tier"]) == ("ES", "ES", None)


def test_an_unknown_city_is_404_with_suggestions(client: TestClient, hq: Caller) -> None:
    response = client.get("/api/v1/cities", params={"name": "Shanghia"}, headers=hq.headers)
    assert response.status_code == 404
    details = response.json()["error"]["details"]
    assert details["field"] == "city"
    assert "Shanghai" in details["suggestions"]


def test_a_city_query_without_a_name_is_422(client: TestClient, hq: Caller) -> None:
    response = client.get("/api/v1/cities", headers=hq.headers)
    assert response.status_code == 422
    assert "name" in response.text
