"""Tables of the comms feature: the interaction log and outbound messages."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.kernel.ids import new_id


class Interaction(Base):
    """One touch between the brand and a customer, whoever made it and through whatever door:
    an enquiry received, an e-mail sent, a dealer's call or visit.

    `source_key` names what the entry was made from (an event, a message), unique, so mirroring
    the same fact twice never writes two entries.
    """

    __tablename__ = "interaction"
    __table_args__ = (Index("ix_interaction_customer", "customer_id", "occurred_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    occurred_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(30))
    channel: Mapped[str] = mapped_column(String(20))
    direction: Mapped[str] = mapped_column(String(10))
    summary: Mapped[str] = mapped_column(String(500))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    message_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("outbound_message.id"), default=None
    )
    actor: Mapped[str | None] = mapped_column(String(320), default=None)
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    details: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class OutboundMessage(Base):
    """A message to a customer, rendered from a template in their market's language.

    Its life: queued → sent, suppressed (the consent it needs is not in force when it is due to
    go) or failed (the mail server refused it for good, or every attempt failed). `source_key`
    makes queueing idempotent: one message per triggering fact and template.
    """

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_message_customer", "customer_id", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    lead_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    template: Mapped[str] = mapped_column(String(60))
    language: Mapped[str] = mapped_column(String(10))
    to_address: Mapped[str] = mapped_column(String(320))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    state: Mapped[str] = mapped_column(String(12), default="queued", index=True)
    attempts: Mapped[int] = mapped_column(default=0)
    reason: Mapped[str | None] = mapped_column(Text, default=None)  # why suppressed, last error
    source_key: Mapped[str | None] = mapped_column(String(120), unique=True, default=None)
    requested_by: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime]
    sent_at: Mapped[datetime | None] = mapped_column(default=None)
