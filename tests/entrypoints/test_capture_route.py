"""The lead capture route's fast path: a plain capture with a token verified a moment ago is
answered before the framework, as the route answers it; everything else reaches the route as
it came."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from starlette.types import Receive, Scope, Send
from tests.conftest import Caller

from forecourt.entrypoints.capture_route import CaptureFastPath
from forecourt.kernel.errors import InvalidInput
from forecourt.lead import service

LEAD = {"channel": "web", "full_name": "Jana Horváthová", "email": "jana.h@example.sk"}


@dataclass
class Behind:
    """What reached the app behind the fast path: each request's path and body."""

    app: Any
    seen: list[tuple[str, bytes]] = field(default_factory=list)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        message = await receive()
        body = message.get("body", b"")
        self.seen.append((scope["path"], body))
        sent = False

        async def again() -> Any:
            nonlocal sent
            if not sent:
                sent = True
                return message
            return await receive()

        await self.app(scope, again, send)


@pytest.fixture
def behind(client: TestClient, app: FastAPI) -> Iterator[Behind]:
    """The requests the fast path hands on to the framework, from now on."""
    layer = app.middleware_stack
    while not isinstance(layer, CaptureFastPath):
        layer = layer.app
    recorder = Behind(layer.app)
    layer.app = recorder
    yield recorder
    layer.app = recorder.app


def test_a_plain_capture_is_answered_before_the_framework_as_the_route_answers(
    client: TestClient, hq: Caller, behind: Behind
) -> None:
    checked = client.post("/api/v1/leads", json={**LEAD, "source_id": "a"}, headers=hq.headers)
    fast = client.post("/api/v1/leads", json={**LEAD, "source_id": "b"}, headers=hq.headers)
    replay = client.post("/api/v1/leads", json={**LEAD, "source_id": "b"}, headers=hq.headers)
    # The first request's token is checked against the database by the route; the process
    # remembers it, and the next ones are answered in front.
    assert [path for path, _ in behind.seen] == ["/api/v1/leads"]
    assert (checked.status_code, fast.status_code, replay.status_code) == (201, 201, 200)
    assert fast.headers["content-type"] == checked.headers["content-type"] == "application/json"
    assert fast.json().keys() == checked.json().keys()
    assert fast.json()["lead"]["customer_id"] == checked.json()["lead"]["customer_id"]
    assert fast.json()["lead"]["resolution"] == "linked"
    assert replay.json()["lead"]["id"] == fast.json()["lead"]["id"]


def test_the_idempotency_key_counts_on_the_fast_path(
    client: TestClient, hq: Caller, behind: Behind
) -> None:
    client.get("/api/v1/markets", headers=hq.headers)  # the token is remembered from here on
    headers = {**hq.headers, "Idempotency-Key": "form-1"}
    first = client.post("/api/v1/leads", json=LEAD, headers=headers)
    again = client.post("/api/v1/leads", json=LEAD, headers=headers)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["lead"]["id"] == first.json()["lead"]["id"]
    assert [path for path, _ in behind.seen] == ["/api/v1/markets"]


@pytest.mark.parametrize(
    ("body", "headers"),
    [
        (b'{"channel": "web", "city": "Berlin"}', {}),  # no way to reach the person
        (b'{"channel": "web", "email": ', {}),  # broken JSON
        (b"channel=web", {"Content-Type": "application/x-www-form-urlencoded"}),
        (b'{"channel": "web", "email": "a@example.com"}', {"Idempotency-Key": "k" * 201}),
    ],
    ids=["invalid", "broken", "form", "long-key"],
)
def test_anything_but_a_plain_capture_reaches_the_route_with_its_body(
    client: TestClient, hq: Caller, behind: Behind, body: bytes, headers: dict[str, str]
) -> None:
    client.get("/api/v1/markets", headers=hq.headers)
    headers = {**hq.headers, "Content-Type": "application/json", **headers}
    response = client.post("/api/v1/leads", content=body, headers=headers)
    assert response.status_code == 422  # the route's own validation answers
    assert behind.seen[-1] == ("/api/v1/leads", body)


def test_a_token_not_verified_yet_and_no_token_reach_the_route(
    client: TestClient, hq: Caller, behind: Behind
) -> None:
    anonymous = client.post("/api/v1/leads", json=LEAD)
    unknown = client.post("/api/v1/leads", json=LEAD, headers={"Authorization": "Bearer fct_x"})
    assert (anonymous.status_code, unknown.status_code) == (401, 401)
    assert len(behind.seen) == 2


def test_a_domain_error_gets_the_answer_every_route_gives_it(
    client: TestClient, hq: Caller, behind: Behind, monkeypatch: pytest.MonkeyPatch
) -> None:
    def refusing(*_args: Any, **_kwargs: Any) -> Any:
        raise InvalidInput("no such model", field="model_interest")

    client.get("/api/v1/markets", headers=hq.headers)
    monkeypatch.setattr(service, "capture_lead", refusing)
    monkeypatch.setattr(service, "prepare_capture", refusing)
    fast = client.post("/api/v1/leads", json=LEAD, headers=hq.headers)
    assert len(behind.seen) == 1  # only the markets
    assert fast.status_code == 422
    assert fast.json() == {
        "error": {
            "type": "InvalidInput",
            "message": "no such model",
            "details": {"field": "model_interest"},
        }
    }
