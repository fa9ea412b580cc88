"""Every query of the market feature."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecourt.market.models import Market


def get(session: Session, code: str) -> Market | None:
    return session.get(Market, code)


def list_all(session: Session) -> list[Market]:
    """Markets in rollout order: the home market first."""
    query = select(Market).order_by(Market.rollout_phase, Market.launch_date, Market.code)
    return list(session.scalars(query))


def by_code(session: Session) -> dict[str, Market]:
    return {market.code: market for market in session.scalars(select(Market))}
