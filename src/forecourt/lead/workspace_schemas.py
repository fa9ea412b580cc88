"""What the dealer workspace and the response figures read and write at their edges."""

from __future__ import annotations

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from forecourt.customer.schemas import CustomerProfile


class ContactChannel(StrEnum):
    """How a dealer reached out."""

    CALL = "call"
    EMAIL = "email"
    SMS = "sms"
    WECHAT = "wechat"
    VISIT = "visit"


class ContactOutcome(StrEnum):
    """What came of it."""

    REACHED = "reached"
    NO_ANSWER = "no_answer"
    LEFT_MESSAGE = "left_message"
    WRONG_NUMBER = "wrong_number"
    SENT = "sent"


class QueueItem(BaseModel):
    """A lead in a dealer's queue, with its response deadline."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    status: str
    priority: str
    customer_id: uuid.UUID
    market_code: str | None
    model_interest: str | None
    received_at: datetime
    assigned_at: datetime | None
    accepted_at: datetime | None
    response_due_at: datetime | None
    first_response_at: datetime | None
    status_reason: str | None


class ContactIn(BaseModel):
    """A contact attempt as the dealer logs it."""

    model_config = ConfigDict(extra="forbid")

    channel: ContactChannel
    outcome: ContactOutcome = ContactOutcome.REACHED
    note: str | None = Field(default=None, max_length=2000)
    occurred_at: datetime | None = Field(
        default=None, description="When it happened, if not now; kept, not used for the SLA"
    )
    client_id: str | None = Field(
        default=None, min_length=1, max_length=200, description="Your id: a retry is stored once"
    )


class ContactRead(BaseModel):
    """A logged contact attempt."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    lead_id: uuid.UUID
    channel: str
    outcome: str
    note: str | None
    occurred_at: datetime
    recorded_at: datetime
    staff_email: str


class ContactLogged(BaseModel):
    """The attempt, whether this call stored it, and the lead after it."""

    attempt: ContactRead
    created: bool
    lead: QueueItem


class Decline(BaseModel):
    """Why the dealer turns the lead down."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


class Declined(BaseModel):
    """A decline and what became of the lead: offered to another dealer, or escalated."""

    lead_id: uuid.UUID
    reason: str
    at: datetime
    outcome: Literal["rerouted", "escalated"]


class StatusChange(BaseModel):
    """A new status set by the dealer; lost needs a reason."""

    model_config = ConfigDict(extra="forbid")

    status: Literal["contacted", "appointment", "test_drive_booked", "won", "lost"]
    reason: str | None = Field(default=None, max_length=500)


class ClockRead(BaseModel):
    """One dealer's response clock for a lead."""

    model_config = ConfigDict(from_attributes=True)

    dealer_id: uuid.UUID
    channel: str
    priority: str
    target_minutes: int
    started_at: datetime
    warn_at: datetime
    due_at: datetime
    state: str
    responded_at: datetime | None
    response_seconds: int | None
    business_seconds: int | None


class WorkspaceLead(BaseModel):
    """A lead of the dealer's, with the customer's golden profile, its contacts and its clock."""

    lead: QueueItem
    customer: CustomerProfile
    attempts: list[ContactRead]
    clock: ClockRead | None


class AttentionItem(BaseModel):
    """A lead the market manager must handle: escalated, or no dealer could take it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    status: str
    channel: str
    priority: str
    market_code: str | None
    dealer_id: uuid.UUID | None
    received_at: datetime
    escalated_at: datetime | None
    sla_breaches: int
    status_reason: str | None


class SpeedRow(BaseModel):
    """First-response figures of one dealer, channel or market over a period."""

    key: str
    label: str
    clocks: int = Field(description="response clocks started (one per assignment)")
    responded: int
    within_target: int
    breached: int
    open: int
    median_response_s: float | None
    p90_response_s: float | None
    median_business_s: float | None


class SpeedToLead(BaseModel):
    """Speed-to-lead over a period, grouped by dealer, channel or market."""

    group_by: Literal["dealer", "channel", "market"]
    since: datetime
    until: datetime
    rows: list[SpeedRow]


class EscalationAssign(BaseModel):
    """The dealer a market manager gives an escalated lead to, and why."""

    model_config = ConfigDict(extra="forbid")

    dealer_code: str = Field(min_length=1, max_length=16, examples=["CN-SHA-01"])
    reason: str = Field(min_length=3, max_length=500)


class EscalationClose(BaseModel):
    """Why a market manager closes an escalated lead as lost."""

    model_config = ConfigDict(extra="forbid")

    reason: str = Field(min_length=3, max_length=500)


class EscalationHandled(BaseModel):
    """What the market manager did with an escalated lead: the dealer it now has and its new
    response deadline, or lost."""

    lead_id: uuid.UUID
    status: Literal["assigned", "lost"]
    dealer_code: str | None
    staff_id: uuid.UUID | None
    response_due_at: datetime | None
    reason: str
