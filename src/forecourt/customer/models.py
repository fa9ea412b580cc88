"""Golden customers, the source identities behind them, blocking keys, reviews, consent, models."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.kernel.ids import new_id


class Customer(Base):
    """The golden profile: the best value of each field over the linked source identities."""

    __tablename__ = "customer"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    name_key: Mapped[str | None] = mapped_column(String(200), default=None)
    name_hanzi: Mapped[str | None] = mapped_column(String(50), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    city_id: Mapped[int | None] = mapped_column(default=None)
    city_name: Mapped[str | None] = mapped_column(String(100), default=None)
    market_code: Mapped[str | None] = mapped_column(String(2), default=None)
    city_tier: Mapped[int | None] = mapped_column(default=None)
    merged_into_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("customer.id"), default=None
    )
    created_at: Mapped[datetime]
    updated_at: Mapped[datetime]


class SourceIdentity(Base):
    """One person as one channel gave them, normalised; linked to exactly one customer."""

    __tablename__ = "source_identity"
    __table_args__ = (UniqueConstraint("channel", "source_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"), index=True)
    channel: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(200), default=None)
    display_name: Mapped[str | None] = mapped_column(String(200), default=None)
    name_key: Mapped[str | None] = mapped_column(String(200), default=None)
    name_hanzi: Mapped[str | None] = mapped_column(String(50), default=None)
    phone_raw: Mapped[str | None] = mapped_column(String(50), default=None)
    phone: Mapped[str | None] = mapped_column(String(20), default=None)
    email: Mapped[str | None] = mapped_column(String(320), default=None)
    city_id: Mapped[int | None] = mapped_column(default=None)
    city_name: Mapped[str | None] = mapped_column(String(100), default=None)
    country: Mapped[str | None] = mapped_column(String(2), default=None)
    city_tier: Mapped[int | None] = mapped_column(default=None)
    flags: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    match_outcome: Mapped[str] = mapped_column(String(10))
    match_probability: Mapped[float | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class BlockingKey(Base):
    """A persistent blocking key of a source identity: candidates are found by key, not by scan."""

    __tablename__ = "blocking_key"
    # On SQLite the primary key is the table: each key is stored and written once.
    __table_args__ = {"sqlite_with_rowid": False}  # noqa: RUF012 - SQLAlchemy reads it once

    key: Mapped[str] = mapped_column(String(240), primary_key=True)
    identity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("source_identity.id", ondelete="CASCADE"), primary_key=True
    )


class MatchReview(Base):
    """A decision left to a person: a source identity that may be an existing customer."""

    __tablename__ = "match_review"
    __table_args__ = (Index("ix_match_review_open", "status", "created_at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    identity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("source_identity.id"), index=True)
    candidate_customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    probability: Mapped[float]
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON)
    status: Mapped[str] = mapped_column(String(10), default="open")
    decided_by: Mapped[str | None] = mapped_column(String(320), default=None)
    decided_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]


class Consent(Base):
    """A consent given or withdrawn, per channel and purpose, with where and when it came from."""

    __tablename__ = "consent"
    __table_args__ = (Index("ix_consent_customer_purpose", "customer_id", "purpose", "at"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    identity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("source_identity.id"), default=None
    )
    channel: Mapped[str] = mapped_column(String(20))
    purpose: Mapped[str] = mapped_column(String(20))
    granted: Mapped[bool]
    source: Mapped[str] = mapped_column(String(100))
    at: Mapped[datetime]


class StoredMatchModel(Base):
    """A trained identity-resolution model, versioned; the newest active one scores online."""

    __tablename__ = "match_model"

    version: Mapped[str] = mapped_column(String(80), primary_key=True)
    trained_at: Mapped[datetime]
    records: Mapped[int]
    model_json: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(default=True)
