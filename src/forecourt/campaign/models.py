"""Campaigns as data, so later reports can say what each one brought."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.kernel.ids import new_id

KINDS = ("live_broadcast", "road_show", "regional_offer", "digital")


class Campaign(Base):
    """One campaign: a show, a road show under it, a regional offer or a digital campaign."""

    __tablename__ = "campaign"
    __table_args__ = (
        CheckConstraint(f"kind IN {KINDS}", name="kind"),
        CheckConstraint("ends_on >= starts_on", name="dates"),
        CheckConstraint("budget_minor >= 0", name="budget"),
        Index("ix_campaign_utm", "utm_campaign", "utm_source", "utm_medium"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(20))
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code"), index=True)
    parent_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("campaign.id"), default=None)
    city: Mapped[str | None] = mapped_column(String(100), default=None)
    starts_on: Mapped[date]
    ends_on: Mapped[date]
    budget_minor: Mapped[int] = mapped_column(default=0)
    currency: Mapped[str] = mapped_column(String(3))
    utm_source: Mapped[str | None] = mapped_column(String(100), default=None)
    utm_medium: Mapped[str | None] = mapped_column(String(100), default=None)
    utm_campaign: Mapped[str | None] = mapped_column(String(100), default=None)
    created_at: Mapped[datetime]
