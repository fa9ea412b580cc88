"""Who is acting: the authenticated principal and the scope of data they may see."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from enum import StrEnum


class Role(StrEnum):
    """The roles of the brand's organisation."""

    HQ = "hq"  # brand headquarters: everything, everywhere
    MARKET_MANAGER = "market_manager"  # one or more markets
    DEALER_STAFF = "dealer_staff"  # exactly one dealer
    CALL_CENTRE = "call_centre"  # reads the network and catalogue, captures enquiries


@dataclass(frozen=True)
class Principal:
    """An authenticated user with their scope; services filter every query through it."""

    user_id: uuid.UUID
    email: str
    role: Role
    market_codes: frozenset[str] = field(default_factory=frozenset)
    dealer_id: uuid.UUID | None = None

    @property
    def is_hq(self) -> bool:
        return self.role is Role.HQ

    @property
    def runs_markets(self) -> bool:
        """HQ or a market manager: who acts on what the network could not handle."""
        return self.role in (Role.HQ, Role.MARKET_MANAGER)

    def sees_market(self, market_code: str) -> bool:
        """Whether market-level data of `market_code` is within this principal's scope."""
        if self.role in (Role.MARKET_MANAGER, Role.DEALER_STAFF):
            return market_code in self.market_codes  # dealer staff: their dealer's market
        return True

    def sees_dealer(self, dealer_id: uuid.UUID | None, market_code: str | None) -> bool:
        """Whether data of one dealer is within scope: dealer staff see only their own dealer."""
        if self.role is Role.DEALER_STAFF:
            return dealer_id == self.dealer_id
        if self.role is Role.MARKET_MANAGER:
            return market_code in self.market_codes
        return True


# The principal used by the CLI, seeding and workers: the system itself acting as HQ.
SYSTEM = Principal(user_id=uuid.UUID(int=0), email="system@forecourt.local", role=Role.HQ)
