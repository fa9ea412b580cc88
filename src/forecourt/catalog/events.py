"""Facts the catalog feature publishes."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from forecourt.kernel.events import Event


@dataclass(frozen=True, kw_only=True)
class PriceChanged(Event):
    """A market's price of a model, trim or option changed."""

    name: ClassVar[str] = "catalog.price_changed"
    version: ClassVar[int] = 1
    market_code: str
    item_code: str
    currency: str
    old_amount_minor: int | None
    new_amount_minor: int
