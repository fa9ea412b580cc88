"""The dealer network's entities: dealers and their staff."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.kernel.ids import new_id

BRAND = "Aurelia"  # the brand's own name, as dealers list it among the brands they carry


class Dealer(Base):
    """An outlet of the network in one market and city."""

    __tablename__ = "dealer"
    __table_args__ = (
        CheckConstraint("kind IN ('own', 'franchise', 'multibrand')", name="kind"),
        CheckConstraint("daily_lead_capacity >= 0", name="daily_lead_capacity"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(16), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(12))
    market_code: Mapped[str] = mapped_column(String(2), ForeignKey("market.code"), index=True)
    city: Mapped[str] = mapped_column(String(120))
    city_geonameid: Mapped[int]
    latitude: Mapped[float]
    longitude: Mapped[float]
    timezone: Mapped[str] = mapped_column(String(64))
    city_tier: Mapped[int | None]
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(320))
    opening_hours: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    daily_lead_capacity: Mapped[int]
    brands: Mapped[list[str]] = mapped_column(PortableJSON)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    staff: Mapped[list[DealerStaff]] = relationship(
        back_populates="dealer", cascade="all, delete-orphan", order_by="DealerStaff.name"
    )

    @property
    def carries_brand(self) -> bool:
        """Whether this dealer sells the brand's cars (a multibrand dealer may have stopped)."""
        return BRAND in self.brands

    def change(self, values: dict[str, Any], at: datetime) -> dict[str, list[Any]]:
        """Apply `values`; return {field: [old, new]} for the fields that really changed."""
        changes = {
            field: [getattr(self, field), value]
            for field, value in values.items()
            if getattr(self, field) != value
        }
        for field, (_, new) in changes.items():
            setattr(self, field, new)
        if changes:
            self.updated_at = at
        return changes


class DealerStaff(Base):
    """A person working at a dealer."""

    __tablename__ = "dealer_staff"
    __table_args__ = (
        UniqueConstraint("dealer_id", "email"),
        CheckConstraint("job IN ('sales', 'service', 'manager')", name="job"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    dealer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dealer.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(120))
    email: Mapped[str] = mapped_column(String(320))
    job: Mapped[str] = mapped_column(String(10))
    languages: Mapped[list[str]] = mapped_column(PortableJSON)
    active: Mapped[bool] = mapped_column(default=True)

    dealer: Mapped[Dealer] = relationship(back_populates="staff")
