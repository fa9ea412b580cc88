"""The dealer network's entities: dealers, their staff, routing policies and daily lead load."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.dealer.holiday_trading import HolidayTrading, joined, split
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
    # The state or province whose public holidays it keeps besides its country's, as the
    # `holidays` package codes it ("BY", "BE" for Germany); None: national holidays only.
    subdivision: Mapped[str | None] = mapped_column(String(32), default=None)
    city_tier: Mapped[int | None]
    address: Mapped[str] = mapped_column(String(300))
    phone: Mapped[str] = mapped_column(String(32))
    email: Mapped[str] = mapped_column(String(320))
    opening_hours: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    daily_lead_capacity: Mapped[int]
    brands: Mapped[list[str]] = mapped_column(PortableJSON)
    active: Mapped[bool] = mapped_column(default=True)
    # Whether it trades on its country's public holidays (None follows its market's policy) and,
    # when only on some, their names; read and written together as `open_on_holidays`.
    trades_on_holidays: Mapped[bool | None] = mapped_column("open_on_holidays", default=None)
    traded_holidays: Mapped[list[str] | None] = mapped_column(PortableJSON, default=None)
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]

    staff: Mapped[list[DealerStaff]] = relationship(
        back_populates="dealer", cascade="all, delete-orphan", order_by="DealerStaff.name"
    )

    @property
    def open_on_holidays(self) -> HolidayTrading | None:
        """The public holidays it trades on: all (True), none (False), those named, or as its
        market's policy says (None)."""
        return joined(self.trades_on_holidays, self.traded_holidays)

    @open_on_holidays.setter
    def open_on_holidays(self, value: HolidayTrading | None) -> None:
        self.trades_on_holidays, self.traded_holidays = split(value)

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
    # Weekly shifts in the dealer's local time, shaped like opening hours; None means the person
    # works whenever the dealer is open.
    shifts: Mapped[dict[str, Any] | None] = mapped_column(PortableJSON, default=None)

    dealer: Mapped[Dealer] = relationship(back_populates="staff")


class RoutingPolicy(Base):
    """How leads of one market are routed; a market without a row gets the defaults."""

    __tablename__ = "routing_policy"
    __table_args__ = (
        CheckConstraint(
            "staff_assignment IN ('round_robin', 'least_busy')", name="staff_assignment"
        ),
        CheckConstraint("max_attempts >= 1", name="max_attempts"),
    )

    market_code: Mapped[str] = mapped_column(String(2), ForeignKey("market.code"), primary_key=True)
    brand_dealers_first: Mapped[bool] = mapped_column(default=True)
    staff_assignment: Mapped[str] = mapped_column(String(12), default="round_robin")
    radii_km: Mapped[list[int]] = mapped_column(PortableJSON)
    max_attempts: Mapped[int] = mapped_column(default=3)
    # Whether the market's dealers trade on public holidays, unless a dealer says otherwise,
    # and, when only on some, their names; read and written together as `open_on_holidays`.
    trades_on_holidays: Mapped[bool] = mapped_column("open_on_holidays", default=False)
    traded_holidays: Mapped[list[str] | None] = mapped_column(PortableJSON, default=None)
    updated_at: Mapped[datetime]

    @property
    def open_on_holidays(self) -> HolidayTrading:
        """The public holidays the market's dealers trade on: all, none or those named."""
        return joined(self.trades_on_holidays, self.traded_holidays) or False

    @open_on_holidays.setter
    def open_on_holidays(self, value: HolidayTrading) -> None:
        trades, self.traded_holidays = split(value)
        self.trades_on_holidays = bool(trades)


class DealerDailyLoad(Base):
    """How many leads a dealer was given on one local day: the capacity counter, and the turn
    of the round-robin among its staff. One small row per dealer and day, bumped by one upsert."""

    __tablename__ = "dealer_daily_load"

    dealer_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("dealer.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    assigned: Mapped[int] = mapped_column(default=0)


class NetworkVersion(Base):
    """One row whose random stamp changes with every change to the network, so a process that
    keeps the network in memory knows with one tiny read whether its copy is current."""

    __tablename__ = "dealer_network_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
    changed_at: Mapped[datetime]
