"""Facts the dealer feature announces."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import ClassVar

from forecourt.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class DealerUpdated(Event):
    """A dealer's hours, capacity, contact details or activity changed (lead routing listens)."""

    name: ClassVar[str] = "dealer.updated"
    version: ClassVar[int] = 1
    dealer_id: uuid.UUID
    market_code: str
    fields: tuple[str, ...]
