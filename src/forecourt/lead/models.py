"""Leads as captured."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.kernel.ids import new_id


class Lead(Base):
    """One enquiry, with the customer it was resolved to and the campaign it is credited to."""

    __tablename__ = "lead"
    __table_args__ = (
        UniqueConstraint("channel", "source_id"),
        Index("ix_lead_customer", "customer_id", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(200), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    identity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("source_identity.id"))
    resolution: Mapped[str] = mapped_column(String(10))
    market_code: Mapped[str | None] = mapped_column(String(2), default=None, index=True)
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dealer.id"), default=None, index=True
    )
    requested_dealer_code: Mapped[str | None] = mapped_column(String(40), default=None)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaign.id"), default=None, index=True
    )
    campaign_code: Mapped[str | None] = mapped_column(String(40), default=None)
    attribution: Mapped[str] = mapped_column(String(15))
    utm: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)
    model_interest: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(20), default="new")
    issues: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]
