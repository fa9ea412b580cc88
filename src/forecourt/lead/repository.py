"""Every query of the lead feature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecourt.lead.models import Lead


def by_source(session: Session, channel: str, source_id: str) -> Lead | None:
    return session.scalars(
        select(Lead).where(Lead.channel == channel, Lead.source_id == source_id)
    ).one_or_none()


def by_idempotency_key(session: Session, key: str) -> Lead | None:
    return session.scalars(select(Lead).where(Lead.idempotency_key == key)).one_or_none()


def get(session: Session, lead_id: uuid.UUID) -> Lead | None:
    return session.get(Lead, lead_id)


def of_customer(session: Session, customer_ids: Sequence[uuid.UUID]) -> Sequence[Lead]:
    stmt = select(Lead).where(Lead.customer_id.in_(customer_ids)).order_by(Lead.received_at)
    return session.scalars(stmt).all()
