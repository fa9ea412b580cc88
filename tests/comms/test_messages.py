"""Outbound e-mail through a real SMTP server: templates per language, consent checked again at
send time, retries that never send twice."""

from __future__ import annotations

import uuid
from datetime import timedelta
from email.message import EmailMessage
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, update
from tests.conftest import MakeCaller
from tests.outbound import SENDER, SmtpServer, assign, capture, pump

from forecourt.bootstrap import Container
from forecourt.comms import service as comms
from forecourt.comms.schemas import MessageRead
from forecourt.customer import service as customers
from forecourt.customer.schemas import ConsentRecord
from forecourt.dealer import service as dealers
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.principal import Role
from forecourt.kernel.records import OutboxMessage
from forecourt.lead.events import LeadContactAttempted
from forecourt.lead.schemas import LeadRead

MUNICH = {
    "first_name": "Lena",
    "last_name": "Huber",
    "email": "lena.huber@example.de",
    "city": "München",
    "country": "DE",
}
DEALER = {"dealer_name": "A", "dealer_city": "B", "dealer_phone": "1", "dealer_email": "a@b.de"}


def _customer(container: Container, source_id: str, **person: Any) -> LeadRead:
    lead = capture(container, source_id, **(person or MUNICH))
    pump(container)  # whatever the capture itself set off (routing's own e-mail) is done first
    return lead


def _consent(
    container: Container, lead: LeadRead, *, purpose: Any, granted: bool, channel: str = "any"
) -> None:
    record = ConsentRecord(
        channel=channel, purpose=purpose, granted=granted, source="test", at=container.clock.now()
    )
    customers.record_consent_for(container.uow(), customer_id=lead.customer_id, consent=record)


def _queue(container: Container, lead: LeadRead, template: str, **variables: str) -> MessageRead:
    return comms.queue_message(
        container.uow(), customer_id=lead.customer_id, template=template, variables=variables
    )


def _now(container: Container, lead: LeadRead, message: MessageRead) -> MessageRead:
    found = comms.list_messages(container.uow(), customer_id=lead.customer_id)
    return next(m for m in found if m.id == message.id)


def _about(container: Container, lead: LeadRead, event_id: uuid.UUID) -> list[MessageRead]:
    found = comms.list_messages(container.uow(), customer_id=lead.customer_id)
    return [m for m in found if m.source_key == f"event:{event_id}"]


def _mails(smtp: SmtpServer, message: MessageRead) -> list[EmailMessage]:
    return [m for m in smtp.messages if m["Message-ID"] == f"<{message.id}@forecourt.test>"]


def test_an_assigned_lead_tells_the_customer_in_their_language_who_will_call(
    container: Container, smtp: SmtpServer
) -> None:
    lead = capture(container, "m-1", **MUNICH)
    event = assign(container, lead, "DE-MUC-01")
    pump(container)

    sent = _about(container, lead, event.event_id)
    assert [(m.state, m.language, m.purpose) for m in sent] == [("sent", "de", "service")]
    [mail] = _mails(smtp, sent[0])
    assert mail["To"] == "lena.huber@example.de"
    assert mail["From"] == SENDER
    assert mail["Content-Language"] == "de"
    assert mail["Subject"].startswith("Ihre Anfrage liegt bei ")
    assert "Guten Tag Lena Huber" in mail.get_content()


def test_the_log_holds_the_enquiry_and_the_email(container: Container, smtp: SmtpServer) -> None:
    lead = capture(container, "m-2", **MUNICH)
    assign(container, lead, "DE-MUC-01")
    pump(container)

    log = comms.list_interactions(container.uow(), customer_id=lead.customer_id)
    kinds = {(i.kind, i.direction, i.channel) for i in log}
    assert ("enquiry", "inbound", "web") in kinds
    assert ("service_email", "outbound", "email") in kinds
    assert all(i.lead_id == lead.id for i in log)
    assert [i.occurred_at for i in log] == sorted((i.occurred_at for i in log), reverse=True)


@pytest.mark.parametrize(
    ("person", "language", "subject_start"),
    [
        (
            {"full_name": "王伟", "email": "wang.wei@example.cn", "city": "上海", "country": "CN"},
            "zh-CN",
            "您的咨询已转交",
        ),
        (
            {
                "full_name": "Anna Gruber",
                "email": "anna@example.at",
                "city": "Wien",
                "country": "AT",
            },
            "de",
            "Ihre Anfrage",
        ),
        (
            {
                "full_name": "Jana Nováková",
                "email": "j@example.sk",
                "city": "Bratislava",
                "country": "SK",
            },
            "en",
            "Your enquiry",
        ),
    ],
)
def test_the_template_language_follows_the_customers_market(
    container: Container, person: dict[str, str], language: str, subject_start: str
) -> None:
    lead = capture(container, f"lang-{language}", **person)
    message = _queue(container, lead, "lead_assigned", **DEALER)
    assert message.language == language
    assert message.subject.startswith(subject_start)
    if language == "zh-CN":
        assert message.body.startswith("王伟，您好")


def test_marketing_needs_a_marketing_consent_in_force(
    container: Container, smtp: SmtpServer
) -> None:
    lead = _customer(container, "mk-1")
    without = _queue(container, lead, "test_drive_invitation", model_name="C5")
    _consent(container, lead, purpose="marketing", granted=True, channel="sms")
    sms_only = _queue(container, lead, "test_drive_invitation", model_name="C5")
    _consent(container, lead, purpose="marketing", granted=True, channel="email")
    with_consent = _queue(container, lead, "test_drive_invitation", model_name="C5")
    pump(container)

    assert (without.state, without.reason) == ("suppressed", "no marketing consent for email")
    assert sms_only.state == "suppressed"
    assert _now(container, lead, with_consent).state == "sent"
    assert [m["Subject"] for m in _mails(smtp, with_consent)] == ["Fahren Sie den neuen C5"]
    assert _mails(smtp, without) == _mails(smtp, sms_only) == []


