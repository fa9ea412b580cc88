"""Real local servers for the outbound tests: an SMTP server (aiosmtpd) and a webhook receiver
(http.server), both on 127.0.0.1 and a free port, and a container wired to them."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from sqlalchemy.orm import Session, sessionmaker

from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.dealer import service as dealers
from forecourt.kernel import relay, timers
from forecourt.kernel.clock import FixedClock
from forecourt.lead import service as leads
from forecourt.lead.events import LeadAssigned
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.schemas import LeadRead

SENDER = "Forecourt <no-reply@forecourt.test>"
WEBHOOK_MAX_ATTEMPTS = 3


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class SmtpHandler:
    """Keeps every message it accepts; answers with queued `replies` first (e.g. a 451)."""

    messages: list[EmailMessage] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)

    async def handle_DATA(self, _server: Any, _session: Any, envelope: Any) -> str:  # noqa: N802 - aiosmtpd calls it so
        if self.replies:
            return self.replies.pop(0)
        parsed = message_from_bytes(envelope.original_content, policy=default)
        assert isinstance(parsed, EmailMessage)
        self.messages.append(parsed)
        return "250 OK"


@dataclass
class SmtpServer:
    port: int
    handler: SmtpHandler

    @property
    def messages(self) -> list[EmailMessage]:
        return self.handler.messages


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes


@dataclass
class Receiver:
    """A partner's endpoint: records each POST and answers with queued `statuses`, then 204."""

    url: str
    requests: list[Received] = field(default_factory=list)
    statuses: list[int] = field(default_factory=list)

    def of_event(self, event_id: object) -> list[Received]:
        return [r for r in self.requests if r.headers.get("x-forecourt-event-id") == str(event_id)]


def _handler_for(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            headers = {key.lower(): value for key, value in self.headers.items()}
            receiver.requests.append(Received(self.path, headers, body))
            status = receiver.statuses.pop(0) if receiver.statuses else 204
            self.send_response(status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, *_args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    """A real SMTP server on 127.0.0.1."""
    server = SmtpServer(port=free_port(), handler=SmtpHandler())
    controller = Controller(server.handler, hostname="127.0.0.1", port=server.port)
    controller.start()
    try:
        yield server
    finally:
        controller.stop()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    """A real HTTP server on 127.0.0.1 taking webhook POSTs."""
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    target = Receiver(url=f"http://127.0.0.1:{httpd.server_address[1]}/hooks/forecourt")
    httpd.RequestHandlerClass = _handler_for(target)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield target
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
def container(
    database_url: str, session_factory: sessionmaker[Session], smtp: SmtpServer, clock: FixedClock
) -> Container:
    """The test container, sending e-mail to the local SMTP server, on a clock the test moves."""
    settings = Settings(
        database_url=database_url,
        secret_key="test-secret",
        smtp_host="127.0.0.1",
        smtp_port=smtp.port,
        smtp_sender=SENDER,
        smtp_timeout_s=5,
        webhook_timeout_s=2,
        webhook_max_attempts=WEBHOOK_MAX_ATTEMPTS,
    )
    return bootstrap(settings, session_factory=session_factory, clock=clock)


def pump(container: Container) -> int:
    """What `forecourt worker` does, until nothing is due: relay the outbox, fire due timers."""
    total = 0
    while True:
        done = relay.relay_all(container.uow(), container.outbox)
        done += timers.run_due(container.uow(), container.timers)
        if done == 0:
            return total
        total += done


def capture(container: Container, source_id: str, **person: Any) -> LeadRead:
    """Capture a web lead (and so a customer) through the lead service; returns the lead."""
    data = IncomingLead.model_validate({"channel": "web", "source_id": source_id, **person})
    return leads.capture_lead(container.uow(), data=data).lead


def assign(container: Container, lead: LeadRead, dealer_code: str) -> LeadAssigned:
    """Announce that `lead` went to the dealer `dealer_code`, as routing does; returns the event."""
    uow = container.uow()
    dealer = dealers.get_dealer_by_code(uow, code=dealer_code)
    event = LeadAssigned(
        lead_id=lead.id,
        customer_id=lead.customer_id,
        dealer_id=dealer.id,
        dealer_code=dealer.code,
        staff_id=None,
        market_code=dealer.market_code,
        channel=lead.channel,
        priority="hot",
        reason="nearest dealer with capacity",
        attempt=1,
    )
    with uow:
        uow.emit(event)
        uow.commit()
    return event
