"""Sending events to partners: fan-out from the outbox, signed POSTs, retries, dead letters.

The relay (kernel/relay.py) hands each committed `lead.assigned` / `lead.status_changed` to
`fan_out`, which records one delivery per interested active subscription and schedules a timer
for it, in the relay's transaction. The timer's handler POSTs the signed envelope once; on
failure it counts the attempt and schedules the next one with back-off (30 s, 1 min, 2 min …
capped at an hour) until the limit, when the delivery is dead: on the dead-letter list.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from forecourt.adapters.webhooks import WebhookResponse, WebhookSender
from forecourt.kernel import timers
from forecourt.kernel.ids import new_id
from forecourt.kernel.records import OutboxMessage
from forecourt.kernel.uow import UnitOfWork
from forecourt.partner import policies, repository, signing
from forecourt.partner.models import Delivery, Subscription

DELIVER_TIMER = "partner.deliver"
USER_AGENT = "Forecourt-Webhooks/1"


def fan_out(uow: UnitOfWork, event: OutboxMessage) -> int:
    """Record a delivery of `event` for every active subscription that wants it; returns how
    many new ones (an event relayed again adds none)."""
    with uow:
        market = event.payload.get("market_code")
        done = {d.subscription_id for d in repository.deliveries_of_event(uow.session, event.id)}
        added = 0
        for subscription in repository.subscriptions(uow.session, active_only=True):
            wanted = policies.wants(
                subscription.event_names, subscription.market_codes, event.name, market
            )
            if wanted and subscription.id not in done:
                _add_delivery(uow, subscription, event)
                added += 1
        uow.commit()
        return added


def _add_delivery(uow: UnitOfWork, subscription: Subscription, event: OutboxMessage) -> None:
    now = uow.clock.now()
    delivery = Delivery(
        id=new_id(),
        subscription_id=subscription.id,
        event_id=event.id,
        event_name=event.name,
        envelope=envelope(event),
        state="pending",
        attempts=0,
        replays=0,
        next_attempt_at=now,
        created_at=now,
    )
    uow.session.add(delivery)
    timers.schedule(uow, kind=DELIVER_TIMER, due_at=now, subject_id=delivery.id)


def envelope(event: OutboxMessage) -> dict[str, Any]:
    """What a partner receives: the event's id, type, version, time and its own fields."""
    return {
        "id": str(event.id),
        "type": event.name,
        "version": event.version,
        "occurred_at": event.occurred_at.isoformat(),
        "data": event.payload,
    }


def body_of(delivery_envelope: dict[str, Any]) -> bytes:
    """The exact bytes sent (and signed): compact JSON, keys sorted, UTF-8."""
    text = json.dumps(delivery_envelope, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return text.encode()


def deliver(
    uow: UnitOfWork, *, delivery_id: uuid.UUID, sender: WebhookSender, max_attempts: int
) -> str:
    """Make one attempt at a pending or retrying delivery; returns its state afterwards."""
    with uow:
        delivery = repository.delivery(uow.session, delivery_id)
        if delivery is None or delivery.state not in ("pending", "retrying"):
            return delivery.state if delivery else "missing"  # deleted, delivered, or dead
        subscription = repository.subscription(uow.session, delivery.subscription_id)
        assert subscription is not None, "a delivery's subscription is deleted with it"
        if subscription.active:
            _attempt(uow, delivery, subscription, sender, max_attempts)
        else:  # paused: keep it for a replay once the partner is back
            delivery.state, delivery.last_error = "dead", "subscription paused"
        uow.commit()
        return delivery.state


def _attempt(
    uow: UnitOfWork,
    delivery: Delivery,
    subscription: Subscription,
    sender: WebhookSender,
    max_attempts: int,
) -> None:
    now = uow.clock.now()
    delivery.attempts += 1
    body = body_of(delivery.envelope)
    response = sender.post(
        subscription.url, body, _headers(delivery, subscription, body, int(now.timestamp()))
    )
    delivery.last_attempt_at, delivery.last_status = now, response.status
    if response.ok:
        delivery.state, delivery.delivered_at, delivery.next_attempt_at = "delivered", now, None
        delivery.last_error = None
        return
    _failed(uow, delivery, response, max_attempts)


def _failed(
    uow: UnitOfWork, delivery: Delivery, response: WebhookResponse, max_attempts: int
) -> None:
    delivery.last_error = (response.error or f"HTTP {response.status}")[:2000]
    if delivery.attempts >= max_attempts:
        delivery.state, delivery.next_attempt_at = "dead", None
        return
    due = uow.clock.now() + timers.backoff(delivery.attempts)
    delivery.state, delivery.next_attempt_at = "retrying", due
    timers.schedule(uow, kind=DELIVER_TIMER, due_at=due, subject_id=delivery.id)


def _headers(
    delivery: Delivery, subscription: Subscription, body: bytes, timestamp: int
) -> dict[str, str]:
    return {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": USER_AGENT,
        "X-Forecourt-Event": delivery.event_name,
        "X-Forecourt-Event-Id": str(delivery.event_id),
        "X-Forecourt-Delivery": str(delivery.id),
        "X-Forecourt-Attempt": str(delivery.attempts),
        signing.SIGNATURE_HEADER: signing.signature_header(subscription.secret, timestamp, body),
    }
