"""Use cases of the comms feature: the interaction log, and messages sent only with consent."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from forecourt.adapters.smtp import Mailer, MailError
from forecourt.comms import repository, templates
from forecourt.comms.models import Interaction, OutboundMessage
from forecourt.comms.policies import MessagePurpose, Verdict, consent_verdict, template_language
from forecourt.comms.schemas import InteractionCreate, InteractionRead, MessageRead
from forecourt.customer import service as customers
from forecourt.customer.schemas import CustomerContact
from forecourt.kernel import timers
from forecourt.kernel.ids import new_id
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as markets

SEND_TIMER = "comms.send"
EMAIL = "email"
LOG_LIMIT = 500


def log_interaction(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    kind: str,
    channel: str,
    direction: str,
    summary: str,
    occurred_at: datetime | None = None,
    lead_id: uuid.UUID | None = None,
    dealer_id: uuid.UUID | None = None,
    message_id: uuid.UUID | None = None,
    source_key: str | None = None,
    details: dict[str, Any] | None = None,
    actor: str | None = None,
) -> InteractionRead:
    """Add an entry to a customer's interaction log, in the caller's transaction; the same
    `source_key` twice adds it once; `actor` defaults to whoever acts. Other features may call
    this from their own use cases."""
    with uow:
        if source_key and (earlier := repository.interaction_by_source(uow.session, source_key)):
            return InteractionRead.model_validate(earlier)
        entry = Interaction(
            id=new_id(),
            customer_id=customer_id,
            occurred_at=occurred_at or uow.clock.now(),
            kind=kind,
            channel=channel,
            direction=direction,
            summary=summary[:500],
            lead_id=lead_id,
            dealer_id=dealer_id,
            message_id=message_id,
            actor=actor or uow.actor.email,
            source_key=source_key,
            details=details or {},
        )
        uow.session.add(entry)
        uow.commit()
        return InteractionRead.model_validate(entry)


def record_interaction(
    uow: UnitOfWork, *, customer_id: uuid.UUID, data: InteractionCreate
) -> InteractionRead:
    """Record an interaction by hand (a call taken, a visit) for a customer the caller may see."""
    with uow:
        contact = customers.get_contact(uow, customer_id=customer_id)
        entry = log_interaction(uow, customer_id=contact.id, **data.model_dump())
        uow.commit()
        return entry


def list_interactions(
    uow: UnitOfWork, *, customer_id: uuid.UUID, limit: int = 100
) -> list[InteractionRead]:
    """A customer's interactions, newest first, if the caller may see the customer."""
    with uow:
        contact = customers.get_contact(uow, customer_id=customer_id)
        found = repository.interactions_of(uow.session, contact.id, min(limit, LOG_LIMIT))
        return [InteractionRead.model_validate(i) for i in found]


def list_messages(
    uow: UnitOfWork, *, customer_id: uuid.UUID, limit: int = 100
) -> list[MessageRead]:
    """A customer's outbound messages, newest first, with their state."""
    with uow:
        contact = customers.get_contact(uow, customer_id=customer_id)
        found = repository.messages_of(uow.session, contact.id, min(limit, LOG_LIMIT))
        return [MessageRead.model_validate(m) for m in found]


def queue_message(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    template: str,
    variables: dict[str, str] | None = None,
    lead_id: uuid.UUID | None = None,
    source_key: str | None = None,
) -> MessageRead:
    """Render a template in the customer's market's language and queue it for e-mail, or keep
    it as suppressed when the consent it needs is not in force (or there is no address). The
    same `source_key` twice queues one message."""
    purpose = templates.purpose_of(template)
    with uow:
        if source_key and (earlier := repository.message_by_source(uow.session, source_key)):
            return MessageRead.model_validate(earlier)
        contact = customers.get_contact(uow, customer_id=customer_id)
        message = _new_message(uow, contact, template, variables or {}, lead_id)
        message.purpose, message.source_key = purpose, source_key
        verdict = _verdict(contact, message)
        if verdict.allowed:
            timers.schedule(uow, kind=SEND_TIMER, due_at=uow.clock.now(), subject_id=message.id)
        else:
            message.state, message.reason = "suppressed", verdict.reason
        uow.session.add(message)
        uow.commit()
        return MessageRead.model_validate(message)


def _new_message(
    uow: UnitOfWork,
    contact: CustomerContact,
    template: str,
    variables: dict[str, str],
    lead_id: uuid.UUID | None,
) -> OutboundMessage:
    language = template_language(_market_languages(uow, contact.market_code), templates.languages())
    names = {"customer_name": _name(contact, language)}
    rendered = templates.render(template, language, {**names, **variables})
    return OutboundMessage(
        id=new_id(),
        customer_id=contact.id,
        lead_id=lead_id,
        channel=EMAIL,
        template=template,
        language=rendered.language,
        to_address=contact.email or "",
        subject=rendered.subject[:300],
        body=rendered.body,
        state="queued",
        attempts=0,
        requested_by=uow.actor.email,
        created_at=uow.clock.now(),
    )


def _name(contact: CustomerContact, language: str) -> str:
    if language.startswith("zh") and contact.name_hanzi:
        return contact.name_hanzi
    return contact.display_name or ""


def _market_languages(uow: UnitOfWork, market_code: str | None) -> list[str]:
    if market_code is None:
        return []
    return markets.get_market(uow, code=market_code).languages


def _verdict(contact: CustomerContact, message: OutboundMessage) -> Verdict:
    if not message.to_address:
        return Verdict(False, "the customer has no e-mail address")
    purpose: MessagePurpose = "marketing" if message.purpose == "marketing" else "service"
    return consent_verdict(purpose, message.channel, contact.consents)


def send_queued(
    uow: UnitOfWork, *, message_id: uuid.UUID, mailer: Mailer, max_attempts: int
) -> str:
    """Send one queued message if the consent it needs is still in force at this moment (an
    opt-out recorded since it was queued suppresses it); returns the message's state."""
    with uow:
        message = repository.message(uow.session, message_id)
        if message is None or message.state != "queued":
            return message.state if message else "missing"
        contact = customers.get_contact(uow, customer_id=message.customer_id)
        verdict = _verdict(contact, message)
        if verdict.allowed:
            _try_send(uow, message, mailer, max_attempts)
        else:
            message.state, message.reason = "suppressed", verdict.reason
        uow.commit()
        return message.state


def _try_send(uow: UnitOfWork, message: OutboundMessage, mailer: Mailer, max_attempts: int) -> None:
    message.attempts += 1
    now = uow.clock.now()
    try:
        mailer.send(
            to=message.to_address,
            subject=message.subject,
            body=message.body,
            message_id=str(message.id),
            language=message.language,
        )
    except MailError as exc:
        message.reason = str(exc)[:2000]
        if exc.permanent or message.attempts >= max_attempts:
            message.state = "failed"
        else:  # deferred: try again later, as a new timer, so attempts are counted here
            due = now + timers.backoff(message.attempts)
            timers.schedule(uow, kind=SEND_TIMER, due_at=due, subject_id=message.id)
        return
    message.state, message.sent_at, message.reason = "sent", now, None
    _log_sent(uow, message)


def _log_sent(uow: UnitOfWork, message: OutboundMessage) -> None:
    log_interaction(
        uow,
        customer_id=message.customer_id,
        kind=f"{message.purpose}_email",
        channel=EMAIL,
        direction="outbound",
        summary=message.subject,
        occurred_at=message.sent_at,
        lead_id=message.lead_id,
        message_id=message.id,
        source_key=f"message:{message.id}",
        details={"template": message.template, "language": message.language},
    )
