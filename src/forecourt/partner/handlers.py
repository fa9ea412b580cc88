"""How partner webhooks are wired: fan-out from the outbox relay, and the delivery timer."""

from __future__ import annotations

from forecourt.adapters.webhooks import WebhookSender
from forecourt.kernel.records import OutboxMessage, Timer
from forecourt.kernel.relay import OutboxConsumers
from forecourt.kernel.timers import TimerRegistry
from forecourt.kernel.uow import UnitOfWork
from forecourt.partner import delivery
from forecourt.partner.policies import PUBLISHED_EVENTS


def register(
    timers: TimerRegistry, outbox: OutboxConsumers, *, sender: WebhookSender, max_attempts: int
) -> None:
    """Wire partner webhooks: every published event fans out, each delivery fires on a timer."""

    def fan_out(uow: UnitOfWork, event: OutboxMessage) -> None:
        delivery.fan_out(uow, event)

    def deliver(uow: UnitOfWork, timer: Timer) -> None:
        assert timer.subject_id is not None, "a delivery timer names its delivery"
        delivery.deliver(
            uow, delivery_id=timer.subject_id, sender=sender, max_attempts=max_attempts
        )

    timers.register(delivery.DELIVER_TIMER, deliver)
    for name in PUBLISHED_EVENTS:
        outbox.register(name, fan_out)
