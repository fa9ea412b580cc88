"""What the comms feature reads and writes at its edges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Direction = Literal["inbound", "outbound"]
InteractionChannel = Literal[
    "web", "email", "phone", "sms", "wechat", "visit", "call_centre", "live_broadcast",
    "dealer", "in_car", "event", "other",
]  # fmt: skip


class InteractionRead(BaseModel):
    """One entry of a customer's interaction log."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    occurred_at: datetime
    kind: str
    channel: str
    direction: str
    summary: str
    lead_id: uuid.UUID | None
    dealer_id: uuid.UUID | None
    message_id: uuid.UUID | None
    actor: str | None
    details: dict[str, Any]


class InteractionCreate(BaseModel):
    """An interaction a person records by hand: a call taken, a visit, a chat."""

    model_config = ConfigDict(extra="forbid")

    kind: str = Field(min_length=2, max_length=30, pattern=r"^[a-z_]+$")
    channel: InteractionChannel
    direction: Direction
    summary: str = Field(min_length=1, max_length=500)
    occurred_at: datetime | None = None
    lead_id: uuid.UUID | None = None


class MessageRequest(BaseModel):
    """Send a templated message to a customer; the template decides the consent it needs."""

    model_config = ConfigDict(extra="forbid")

    template: str = Field(min_length=1, max_length=60)
    variables: dict[str, str] = Field(default_factory=dict, max_length=50)
    lead_id: uuid.UUID | None = None


class MessageRead(BaseModel):
    """An outbound message and where it stands: queued, sent, suppressed or failed."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    customer_id: uuid.UUID
    lead_id: uuid.UUID | None
    channel: str
    purpose: str
    template: str
    language: str
    to_address: str
    subject: str
    body: str
    state: str
    attempts: int
    reason: str | None
    source_key: str | None
    requested_by: str
    created_at: datetime
    sent_at: datetime | None
