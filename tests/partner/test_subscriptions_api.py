"""Subscriptions through the API: brand HQ only, checked input, the secret shown once."""

from __future__ import annotations

from fastapi.testclient import TestClient
from tests.conftest import MakeCaller

from forecourt.kernel.principal import Role

URL = "/api/v1/partner/subscriptions"
GOOD = {"name": "DMS Bavaria", "url": "https://dms.example.de/hooks", "events": ["lead.assigned"]}


def test_hq_subscribes_a_partner_and_sees_the_secret_once(
    client: TestClient, make_caller: MakeCaller
) -> None:
    hq = make_caller(Role.HQ).headers
    created = client.post(URL, json={**GOOD, "market_codes": ["de"]}, headers=hq)
    assert created.status_code == 201
    body = created.json()
    assert body["secret"].startswith("whsec_")
    assert len(body["secret"]) > 40
    assert body["secret_hint"] == f"…{body['secret'][-4:]}"
    assert (body["market_codes"], body["active"]) == (["DE"], True)

    listed = client.get(URL, headers=hq).json()
    assert body["id"] in [s["id"] for s in listed]
    assert all("secret" not in s for s in listed)
    one = client.get(f"{URL}/{body['id']}", headers=hq).json()
    assert "secret" not in one
    assert one["events"] == ["lead.assigned"]


def test_bad_input_names_the_field(client: TestClient, make_caller: MakeCaller) -> None:
    hq = make_caller(Role.HQ).headers
    cases = {
        "url": {**GOOD, "url": "ftp://dms.example.de/hooks"},
        "events": {**GOOD, "events": ["lead.assigned", "lead.exploded"]},
        "market_codes": {**GOOD, "market_codes": ["XX"]},
    }
    for field, body in cases.items():
        answer = client.post(URL, json=body, headers=hq)
        assert answer.status_code == 422, field
        assert answer.json()["error"]["details"]["field"] == field
    unknown = client.post(URL, json=cases["events"], headers=hq).json()["error"]
    assert "lead.exploded" in unknown["message"]
    assert "lead.status_changed" in unknown["message"]
    assert client.post(URL, json={**GOOD, "url": "not a url"}, headers=hq).status_code == 422
    assert client.post(URL, json={**GOOD, "secret": "short"}, headers=hq).status_code == 422


def test_only_hq_manages_subscriptions(client: TestClient, make_caller: MakeCaller) -> None:
    for role, scope in [
        (Role.MARKET_MANAGER, {"market_codes": ["DE"]}),
        (Role.CALL_CENTRE, {}),
        (Role.DEALER_STAFF, {"dealer_code": "DE-MUC-01"}),
    ]:
        headers = make_caller(role, **scope).headers
        assert client.post(URL, json=GOOD, headers=headers).status_code == 403
        assert client.get(URL, headers=headers).status_code == 403
        assert client.get("/api/v1/partner/dead-letters", headers=headers).status_code == 403
    assert client.get(URL).status_code == 401


def test_update_pause_rotate_and_delete(client: TestClient, make_caller: MakeCaller) -> None:
    hq = make_caller(Role.HQ).headers
    created = client.post(URL, json=GOOD, headers=hq).json()
    url = f"{URL}/{created['id']}"

    changed = client.patch(
        url,
        json={
            "events": ["lead.status_changed", "lead.assigned"],
            "active": False,
            "secret": "x" * 32,
        },
        headers=hq,
    )
    assert changed.status_code == 200
    assert changed.json()["events"] == ["lead.assigned", "lead.status_changed"]
    assert (changed.json()["active"], changed.json()["secret_hint"]) == (False, "…xxxx")
    assert client.patch(url, json={"url": "mailto:a@b"}, headers=hq).status_code == 422
    assert client.patch(url, json={"url": None}, headers=hq).status_code == 422

    assert client.delete(url, headers=hq).status_code == 204
    assert client.get(url, headers=hq).status_code == 404
