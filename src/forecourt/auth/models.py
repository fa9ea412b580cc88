"""Users, their market scope, and API tokens."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from forecourt.db.base import Base
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Principal, Role


class User(Base):
    """A person who signs in: their role and their scope."""

    __tablename__ = "app_user"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str] = mapped_column(String(200))
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dealer.id", ondelete="RESTRICT"), default=None, index=True
    )
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime]
    markets: Mapped[list[UserMarket]] = relationship(cascade="all, delete-orphan", lazy="selectin")

    def principal(self) -> Principal:
        """The scope this user acts with."""
        return Principal(
            user_id=self.id,
            email=self.email,
            role=Role(self.role),
            market_codes=frozenset(m.market_code for m in self.markets),
            dealer_id=self.dealer_id,
        )


class UserMarket(Base):
    """One market in a user's scope (a market manager's markets; a dealer's market for its staff)."""

    __tablename__ = "user_market"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), primary_key=True
    )
    market_code: Mapped[str] = mapped_column(ForeignKey("market.code"), primary_key=True)


class ApiToken(Base):
    """A bearer credential; only its hash is stored, so a database leak reveals no token."""

    __tablename__ = "api_token"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("app_user.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    expires_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)
