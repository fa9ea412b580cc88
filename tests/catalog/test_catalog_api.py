"""The catalog routes over HTTP: every signed-in role reads, rules come back as 422."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi.testclient import TestClient

from forecourt.kernel.principal import Role

CHECK = "/api/v1/catalog/configurations/check"
PAINT_AND_WHEELS = ["paint_glacier_white", "wheels_17"]


def test_the_catalogue_needs_a_credential(client: TestClient) -> None:
    assert client.get("/api/v1/catalog").status_code == 401


def test_the_call_centre_reads_the_catalogue(
    client: TestClient, make_caller: Callable[..., Any]
) -> None:
    agent = make_caller(Role.CALL_CENTRE)

    response = client.get("/api/v1/catalog", headers=agent.headers)

    assert response.status_code == 200
    body = response.json()
    assert body["platform"]["code"] == "MCP"
    assert len(body["body_styles"]) == 5


def test_a_market_offer_is_priced_in_local_currency(client: TestClient, hq: Any) -> None:
    body = client.get("/api/v1/catalog/markets/GB", headers=hq.headers).json()

    assert (body["currency"], body["drive_side"]) == ("GBP", "rhd")
    assert "young" not in [t["code"] for t in body["trims"]]


def test_an_unknown_market_is_404(client: TestClient, hq: Any) -> None:
    response = client.get("/api/v1/catalog/markets/ZZ", headers=hq.headers)

    assert response.status_code == 404
    assert response.json()["error"]["type"] == "NotFound"


def test_a_valid_build_is_priced(client: TestClient, make_caller: Callable[..., Any]) -> None:
    seller = make_caller(Role.MARKET_MANAGER, market_codes=["CN"])
    build = {
        "market": "CN",
        "model": "lumen_hatch",
        "trim": "young",
        "options": ["paint_coral_pop", "wheels_18_black"],
    }

    response = client.post(CHECK, headers=seller.headers, json=build)

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["valid"], body["currency"], body["drive_side"]) == (True, "CNY", "lhd")
    assert body["total_minor"] == sum(line["amount_minor"] for line in body["lines"])


def test_a_broken_build_is_422_naming_each_rule_and_option(client: TestClient, hq: Any) -> None:
    build = {
        "market": "IE",
        "model": "terra",
        "trim": "premium",
        "options": [*PAINT_AND_WHEELS, "acc", "passenger_display", "roof_rails", "panoramic_roof"],
    }

    response = client.post(CHECK, headers=hq.headers, json=build)

    assert response.status_code == 422
    error = response.json()["error"]
    assert error["type"] == "InvalidInput"
    assert error["message"] == "configuration breaks 3 rule(s)"
    named = [(v["rule"], v["option"]) for v in error["details"]["violations"]]
    assert named == [
        ("option.requires", "acc"),
        ("option.drive_side", "passenger_display"),
        ("option.excludes", "panoramic_roof"),
    ]


def test_hq_changes_a_price(client: TestClient, hq: Any) -> None:
    response = client.put(
        "/api/v1/catalog/markets/HU/prices/terra",
        headers=hq.headers,
        json={"amount_minor": 13_500_000_00},
    )

    assert response.status_code == 200, response.text
    assert response.json()["currency"] == "HUF"
    offer = client.get("/api/v1/catalog/markets/HU", headers=hq.headers).json()
    assert next(m for m in offer["models"] if m["code"] == "terra")["amount_minor"] == 13_500_000_00


def test_a_manager_of_another_market_cannot_change_a_price(
    client: TestClient, make_caller: Callable[..., Any]
) -> None:
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["SK"])

    response = client.put(
        "/api/v1/catalog/markets/HU/prices/terra", headers=manager.headers, json={"amount_minor": 1}
    )

    assert response.status_code == 403


def test_a_negative_price_is_refused(client: TestClient, hq: Any) -> None:
    response = client.put(
        "/api/v1/catalog/markets/HU/prices/terra", headers=hq.headers, json={"amount_minor": -5}
    )

    assert response.status_code == 422
