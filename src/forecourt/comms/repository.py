"""Every query of the comms feature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecourt.comms.models import Interaction, OutboundMessage


def message(session: Session, message_id: uuid.UUID) -> OutboundMessage | None:
    return session.get(OutboundMessage, message_id)


def message_by_source(session: Session, source_key: str) -> OutboundMessage | None:
    query = select(OutboundMessage).where(OutboundMessage.source_key == source_key)
    return session.scalars(query).one_or_none()


def interaction_by_source(session: Session, source_key: str) -> Interaction | None:
    query = select(Interaction).where(Interaction.source_key == source_key)
    return session.scalars(query).one_or_none()


def interactions_of(session: Session, customer_id: uuid.UUID, limit: int) -> Sequence[Interaction]:
    query = (
        select(Interaction)
        .where(Interaction.customer_id == customer_id)
        .order_by(Interaction.occurred_at.desc(), Interaction.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()


def messages_of(session: Session, customer_id: uuid.UUID, limit: int) -> Sequence[OutboundMessage]:
    query = (
        select(OutboundMessage)
        .where(OutboundMessage.customer_id == customer_id)
        .order_by(OutboundMessage.created_at.desc(), OutboundMessage.id.desc())
        .limit(limit)
    )
    return session.scalars(query).all()
