"""Lead capture over HTTP: JSON with Idempotency-Key, ADF XML in and out, customer 360."""

from __future__ import annotations

from fastapi.testclient import TestClient

from forecourt.kernel.principal import Role

ADF = """<?xml version="1.0" encoding="UTF-8"?>
<?ADF VERSION="1.0"?>
<adf>
 <prospect><id source="site">adf-1</id>
  <vehicle interest="buy"><make>Aurelia</make><model>Vela</model></vehicle>
  <customer><contact><name part="full">Katarzyna Nowak</name><email>k.nowak@example.com</email>
   <phone>601 111 222</phone><address><city>Warsaw</city><country>PL</country></address></contact></customer>
 </prospect>
 <prospect><id source="site">adf-2</id><customer><contact><name part="first"></name></contact></customer></prospect>
 <prospect><id source="site">adf-3</id><customer><contact><name part="first">Jan</name><name part="last">Dvořák</name>
   <phone>+420 601 222 333</phone></contact></customer></prospect>
</adf>"""


def test_capture_json_then_retry_with_the_same_key(client: TestClient, hq) -> None:
    body = {
        "channel": "web",
        "first_name": "Emma",
        "last_name": "Schulz",
        "email": "emma.schulz@example.com",
        "city": "München",
        "country": "DE",
    }
    headers = {**hq.headers, "Idempotency-Key": "form-4711"}
    first = client.post("/api/v1/leads", json=body, headers=headers)
    again = client.post("/api/v1/leads", json=body, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["lead"]["id"] == first.json()["lead"]["id"]


def test_a_lead_without_contact_gets_422_naming_the_fields(client: TestClient, hq) -> None:
    response = client.post(
        "/api/v1/leads", json={"channel": "web", "city": "Berlin"}, headers=hq.headers
    )
    assert response.status_code == 422
    assert "phone" in response.text
    assert "email" in response.text


def test_an_unknown_channel_is_named(client: TestClient, hq) -> None:
    response = client.post(
        "/api/v1/leads",
        json={"channel": "carrier pigeon", "email": "a@example.com"},
        headers=hq.headers,
    )
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"][-1] == "channel"


def test_adf_document_keeps_valid_prospects_and_reports_the_invalid(client: TestClient, hq) -> None:
    response = client.post(
        "/api/v1/leads/adf",
        content=ADF.encode(),
        headers={**hq.headers, "Content-Type": "application/x-adf+xml"},
    )
    assert response.status_code == 200, response.text
    result = response.json()
    assert sorted(c["lead"]["source_id"] for c in result["accepted"]) == ["adf-1", "adf-3"]
    assert [r["line"] for r in result["rejected"]] == [2]


def test_broken_adf_gets_400_with_line_and_column(client: TestClient, hq) -> None:
    broken = "<?xml version='1.0'?>\n<adf>\n<prospect><customer></prospect>\n</adf>"
    response = client.post(
        "/api/v1/leads/adf",
        content=broken.encode(),
        headers={**hq.headers, "Content-Type": "text/xml"},
    )
    assert response.status_code == 400
    details = response.json()["error"]["details"]
    assert details["line"] == 3


def test_a_lead_comes_back_as_adf(client: TestClient, hq) -> None:
    captured = client.post(
        "/api/v1/leads",
        json={
            "channel": "dealer",
            "source_id": "walk-in-7",
            "full_name": "Sofia Rossi",
            "phone": "+39 333 123 4567",
            "country": "IT",
            "model_interest": "Terra",
        },
        headers=hq.headers,
    ).json()
    response = client.get(f"/api/v1/leads/{captured['lead']['id']}/adf", headers=hq.headers)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/x-adf+xml")
    assert "Sofia Rossi" in response.text
    assert "<?adf version=" in response.text.lower()


def test_customer_360_lists_identities_and_leads(client: TestClient, hq) -> None:
    first = client.post(
        "/api/v1/leads",
        json={
            "channel": "live_broadcast",
            "source_id": "lb-77",
            "full_name": "陳靜",
            "phone": "13566667777",
            "country": "CN",
        },
        headers=hq.headers,
    ).json()
    client.post(
        "/api/v1/leads",
        json={
            "channel": "call_centre",
            "source_id": "cc-77",
            "first_name": "Jing",
            "last_name": "Chen",
            "phone": "+86 135 6666 7777",
            "country": "CN",
            "email": "chen.jing@example.com",
        },
        headers=hq.headers,
    )
    profile = client.get(
        f"/api/v1/customers/{first['lead']['customer_id']}", headers=hq.headers
    ).json()
    assert {i["channel"] for i in profile["identities"]} == {"live_broadcast", "call_centre"}
    assert len(profile["leads"]) == 2
    found = client.get("/api/v1/customers", params={"q": "陈静"}, headers=hq.headers).json()
    assert first["lead"]["customer_id"] in {c["id"] for c in found}


def test_market_managers_see_only_their_markets_customers(
    client: TestClient, hq, make_caller
) -> None:
    captured = client.post(
        "/api/v1/leads",
        json={
            "channel": "web",
            "email": "fr.client@example.com",
            "full_name": "Luc Martin",
            "city": "Lyon",
            "country": "FR",
        },
        headers=hq.headers,
    ).json()
    manager = make_caller(Role.MARKET_MANAGER, market_codes=["PL"])
    response = client.get(
        f"/api/v1/customers/{captured['lead']['customer_id']}", headers=manager.headers
    )
    assert response.status_code == 403
