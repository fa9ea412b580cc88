"""Tables the kernel itself writes: the event outbox, the audit trail and durable timers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.kernel.ids import new_id


class OutboxMessage(Base):
    """An integration event written in the same transaction as the change it reports."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_pending", "published_at", "id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    version: Mapped[int]
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON)
    occurred_at: Mapped[datetime]
    published_at: Mapped[datetime | None] = mapped_column(default=None)


class AuditEntry(Base):
    """Who changed what, when: one row per change, kept even when the actor is deleted."""

    __tablename__ = "audit_entry"
    __table_args__ = (Index("ix_audit_entity", "entity_type", "entity_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    at: Mapped[datetime] = mapped_column(index=True)
    actor_id: Mapped[uuid.UUID]
    actor_email: Mapped[str] = mapped_column(String(320))
    action: Mapped[str] = mapped_column(String(80))
    entity_type: Mapped[str] = mapped_column(String(80))
    entity_id: Mapped[str] = mapped_column(String(80))
    market_code: Mapped[str | None] = mapped_column(String(2), default=None)
    changes: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)


class Timer(Base):
    """Work due at a time (an SLA warning, a webhook retry), fired once by a worker.

    `state` is pending until a worker runs it (done), gives up after repeated failures (failed)
    or someone cancels it (cancelled); the due index covers exactly what workers look for.
    """

    __tablename__ = "timer"
    __table_args__ = (
        Index("ix_timer_due", "state", "due_at"),
        Index("ix_timer_subject", "subject_id", "kind"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    kind: Mapped[str] = mapped_column(String(60))
    subject_id: Mapped[uuid.UUID | None] = mapped_column(default=None)
    payload: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(Text, default=None)
    fired_at: Mapped[datetime | None] = mapped_column(default=None)
    created_at: Mapped[datetime]
