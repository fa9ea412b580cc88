"""The catalogue's entities: the platform, its body styles, models, trims, options and prices.

Models, trims and options are keyed by their codes, which also name them as price items.
Rules live on the option as lists of codes; `policies` reads them from a snapshot.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.catalog.snapshot import (
    BodyStyleSpec,
    ModelSpec,
    Money,
    OptionSpec,
    TrimSpec,
)
from forecourt.db.base import Base
from forecourt.db.types import PortableJSON


class Platform(Base):
    """The modular platform every body style is built on."""

    __tablename__ = "catalog_platform"

    code: Mapped[str] = mapped_column(String(10), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))


class BodyStyle(Base):
    """Sedan, hatchback, crossover, SUV or estate."""

    __tablename__ = "catalog_body_style"

    code: Mapped[str] = mapped_column(String(20), primary_key=True)
    platform_code: Mapped[str] = mapped_column(String(10), ForeignKey("catalog_platform.code"))
    name: Mapped[str] = mapped_column(String(60))
    position: Mapped[int]

    def spec(self) -> BodyStyleSpec:
        return BodyStyleSpec(code=self.code, name=self.name)


class CarModel(Base):
    """A named model, built in one body style."""

    __tablename__ = "catalog_model"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    body_style_code: Mapped[str] = mapped_column(
        String(20), ForeignKey("catalog_body_style.code"), index=True
    )
    position: Mapped[int]

    def spec(self) -> ModelSpec:
        return ModelSpec(code=self.code, name=self.name, body_style=self.body_style_code)


class Trim(Base):
    """An equipment level; the "young" line is the youth sub-brand, "core" the rest."""

    __tablename__ = "catalog_trim"
    __table_args__ = (CheckConstraint("line IN ('core', 'young')", name="line"),)

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    line: Mapped[str] = mapped_column(String(10))
    body_styles: Mapped[list[str]] = mapped_column(PortableJSON)
    position: Mapped[int]

    def spec(self) -> TrimSpec:
        return TrimSpec(
            code=self.code, name=self.name, line=self.line, body_styles=frozenset(self.body_styles)
        )


class Option(Base):
    """An option and its rules: where it is offered, what it needs and what it rules out."""

    __tablename__ = "catalog_option"

    code: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    choice_group: Mapped[str | None] = mapped_column(String(20), default=None)
    trims: Mapped[list[str]] = mapped_column(PortableJSON)
    requires: Mapped[list[str]] = mapped_column(PortableJSON)
    excludes: Mapped[list[str]] = mapped_column(PortableJSON)
    drive_sides: Mapped[list[str]] = mapped_column(PortableJSON)
    position: Mapped[int]

    def spec(self) -> OptionSpec:
        return OptionSpec(
            code=self.code,
            name=self.name,
            group=self.choice_group,
            trims=frozenset(self.trims),
            requires=tuple(self.requires),
            excludes=frozenset(self.excludes),
            drive_sides=frozenset(self.drive_sides),
        )


class MarketOffer(Base):
    """The body styles and trims one market gets."""

    __tablename__ = "catalog_market_offer"

    market_code: Mapped[str] = mapped_column(String(2), ForeignKey("market.code"), primary_key=True)
    body_styles: Mapped[list[str]] = mapped_column(PortableJSON)
    trims: Mapped[list[str]] = mapped_column(PortableJSON)


class Price(Base):
    """The price of one model, trim or option in one market, in minor units of its currency."""

    __tablename__ = "catalog_price"
    __table_args__ = (CheckConstraint("amount_minor >= 0", name="amount_minor"),)

    market_code: Mapped[str] = mapped_column(String(2), ForeignKey("market.code"), primary_key=True)
    item_code: Mapped[str] = mapped_column(String(40), primary_key=True)
    currency: Mapped[str] = mapped_column(String(3))
    amount_minor: Mapped[int] = mapped_column(BigInteger)
    updated_at: Mapped[datetime]

    def money(self) -> Money:
        return Money(currency=self.currency, amount_minor=self.amount_minor)

    def change(self, money: Money, at: datetime) -> int | None:
        """Set a new amount (and currency); return the old amount, None if there was none."""
        old = self.amount_minor
        self.currency, self.amount_minor, self.updated_at = money.currency, money.amount_minor, at
        return old
