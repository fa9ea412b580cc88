"""Every query of the campaign feature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import bindparam, select
from sqlalchemy.orm import Session

from forecourt.campaign.models import Campaign
from forecourt.kernel.rows import core


def by_code(session: Session, code: str) -> Campaign | None:
    return session.scalars(select(Campaign).where(Campaign.code == code)).one_or_none()


# Most captures carry a campaign code: its id, by a statement built once.
_ID_BY_CODE = select(Campaign.id, Campaign.code).where(Campaign.code == bindparam("code"))


def id_by_code(session: Session, code: str) -> tuple[uuid.UUID, str] | None:
    """The id and code of the campaign with this code, if there is one."""
    row = core(session).execute(_ID_BY_CODE, {"code": code}).one_or_none()
    return (row.id, row.code) if row else None


def by_utm(
    session: Session, *, utm_campaign: str, utm_source: str | None, utm_medium: str | None
) -> Campaign | None:
    """The campaign tagged with this utm_campaign, preferring one whose source and medium agree too."""
    rows = session.scalars(select(Campaign).where(Campaign.utm_campaign == utm_campaign)).all()
    ranked = sorted(
        rows,
        key=lambda c: (c.utm_source == utm_source) + (c.utm_medium == utm_medium),
        reverse=True,
    )
    return ranked[0] if ranked else None


def listed(session: Session, market_codes: frozenset[str] | None) -> Sequence[Campaign]:
    stmt = select(Campaign).order_by(Campaign.starts_on, Campaign.code)
    if market_codes is not None:
        stmt = stmt.where(Campaign.market_code.in_(market_codes))
    return session.scalars(stmt).all()
