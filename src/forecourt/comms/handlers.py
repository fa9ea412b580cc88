"""How comms reacts to other features' events (through the outbox relay) and to its timers."""

from __future__ import annotations

import uuid
from datetime import datetime

from forecourt.adapters.smtp import Mailer
from forecourt.comms import service
from forecourt.dealer import service as dealers
from forecourt.kernel.records import OutboxMessage, Timer
from forecourt.kernel.relay import OutboxConsumers
from forecourt.kernel.timers import TimerRegistry
from forecourt.kernel.uow import UnitOfWork


def register(
    timers: TimerRegistry, outbox: OutboxConsumers, *, mailer: Mailer, max_attempts: int
) -> None:
    """Wire comms: its reactions to lead events and the timer that sends queued messages."""

    def send(uow: UnitOfWork, timer: Timer) -> None:
        assert timer.subject_id is not None, "a send timer names its message"
        service.send_queued(
            uow, message_id=timer.subject_id, mailer=mailer, max_attempts=max_attempts
        )

    timers.register(service.SEND_TIMER, send)
    outbox.register("lead.captured", on_lead_captured)
    outbox.register("lead.assigned", on_lead_assigned)
    outbox.register("lead.contact_attempted", on_contact_attempted)


def on_lead_captured(uow: UnitOfWork, event: OutboxMessage) -> None:
    """An enquiry arrived: it opens (or continues) the customer's interaction log."""
    data = event.payload
    service.log_interaction(
        uow,
        customer_id=uuid.UUID(data["customer_id"]),
        kind="enquiry",
        channel=str(data["channel"]),
        direction="inbound",
        summary=f"Enquiry received through {data['channel']}",
        occurred_at=event.occurred_at,
        lead_id=uuid.UUID(data["lead_id"]),
        source_key=f"event:{event.id}",
    )


def on_lead_assigned(uow: UnitOfWork, event: OutboxMessage) -> None:
    """A lead reached a dealer: tell the customer who will contact them (a service message)."""
    data = event.payload
    dealer = dealers.get_dealer_by_code(uow, code=str(data["dealer_code"]))
    service.queue_message(
        uow,
        customer_id=uuid.UUID(data["customer_id"]),
        template="lead_assigned",
        variables={
            "dealer_name": dealer.name,
            "dealer_city": dealer.city,
            "dealer_phone": dealer.phone,
            "dealer_email": dealer.email,
        },
        lead_id=uuid.UUID(data["lead_id"]),
        source_key=f"event:{event.id}",
    )


def on_contact_attempted(uow: UnitOfWork, event: OutboxMessage) -> None:
    """A dealer called, wrote or visited: the attempt joins the customer's interaction log."""
    data = event.payload
    channel, outcome = str(data["channel"]), str(data["outcome"])
    service.log_interaction(
        uow,
        customer_id=uuid.UUID(data["customer_id"]),
        kind="contact_attempt",
        channel=channel,
        direction="outbound",
        summary=f"Dealer contact by {channel}: {outcome}",
        occurred_at=datetime.fromisoformat(data["contacted_at"]),
        lead_id=uuid.UUID(data["lead_id"]),
        dealer_id=uuid.UUID(data["dealer_id"]),
        source_key=f"event:{event.id}",
        details={"outcome": outcome, "attempt_id": data["attempt_id"]},
        actor=str(data["staff_email"]),
    )
