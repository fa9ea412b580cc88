"""Every query of the auth feature."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import Session

from forecourt.auth.models import ApiToken, User, UserMarket
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.records import AuditEntry


def user_by_email(session: Session, email: str) -> User | None:
    return session.scalars(select(User).where(User.email == email)).one_or_none()


def user_by_id(session: Session, user_id: uuid.UUID) -> User | None:
    return session.get(User, user_id)


@dataclass(frozen=True)
class TokenHolder:
    """What checking a bearer token needs: the token's validity and its user's scope."""

    revoked_at: datetime | None
    expires_at: datetime
    active: bool
    principal: Principal

    def usable_at(self, now: datetime) -> bool:
        return self.revoked_at is None and now < self.expires_at


# Every API request checks its token: plain column reads, statements built once.
_TOKEN_HOLDER = (
    select(
        ApiToken.revoked_at,
        ApiToken.expires_at,
        User.active,
        User.id,
        User.email,
        User.role,
        User.dealer_id,
    )
    .join(User)
    .where(ApiToken.token_hash == bindparam("token_hash"))
)
_MARKETS_OF = select(UserMarket.market_code).where(UserMarket.user_id == bindparam("user_id"))


def token_holder(session: Session, token_hash: str) -> TokenHolder | None:
    """The token with this hash and the principal of its user, None if no token has it."""
    row = session.execute(_TOKEN_HOLDER, {"token_hash": token_hash}).one_or_none()
    if row is None:
        return None
    markets = session.execute(_MARKETS_OF, {"user_id": row.id}).scalars()
    principal = Principal(
        user_id=row.id,
        email=row.email,
        role=Role(row.role),
        market_codes=frozenset(markets),
        dealer_id=row.dealer_id,
    )
    return TokenHolder(row.revoked_at, row.expires_at, bool(row.active), principal)


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
