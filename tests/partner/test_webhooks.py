"""Signed webhooks to a real HTTP receiver: fan-out from the outbox, back-off, dead letters,
replay, and never two deliveries of one event to one partner."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from sqlalchemy import Connection, update
from tests.conftest import MakeCaller
from tests.outbound import WEBHOOK_MAX_ATTEMPTS, Receiver, assign, capture, pump

from forecourt.bootstrap import Container
from forecourt.entrypoints.worker import Worker
from forecourt.kernel import relay
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.principal import Role
from forecourt.kernel.records import OutboxMessage
from forecourt.lead.events import LeadStatusChanged
from forecourt.lead.schemas import LeadRead
from forecourt.partner import service as partners
from forecourt.partner import signing
from forecourt.partner.schemas import DeliveryRead, SubscriptionCreate, SubscriptionCreated

MUNICH = {"full_name": "Lena Huber", "email": "lena@example.de", "city": "München", "country": "DE"}


def _subscribe(
    container: Container, receiver: Receiver, events: list[str], **extra: Any
) -> SubscriptionCreated:
    data = SubscriptionCreate(name="DMS", url=receiver.url, events=events, **extra)
    return partners.create_subscription(container.uow(), data=data)


def _lead(container: Container, source_id: str, **person: Any) -> LeadRead:
    lead = capture(container, source_id, **(person or MUNICH))
    pump(container)  # what the capture itself set off is done before the test's own event
    return lead


def _deliveries(container: Container, event_id: uuid.UUID) -> list[DeliveryRead]:
    found = partners.list_deliveries(container.uow(), limit=500)
    return [d for d in found if d.event_id == event_id]


def _status_changed(container: Container, lead: LeadRead) -> LeadStatusChanged:
    event = LeadStatusChanged(
        lead_id=lead.id,
        dealer_id=None,
        market_code=lead.market_code,
        old_status="assigned",
        new_status="contacted",
        reason=None,
    )
    uow = container.uow()
    with uow:
        uow.emit(event)
        uow.commit()
    return event


def test_an_assignment_reaches_the_partner_signed(
    container: Container, receiver: Receiver, clock: FixedClock
) -> None:
    subscription = _subscribe(container, receiver, ["lead.assigned"])
    lead = _lead(container, "wh-1")
    event = assign(container, lead, "DE-MUC-01")
    pump(container)

    [request] = receiver.of_event(event.event_id)
    assert request.path == "/hooks/forecourt"
    assert request.headers["content-type"] == "application/json; charset=utf-8"
    assert request.headers["x-forecourt-event"] == "lead.assigned"
    header = request.headers["x-forecourt-signature"]
    assert signing.verify(subscription.secret, header, request.body, now=clock.now().timestamp())
    body = json.loads(request.body)
    assert (body["id"], body["type"], body["version"]) == (str(event.event_id), "lead.assigned", 1)
    assert body["data"]["dealer_code"] == "DE-MUC-01"
    assert body["data"]["lead_id"] == str(lead.id)
    [delivery] = _deliveries(container, event.event_id)
    assert (delivery.state, delivery.attempts, delivery.last_status) == ("delivered", 1, 204)


def test_partners_get_only_the_events_and_markets_they_asked_for(
    container: Container, receiver: Receiver
) -> None:
    _subscribe(container, receiver, ["lead.status_changed"], market_codes=["DE"])
    munich = _lead(container, "wh-2")
    shanghai = _lead(container, "wh-3", full_name="王伟", email="w@example.cn", city="上海", country="CN")  # fmt: skip
    assigned = assign(container, munich, "DE-MUC-01")
    in_germany = _status_changed(container, munich)
    in_china = _status_changed(container, shanghai)
    pump(container)

    assert receiver.of_event(assigned.event_id) == []
    assert len(receiver.of_event(in_germany.event_id)) == 1
    assert receiver.of_event(in_china.event_id) == []
    body = json.loads(receiver.of_event(in_germany.event_id)[0].body)
    assert body["data"]["new_status"] == "contacted"


def test_failures_are_retried_with_backoff_until_delivered(
    container: Container, receiver: Receiver, clock: FixedClock
) -> None:
    _subscribe(container, receiver, ["lead.assigned"])
    lead = _lead(container, "wh-4")
    receiver.statuses = [500, 503]
    event = assign(container, lead, "DE-MUC-01")
    pump(container)

    [retrying] = _deliveries(container, event.event_id)
    assert (retrying.state, retrying.attempts, retrying.last_status) == ("retrying", 1, 500)
    assert retrying.next_attempt_at == clock.now() + timedelta(seconds=30)
    clock.advance(timedelta(seconds=30))
    pump(container)
    assert _deliveries(container, event.event_id)[0].next_attempt_at == clock.now() + timedelta(minutes=1)  # fmt: skip
    clock.advance(timedelta(minutes=1))
    pump(container)

    [delivered] = _deliveries(container, event.event_id)
    assert (delivered.state, delivered.attempts, delivered.last_error) == ("delivered", 3, None)
    tries = receiver.of_event(event.event_id)
    assert [t.headers["x-forecourt-attempt"] for t in tries] == ["1", "2", "3"]
    assert len({t.body for t in tries}) == 1  # the same event, byte for byte, to dedupe on


def test_the_last_failure_makes_a_dead_letter_that_can_be_replayed(
    container: Container,
    receiver: Receiver,
    clock: FixedClock,
    client: TestClient,
    make_caller: MakeCaller,
) -> None:
    _subscribe(container, receiver, ["lead.assigned"])
    lead = _lead(container, "wh-5")
    receiver.statuses = [500] * WEBHOOK_MAX_ATTEMPTS
    event = assign(container, lead, "DE-MUC-01")
    for _ in range(WEBHOOK_MAX_ATTEMPTS):
        pump(container)
        clock.advance(timedelta(hours=1))
    hq = make_caller(Role.HQ).headers

    dead = [d for d in client.get("/api/v1/partner/dead-letters", headers=hq).json() if d["event_id"] == str(event.event_id)]  # fmt: skip
    assert [(d["state"], d["attempts"], d["last_error"]) for d in dead] == [
        ("dead", 3, "HTTP 500: ")
    ]
    replayed = client.post(f"/api/v1/partner/dead-letters/{dead[0]['id']}/replay", headers=hq)
    assert replayed.status_code == 200
    assert (replayed.json()["state"], replayed.json()["replays"]) == ("pending", 1)
    pump(container)

    [delivered] = _deliveries(container, event.event_id)
    assert (delivered.state, delivered.attempts, delivered.replays) == ("delivered", 1, 1)
    assert len(receiver.of_event(event.event_id)) == WEBHOOK_MAX_ATTEMPTS + 1
    again = client.post(f"/api/v1/partner/dead-letters/{dead[0]['id']}/replay", headers=hq)
    assert again.status_code == 409


def test_a_partner_that_is_down_is_retried_and_its_dead_letters_replayed_in_bulk(
    container: Container, receiver: Receiver, clock: FixedClock
) -> None:
    subscription = _subscribe(container, receiver, ["lead.assigned"])
    partners.update_subscription(
        container.uow(),
        subscription_id=subscription.id,
        data=partners.SubscriptionUpdate(url="http://127.0.0.1:9/nothing-listens"),
    )
    lead = _lead(container, "wh-6")
    events = [assign(container, lead, code) for code in ("DE-MUC-01", "DE-BER-01")]
    for _ in range(WEBHOOK_MAX_ATTEMPTS):
        pump(container)
        clock.advance(timedelta(hours=1))
    for event in events:
        [dead] = _deliveries(container, event.event_id)
        assert dead.state == "dead"
        assert dead.last_status is None
        assert dead.last_error is not None
        assert "refused" in dead.last_error.lower()

    partners.update_subscription(
        container.uow(),
        subscription_id=subscription.id,
        data=partners.SubscriptionUpdate(url=receiver.url),
    )
    replayed = partners.replay_dead_letters(container.uow(), subscription_id=subscription.id)
    pump(container)
    assert replayed >= 2
    assert all(len(receiver.of_event(e.event_id)) == 1 for e in events)


def test_an_event_relayed_twice_is_delivered_once(
    container: Container, receiver: Receiver, connection: Connection
) -> None:
    _subscribe(container, receiver, ["lead.assigned"])
    lead = _lead(container, "wh-7")
    event = assign(container, lead, "DE-MUC-01")
    pump(container)
    unrelayed = update(OutboxMessage).where(OutboxMessage.id == event.event_id)
    connection.execute(unrelayed.values(published_at=None))
    pump(container)

    assert len(_deliveries(container, event.event_id)) == 1
    assert len(receiver.of_event(event.event_id)) == 1


def test_a_paused_subscription_keeps_its_events_as_dead_letters_for_later(
    container: Container, receiver: Receiver
) -> None:
    subscription = _subscribe(container, receiver, ["lead.assigned"])
    lead = _lead(container, "wh-8")
    event = assign(container, lead, "DE-MUC-01")
    relay.relay_all(container.uow(), container.outbox)  # its delivery is waiting for its timer
    paused = partners.SubscriptionUpdate(active=False)
    partners.update_subscription(container.uow(), subscription_id=subscription.id, data=paused)
    pump(container)

    [dead] = _deliveries(container, event.event_id)
    assert (dead.state, dead.last_error) == ("dead", "subscription paused")
    assert receiver.of_event(event.event_id) == []
    later = assign(container, lead, "DE-BER-01")
    pump(container)
    assert _deliveries(container, later.event_id) == []  # no new deliveries while paused


def test_the_forecourt_worker_relays_and_delivers(container: Container, receiver: Receiver) -> None:
    _subscribe(container, receiver, ["lead.assigned"])
    lead = _lead(container, "wh-9")
    event = assign(container, lead, "DE-MUC-01")

    Worker(container).drain()  # the relay is one of the worker's standing jobs
    assert len(receiver.of_event(event.event_id)) == 1
