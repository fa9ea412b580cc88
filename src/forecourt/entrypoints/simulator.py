"""`forecourt simulate leads`: send simulated leads to a running Forecourt over HTTP, at a rate.

The leads go through the public API like any channel's would (capture, identity resolution,
scoring, routing, response clocks), so what a newcomer watches is the real system at work.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from rich.console import Console

from forecourt.auth import service as auth
from forecourt.bootstrap import Container
from forecourt.entrypoints.simulation import LeadSimulator
from forecourt.kernel.errors import NotFound
from forecourt.kernel.principal import Role

SIMULATOR_EMAIL = "simulator@forecourt.demo"


@dataclass
class Tally:
    """What the simulated leads became, counted as the answers come back."""

    counts: Counter[str] = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, *labels: str) -> None:
        with self.lock:
            self.counts.update(labels)

    def line(self) -> str:
        with self.lock:
            counts = dict(self.counts)
        order = ("sent", "new", "linked", "review", "assigned", "unassigned", "replayed", "failed")
        return "  ".join(f"{label} {counts.get(label, 0)}" for label in order)


def simulator_token(container: Container) -> str:
    """An API token for the simulator's own call-centre user, created on first use."""
    try:
        issued = auth.issue_token_for(container.uow(), email=SIMULATOR_EMAIL, name="simulator")
    except NotFound:
        auth.create_user(
            container.uow(),
            email=SIMULATOR_EMAIL,
            name="Lead simulator",
            role=Role.CALL_CENTRE,
            password=secrets.token_urlsafe(24),  # nobody signs in as the simulator
        )
        issued = auth.issue_token_for(container.uow(), email=SIMULATOR_EMAIL, name="simulator")
    return issued.token


def run(
    *,
    url: str,
    token: str,
    rate: float,
    count: int | None,
    console: Console,
    seed: int = 7,
    stop: threading.Event | None = None,
) -> Tally:
    """Send leads at `rate` per second until `count` are sent or `stop` is set; report as it goes."""
    stop = stop or threading.Event()
    tally, leads = Tally(), LeadSimulator(seed=seed)
    endpoint = url.rstrip("/") + "/api/v1/leads"
    started, sent, last_report = time.monotonic(), 0, 0.0
    with ThreadPoolExecutor(max_workers=8) as pool:
        while not stop.is_set() and (count is None or sent < count):
            pause = started + sent / rate - time.monotonic()
            if pause > 0 and stop.wait(pause):
                break
            future = pool.submit(_post, endpoint, token, leads.next_lead())
            future.add_done_callback(lambda done: _count(tally, done))
            sent += 1
            if time.monotonic() - last_report >= 5:
                console.print(f"[dim]simulator[/] {tally.line()}")
                last_report = time.monotonic()
    console.print(f"[dim]simulator[/] {tally.line()}")
    return tally


def _post(endpoint: str, token: str, body: dict[str, Any]) -> dict[str, Any]:
    request = urllib.request.Request(
        endpoint,
        data=json.dumps(body, ensure_ascii=False).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        answer: dict[str, Any] = json.loads(response.read())
        return answer


def _count(tally: Tally, done: Future[dict[str, Any]]) -> None:
    try:
        answer = done.result()
    except (urllib.error.URLError, OSError, ValueError):
        tally.add("sent", "failed")
        return
    lead = answer["lead"]
    if not answer.get("created", True):
        tally.add("sent", "replayed")
        return
    routed = "assigned" if lead.get("dealer_id") else "unassigned"
    tally.add("sent", lead["resolution"], routed)
