"""Every query of the dealer feature."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from functools import cache

from sqlalchemy import Insert, bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session, selectinload

from forecourt.dealer.models import Dealer, DealerDailyLoad, NetworkVersion, RoutingPolicy
from forecourt.kernel.rows import core

NETWORK_ROW = 1


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


def all_with_staff(session: Session) -> list[Dealer]:
    query = select(Dealer).options(selectinload(Dealer.staff)).order_by(Dealer.code)
    return list(session.scalars(query))


def policies(session: Session) -> list[RoutingPolicy]:
    return list(session.scalars(select(RoutingPolicy)))


def policy(session: Session, market_code: str) -> RoutingPolicy | None:
    return session.get(RoutingPolicy, market_code)


_STAMP = select(NetworkVersion.stamp).where(NetworkVersion.id == NETWORK_ROW)


def network_stamp(session: Session) -> str:
    """The network's version stamp, read by every routing: a statement built once."""
    return core(session).execute(_STAMP).scalar_one_or_none() or ""


def set_network_stamp(session: Session, stamp: str, at: datetime) -> None:
    row = session.get(NetworkVersion, NETWORK_ROW)
    if row is None:
        session.add(NetworkVersion(id=NETWORK_ROW, stamp=stamp, changed_at=at))
    else:
        row.stamp, row.changed_at = stamp, at


def take_slot(session: Session, dealer_id: uuid.UUID, day: date, capacity: int) -> int | None:
    """Count one more lead for the dealer's day unless it is full: the day's new count, or None.

    One statement, atomic on both databases: concurrent captures queue on the row (PostgreSQL
    locks it until commit), so the capacity is never overshot and every count is handed out once.
    """
    statement = _take_slot_for(session.get_bind().dialect.name)
    values = {"dealer_id": dealer_id, "day": day, "capacity": capacity}
    count = core(session).execute(statement, values).scalar_one_or_none()
    return None if count is None else int(count)


@cache
def _take_slot_for(dialect: str) -> Insert:
    # Built once per dialect: every routed lead runs it.
    module = postgresql if dialect == "postgresql" else sqlite
    insert = module.insert(DealerDailyLoad).values(
        dealer_id=bindparam("dealer_id"), day=bindparam("day"), assigned=1
    )
    statement: Insert = insert.on_conflict_do_update(
        index_elements=[DealerDailyLoad.dealer_id, DealerDailyLoad.day],
        set_={"assigned": DealerDailyLoad.assigned + 1},
        where=DealerDailyLoad.assigned < bindparam("capacity"),
    ).returning(DealerDailyLoad.assigned)
    return statement
