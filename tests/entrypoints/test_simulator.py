"""The lead simulator: valid, varied leads; returning people recognised; sent at a rate over HTTP."""

from __future__ import annotations

import json
import threading
from collections import Counter
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, ClassVar

import phonenumbers
import pytest
from rich.console import Console

from forecourt.entrypoints import simulator
from forecourt.entrypoints.simulation import CN_CITIES, EUROPE, LeadSimulator
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service as leads
from forecourt.lead.incoming import IncomingLead
from forecourt.market.cities import find_city


def test_every_lead_is_valid_and_every_channel_of_the_story_appears() -> None:
    sim = LeadSimulator(seed=3)
    bodies = [sim.next_lead() for _ in range(600)]
    channels = Counter(IncomingLead.model_validate(body).channel.value for body in bodies)
    assert {"live_broadcast", "road_show", "web", "dealer", "call_centre"} <= set(channels)
    assert len({body["source_id"] for body in bodies}) == 600  # retries never collide
    returning = [b for b in bodies if b.get("attributes", {}).get("simulated") == "returning"]
    assert 0.1 < len(returning) / len(bodies) < 0.3


def test_the_same_seed_sends_the_same_people() -> None:
    first, second = LeadSimulator(seed=5), LeadSimulator(seed=5)
    strip = lambda body: {k: v for k, v in body.items() if k != "source_id"}  # noqa: E731
    assert [strip(first.next_lead()) for _ in range(50)] == [
        strip(second.next_lead()) for _ in range(50)
    ]


def test_cities_are_known_and_phones_are_valid() -> None:
    for name in CN_CITIES:
        assert find_city(name, "CN").country == "CN"
    for market in EUROPE:
        for name in market.cities:
            assert find_city(name, market.code).country == market.code
    sim = LeadSimulator(seed=9)
    for body in (sim.next_lead() for _ in range(300)):
        if body.get("phone"):
            parsed = phonenumbers.parse(body["phone"], body["country"])
            assert phonenumbers.is_valid_number(parsed), body["phone"]
        if body.get("email"):
            assert body["email"].isascii()


def test_returning_people_are_mostly_recognised(uow: UnitOfWork) -> None:
    sim = LeadSimulator(seed=11)
    outcomes: Counter[str] = Counter()
    for body in (sim.next_lead() for _ in range(250)):
        captured = leads.capture_lead(uow, data=IncomingLead.model_validate(body))
        if body.get("attributes", {}).get("simulated") == "returning":
            outcomes[captured.lead.resolution] += 1
    assert outcomes["linked"] + outcomes["review"] >= 0.8 * sum(outcomes.values())


# What the server answers, by the lead's serial number: the tally must count each kind.
_ANSWERS = (
    {"created": True, "lead": {"resolution": "new", "dealer_id": None}},
    {"created": True, "lead": {"resolution": "linked", "dealer_id": "d1"}},
    {"created": True, "lead": {"resolution": "review", "dealer_id": "d2"}},
    {"created": False, "lead": {"resolution": "linked", "dealer_id": "d1"}},
)


class _Recorder(BaseHTTPRequestHandler):
    bodies: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        assert self.headers["Authorization"] == "Bearer t0ken"
        self.bodies.append(body)
        answer = _ANSWERS[int(body["source_id"].rsplit("-", 1)[1]) % len(_ANSWERS)]
        payload = json.dumps(answer).encode()
        self.send_response(201)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *_args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[str]:
    _Recorder.bodies = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Recorder)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_run_posts_the_leads_over_http_and_counts_the_answers(receiver: str) -> None:
    tally = simulator.run(
        url=receiver, token="t0ken", rate=200, count=20, console=Console(quiet=True)
    )
    assert len(_Recorder.bodies) == 20
    counts = tally.counts
    assert counts["sent"] == 20
    assert (counts["new"], counts["linked"], counts["review"], counts["replayed"]) == (5, 5, 5, 5)
    assert (counts["assigned"], counts["unassigned"]) == (10, 5)
