"""Facts the lead feature announces."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
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
