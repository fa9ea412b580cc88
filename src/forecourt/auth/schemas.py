"""What the auth feature reads and writes across its boundary."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from forecourt.kernel.principal import Role


class UserCreate(BaseModel):
    """A new user: role and scope; the password is hashed and never returned."""

    email: str = Field(max_length=320)
    name: str = Field(min_length=1, max_length=200)
    role: Role
    password: str = Field(min_length=12, max_length=200)
    market_codes: list[str] = Field(default_factory=list)
    dealer_code: str | None = None


class UserRead(BaseModel):
    """A user as others may see them."""

    id: uuid.UUID
    email: str
    name: str
    role: Role
    market_codes: list[str]
    dealer_id: uuid.UUID | None
    active: bool


class TokenCreate(BaseModel):
    """A request for a new API token for oneself."""

    name: str = Field(min_length=1, max_length=100)
    ttl_days: int | None = Field(default=None, ge=1, le=3650)


class IssuedToken(BaseModel):
    """A new API token. `token` is shown this once; only its hash is kept."""

    id: uuid.UUID
    name: str
    token: str
    expires_at: datetime


class AuditEntryRead(BaseModel):
    """One change in the audit trail."""

    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor_email: str
    action: str
    entity_type: str
    entity_id: str
    market_code: str | None
    changes: dict[str, Any]


class DemoCredential(BaseModel):
    """A demo sign-in printed by `forecourt demo`."""

    email: str
    password: str
    role: Role
    scope: str
