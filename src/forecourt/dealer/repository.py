"""Every query of the dealer feature."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from forecourt.dealer.models import Dealer


def get(session: Session, dealer_id: uuid.UUID, *, with_staff: bool = False) -> Dealer | None:
    options = [selectinload(Dealer.staff)] if with_staff else []
    return session.get(Dealer, dealer_id, options=options)


def get_by_code(session: Session, code: str) -> Dealer | None:
    return session.scalars(select(Dealer).where(Dealer.code == code)).one_or_none()


def find(
    session: Session,
    *,
    market_code: str | None = None,
    kinds: list[str] | None = None,
    active: bool | None = None,
) -> list[Dealer]:
    """Dealers by market, kind and activity, ordered by market and code."""
    query = select(Dealer).order_by(Dealer.market_code, Dealer.code)
    if market_code is not None:
        query = query.where(Dealer.market_code == market_code)
    if kinds:
        query = query.where(Dealer.kind.in_(kinds))
    if active is not None:
        query = query.where(Dealer.active == active)
    return list(session.scalars(query))


def by_code_with_staff(session: Session) -> dict[str, Dealer]:
    query = select(Dealer).options(selectinload(Dealer.staff))
    return {dealer.code: dealer for dealer in session.scalars(query)}
