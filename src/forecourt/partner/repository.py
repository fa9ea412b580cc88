"""Every query of the partner feature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from forecourt.partner.models import Delivery, Subscription


def subscription(session: Session, subscription_id: uuid.UUID) -> Subscription | None:
    return session.get(Subscription, subscription_id)


def subscriptions(session: Session, *, active_only: bool = False) -> Sequence[Subscription]:
    query = select(Subscription).order_by(Subscription.created_at, Subscription.id)
    if active_only:
        query = query.where(Subscription.active.is_(True))
    return session.scalars(query).all()


def delivery(session: Session, delivery_id: uuid.UUID) -> Delivery | None:
    return session.get(Delivery, delivery_id)


def deliveries(
    session: Session,
    *,
    state: str | None,
    subscription_id: uuid.UUID | None,
    limit: int,
    lock: bool = False,
) -> Sequence[Delivery]:
    query = select(Delivery)
    if state is not None:
        query = query.where(Delivery.state == state)
    if subscription_id is not None:
        query = query.where(Delivery.subscription_id == subscription_id)
    query = query.order_by(Delivery.created_at, Delivery.id).limit(limit)
    if lock:
        query = query.with_for_update(skip_locked=True)
    return session.scalars(query).all()


def deliveries_of_event(session: Session, event_id: uuid.UUID) -> Sequence[Delivery]:
    return session.scalars(select(Delivery).where(Delivery.event_id == event_id)).all()


def delete_deliveries(session: Session, subscription_id: uuid.UUID) -> int:
    result = session.execute(delete(Delivery).where(Delivery.subscription_id == subscription_id))
    return int(getattr(result, "rowcount", 0) or 0)