def test_an_opt_out_through_the_consent_api_stops_a_message_already_queued(
    container: Container, smtp: SmtpServer, client: TestClient, make_caller: MakeCaller
) -> None:
    lead = _customer(container, "oo-1")
    _consent(container, lead, purpose="marketing", granted=True)
    queued = _queue(container, lead, "test_drive_invitation", model_name="C5")
    assert queued.state == "queued"

    assert isinstance(container.clock, FixedClock)
    container.clock.advance(timedelta(seconds=1))
    opt_out = {
        "channel": "email",
        "purpose": "marketing",
        "granted": False,
        "source": "call centre",
        "at": container.clock.now().isoformat(),
    }
    url = f"/api/v1/customers/{lead.customer_id}/consents"
    answer = client.post(url, json=opt_out, headers=make_caller(Role.HQ).headers)
    assert answer.status_code == 204
    pump(container)

    stopped = _now(container, lead, queued)
    assert (stopped.state, stopped.reason) == (
        "suppressed",
        "marketing consent for email withdrawn",
    )
    assert _mails(smtp, queued) == []


def test_a_service_message_needs_no_opt_in_but_honours_a_refusal(
    container: Container, smtp: SmtpServer
) -> None:
    lead = _customer(container, "sv-1")
    first = _queue(container, lead, "lead_assigned", **DEALER)
    assert first.state == "queued"  # no service consent was ever asked for
    _consent(container, lead, purpose="service", granted=False, channel="email")
    second = _queue(container, lead, "lead_assigned", **DEALER)
    pump(container)

    assert _now(container, lead, first).state == "suppressed"  # refused before it went out
    assert (second.state, second.reason) == ("suppressed", "service messages by email refused")
    assert _mails(smtp, first) == _mails(smtp, second) == []


def test_a_customer_without_an_email_address_gets_nothing(container: Container) -> None:
    lead = capture(container, "ne-1", full_name="Piotr Nowak", phone="+48 601 234 567", city="Warszawa", country="PL")  # fmt: skip
    message = _queue(container, lead, "lead_assigned", **DEALER)
    assert (message.state, message.reason) == ("suppressed", "the customer has no e-mail address")


def test_a_deferring_server_is_retried_with_backoff_and_the_mail_sent_once(
    container: Container, smtp: SmtpServer, clock: FixedClock
) -> None:
    lead = _customer(container, "rt-1")
    smtp.handler.replies = ["451 4.3.0 try again later"]
    message = _queue(container, lead, "lead_assigned", **DEALER)
    pump(container)

    deferred = _now(container, lead, message)
    assert (deferred.state, deferred.attempts) == ("queued", 1)
    assert deferred.reason is not None
    assert deferred.reason.startswith("451")
    clock.advance(timedelta(seconds=29))
    pump(container)
    assert _mails(smtp, message) == []  # the first back-off is 30 s
    clock.advance(timedelta(seconds=1))
    pump(container)
    sent = _now(container, lead, message)
    assert (sent.state, sent.attempts, sent.reason) == ("sent", 2, None)
    assert len(_mails(smtp, message)) == 1


def test_a_refused_recipient_fails_at_once(container: Container, smtp: SmtpServer) -> None:
    lead = _customer(container, "rf-1")
    smtp.handler.replies = ["550 5.1.1 no such mailbox"]
    message = _queue(container, lead, "lead_assigned", **DEALER)
    pump(container)

    failed = _now(container, lead, message)
    assert (failed.state, failed.attempts) == ("failed", 1)
    assert failed.reason is not None
    assert failed.reason.startswith("550")


def test_an_event_relayed_twice_sends_one_email(
    container: Container, smtp: SmtpServer, connection: Connection
) -> None:
    lead = capture(container, "id-1", **MUNICH)
    event = assign(container, lead, "DE-MUC-01")
    pump(container)
    unrelayed = update(OutboxMessage).where(OutboxMessage.id == event.event_id)
    connection.execute(unrelayed.values(published_at=None))
    pump(container)

    [message] = _about(container, lead, event.event_id)
    assert len(_mails(smtp, message)) == 1


def test_a_dealers_contact_attempt_joins_the_log(container: Container) -> None:
    lead = _customer(container, "ca-1")
    dealer = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    event = LeadContactAttempted(
        lead_id=lead.id,
        customer_id=lead.customer_id,
        dealer_id=dealer.id,
        attempt_id=uuid.uuid4(),
        channel="call",
        outcome="reached",
        contacted_at=container.clock.now() - timedelta(minutes=5),
        staff_email="anna@dealer.example",
    )
    uow = container.uow()
    with uow:
        uow.emit(event)
        uow.commit()
    pump(container)
    pump(container)  # relayed once only

    log = comms.list_interactions(container.uow(), customer_id=lead.customer_id)
    attempts = [i for i in log if i.kind == "contact_attempt"]
    assert [(i.channel, i.direction, i.actor, i.dealer_id) for i in attempts] == [
        ("call", "outbound", "anna@dealer.example", dealer.id)
    ]
    assert attempts[0].occurred_at == event.contacted_at
    assert attempts[0].details["outcome"] == "reached"
