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
