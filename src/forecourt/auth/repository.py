"""Every query of the auth feature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from forecourt.auth.models import ApiToken, User, UserMarket
from forecourt.kernel.records import AuditEntry


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


def token_with_user(session: Session, token_hash: str) -> tuple[ApiToken, User] | None:
    stmt = select(ApiToken, User).join(User).where(ApiToken.token_hash == token_hash)
    row = session.execute(stmt).one_or_none()
    return (row[0], row[1]) if row else None


def token_by_id(session: Session, token_id: uuid.UUID) -> ApiToken | None:
    return session.get(ApiToken, token_id)


def users(
    session: Session, *, market_codes: frozenset[str] | None, dealer_id: uuid.UUID | None
) -> Sequence[User]:
    """Users, optionally only those in some markets or of one dealer."""
    stmt = select(User).order_by(User.email)
    if market_codes is not None:
        stmt = stmt.where(User.markets.any(UserMarket.market_code.in_(market_codes)))
    if dealer_id is not None:
        stmt = stmt.where(User.dealer_id == dealer_id)
    return session.scalars(stmt).all()


def audit_entries(
    session: Session,
    *,
    market_codes: frozenset[str] | None,
    entity_type: str | None,
    entity_id: str | None,
    limit: int,
) -> Sequence[AuditEntry]:
    """The newest audit entries, filtered by scope and entity."""
    stmt: Select[AuditEntry] = select(AuditEntry).order_by(AuditEntry.at.desc())
    if market_codes is not None:
        stmt = stmt.where(AuditEntry.market_code.in_(market_codes))
    if entity_type:
        stmt = stmt.where(AuditEntry.entity_type == entity_type)
    if entity_id:
        stmt = stmt.where(AuditEntry.entity_id == entity_id)
    return session.scalars(stmt.limit(limit)).all()
