"""What bulk resolution reports back: where each arrival went, what a re-cluster changed."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Placed:
    """Where one arrival went: its new identity, its customer, the outcome and probability."""

    identity_id: uuid.UUID
    customer_id: uuid.UUID
    outcome: str
    probability: float | None


@dataclass
class Reclustered:
    """What a re-cluster changed: identities moved (to customer, with outcome), counts."""

    moved: dict[uuid.UUID, tuple[uuid.UUID, str]] = field(default_factory=dict)
    identities: int = 0
    customers: int = 0
    kept_by_people: int = 0
    open_reviews: int = 0
