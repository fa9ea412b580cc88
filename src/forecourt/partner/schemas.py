"""What the partner feature reads and writes at its edges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

SECRET_MIN = 16


class SubscriptionCreate(BaseModel):
    """A partner endpoint to call with the named events; a secret is generated if none is given."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    url: str = Field(max_length=2000, description="http(s) URL the events are POSTed to")
    events: list[str] = Field(min_length=1, description="e.g. lead.assigned, lead.status_changed")
    market_codes: list[str] = Field(
        default_factory=list, description="Only these markets; empty: all"
    )
    secret: str | None = Field(default=None, min_length=SECRET_MIN, max_length=200)


class SubscriptionUpdate(BaseModel):
    """Fields of a subscription to change; those left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    name: str | None = Field(default=None, min_length=1, max_length=100)
    url: str | None = Field(default=None, max_length=2000)
    events: list[str] | None = Field(default=None, min_length=1)
    market_codes: list[str] | None = None
    secret: str | None = Field(default=None, min_length=SECRET_MIN, max_length=200)
    active: bool | None = None


class SubscriptionRead(BaseModel):
    """A subscription as listed: the secret is never shown again, only its last characters."""

    id: uuid.UUID
    name: str
    url: str
    events: list[str]
    market_codes: list[str]
    active: bool
    secret_hint: str
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionRead):
    """A new subscription with its secret, shown this once."""

    secret: str


class DeliveryRead(BaseModel):
    """One event's delivery to one subscription and how it went."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    subscription_id: uuid.UUID
    event_id: uuid.UUID
    event_name: str
    state: str
    attempts: int
    replays: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    created_at: datetime
    delivered_at: datetime | None
    envelope: dict[str, Any]


class ReplayResult(BaseModel):
    """How many dead letters were put back to be sent again."""

    replayed: int
