"""Facts the lead feature announces."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import ClassVar

from forecourt.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class LeadCaptured(Event):
    """A new lead was stored and resolved to a customer."""

    name: ClassVar[str] = "lead.captured"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    channel: str
    market_code: str | None
    resolution: str
    campaign_id: uuid.UUID | None


@dataclass(frozen=True, kw_only=True)
class LeadAssigned(Event):
    """A lead was given to a dealer (and a salesperson there), first or after a re-route."""

    name: ClassVar[str] = "lead.assigned"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    dealer_id: uuid.UUID
    dealer_code: str
    staff_id: uuid.UUID | None
    market_code: str | None
    channel: str
    priority: str
    reason: str
    attempt: int


@dataclass(frozen=True, kw_only=True)
class LeadStatusChanged(Event):
    """A lead moved on in its life (contacted, appointment, test drive booked, won, lost …)."""

    name: ClassVar[str] = "lead.status_changed"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    dealer_id: uuid.UUID | None
    market_code: str | None
    old_status: str
    new_status: str
    reason: str | None


@dataclass(frozen=True, kw_only=True)
class LeadResponseWarning(Event):
    """The assigned dealer has not answered a lead and its response deadline is near."""

    name: ClassVar[str] = "lead.response_warning"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    dealer_id: uuid.UUID
    market_code: str | None
    due_at: datetime


@dataclass(frozen=True, kw_only=True)
class LeadResponseBreached(Event):
    """The assigned dealer did not answer a lead within its response target."""

    name: ClassVar[str] = "lead.response_breached"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    dealer_id: uuid.UUID
    market_code: str | None
    due_at: datetime
    breaches: int


@dataclass(frozen=True, kw_only=True)
class LeadEscalated(Event):
    """The network did not answer a lead in time (or no dealer could take it): the market
    manager must step in."""

    name: ClassVar[str] = "lead.escalated"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    dealer_id: uuid.UUID | None
    market_code: str | None
    reason: str
    breaches: int


@dataclass(frozen=True, kw_only=True)
class LeadContactAttempted(Event):
    """A dealer reached out (or tried to) to the customer of a lead."""

    name: ClassVar[str] = "lead.contact_attempted"
    version: ClassVar[int] = 1
    lead_id: uuid.UUID
    customer_id: uuid.UUID
    dealer_id: uuid.UUID
    attempt_id: uuid.UUID
    channel: str
    outcome: str
    contacted_at: datetime
    staff_email: str
