"""Use cases of auth: create users, issue and verify credentials, read the audit trail."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from email_validator import EmailNotValidError, validate_email

from forecourt.auth import repository as repo
from forecourt.auth import tokens, verified
from forecourt.auth.models import ApiToken, User, UserMarket
from forecourt.auth.passwords import hash_password, needs_rehash, verify_password
from forecourt.auth.schemas import (
    AuditEntryRead,
    IssuedToken,
    UserCreate,
    UserRead,
)
from forecourt.dealer import service as dealer_service
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as market_service

DEFAULT_TOKEN_TTL = timedelta(days=365)


def create_user(uow: UnitOfWork, **fields: object) -> UserRead:
    """Create a user with a role and scope; only brand HQ may. Fields as in `UserCreate`."""
    data = UserCreate.model_validate(fields)
    with uow:
        _require_hq(uow.actor)
        email = _normalised_email(data.email)
        if repo.user_by_email(uow.session, email):
            raise InvalidInput("a user with this e-mail exists", field="email")
        user = _new_user(uow, data, email, _scope(uow, data))
        uow.session.add(user)
        uow.audit("user.created", "user", user.id, changes={"email": email, "role": data.role})
        uow.commit()
        return _read(user)


def _new_user(
    uow: UnitOfWork, data: UserCreate, email: str, scope: tuple[list[str], uuid.UUID | None]
) -> User:
    market_codes, dealer_id = scope
    return User(
        id=new_id(),  # known before flush, so the audit entry can name it
        email=email,
        name=data.name,
        role=data.role.value,
        password_hash=hash_password(data.password),
        dealer_id=dealer_id,
        created_at=uow.clock.now(),
        markets=[UserMarket(market_code=code) for code in market_codes],
    )


def _scope(uow: UnitOfWork, data: UserCreate) -> tuple[list[str], uuid.UUID | None]:
    """Check the scope fits the role: markets for a market manager, one dealer for dealer staff."""
    if data.role is Role.DEALER_STAFF:
        if not data.dealer_code:
            raise InvalidInput("dealer staff need a dealer", field="dealer_code")
        dealer = dealer_service.get_dealer_by_code(uow, code=data.dealer_code)
        return [dealer.market_code], dealer.id
    if data.dealer_code:
        raise InvalidInput("only dealer staff belong to a dealer", field="dealer_code")
    if data.role is Role.MARKET_MANAGER and not data.market_codes:
        raise InvalidInput("a market manager needs at least one market", field="market_codes")
    for code in data.market_codes:
        market_service.get_market(uow, code=code)  # raises NotFound for an unknown market
    return sorted(set(data.market_codes)), None


def _normalised_email(email: str) -> str:
    try:
        return validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise InvalidInput(str(exc), field="email") from exc


def _require_hq(actor: Principal) -> None:
    if not actor.is_hq:
        raise Forbidden("only brand HQ may manage users")


def _read(user: User) -> UserRead:
    return UserRead(
        id=user.id,
        email=user.email,
        name=user.name,
        role=Role(user.role),
        market_codes=sorted(m.market_code for m in user.markets),
        dealer_id=user.dealer_id,
        active=user.active,
    )


def list_users(uow: UnitOfWork) -> list[UserRead]:
    """The users the caller may see: all for HQ, their markets' users for a market manager."""
    actor = uow.actor
    with uow:
        if actor.role is Role.HQ:
            found = repo.users(uow.session, market_codes=None, dealer_id=None)
        elif actor.role is Role.MARKET_MANAGER:
            found = repo.users(uow.session, market_codes=actor.market_codes, dealer_id=None)
        else:
            found = [u for u in [repo.user_by_id(uow.session, actor.user_id)] if u]
        return [_read(user) for user in found]


def issue_token_for(
    uow: UnitOfWork, *, email: str, name: str, ttl_days: int | None = None
) -> IssuedToken:
    """Issue an API token to a user (HQ for anyone, anyone for themselves); shown once."""
    with uow:
        user = repo.user_by_email(uow.session, _normalised_email(email))
        if user is None or not user.active:
            raise NotFound("no such active user", field="email")
        if not (uow.actor.is_hq or uow.actor.user_id == user.id):
            raise Forbidden("tokens may be issued only to oneself")
        issued = _add_token(uow, user, name, ttl_days)
        uow.commit()
        return issued


def issue_token(uow: UnitOfWork, *, name: str, ttl_days: int | None = None) -> IssuedToken:
    """Issue an API token to the caller themselves."""
    return issue_token_for(uow, email=uow.actor.email, name=name, ttl_days=ttl_days)


def _add_token(uow: UnitOfWork, user: User, name: str, ttl_days: int | None) -> IssuedToken:
    secret, now = tokens.new_token(), uow.clock.now()
    ttl = timedelta(days=ttl_days) if ttl_days else DEFAULT_TOKEN_TTL
    row = ApiToken(
        id=new_id(),
        user_id=user.id,
        name=name,
        token_hash=tokens.token_hash(secret),
        created_at=now,
        expires_at=now + ttl,
    )
    uow.session.add(row)
    uow.audit("token.issued", "user", user.id, changes={"token_id": str(row.id), "name": name})
    return IssuedToken(id=row.id, name=name, token=secret, expires_at=row.expires_at)


def revoke_token(uow: UnitOfWork, *, token_id: uuid.UUID) -> None:
    """Revoke a token at once; its owner or HQ may."""
    with uow:
        row = repo.token_by_id(uow.session, token_id)
        if row is None or not (uow.actor.is_hq or row.user_id == uow.actor.user_id):
            raise NotFound("no such token", field="token_id")
        row.revoked_at = row.revoked_at or uow.clock.now()
        uow.audit("token.revoked", "user", row.user_id, changes={"token_id": str(row.id)})
        uow.commit()
        verified.forget(row.token_hash)


def recall_token(token: str, now: datetime) -> Principal | None:
    """The principal of a token this process verified a moment ago (see `auth.verified`), without
    a query; None when it has to be checked against the database."""
    return verified.recall(tokens.token_hash(token), now) if tokens.is_well_formed(token) else None


def authenticate_token(uow: UnitOfWork, *, token: str) -> Principal:
    """The principal behind a bearer token; Unauthenticated when malformed, unknown or unusable."""
    if not tokens.is_well_formed(token):
        raise Unauthenticated("malformed token")
    token_hash = tokens.token_hash(token)
    with uow:
        holder = repo.token_holder(uow.session, token_hash)
        if holder is None:
            raise Unauthenticated("unknown token")
        if not (holder.usable_at(uow.clock.now()) and holder.active):
            raise Unauthenticated("token expired or revoked")
        verified.remember(token_hash, holder.expires_at, holder.principal)
        return holder.principal


def authenticate_password(uow: UnitOfWork, *, email: str, password: str) -> Principal:
    """Verify an e-mail and password for the web console; rehash when parameters have moved on."""
    with uow:
        user = repo.user_by_email(uow.session, email.strip().lower())
        ok = verify_password(user.password_hash if user else None, password)
        if user is None or not ok or not user.active:
            raise Unauthenticated("wrong e-mail or password")
        if needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
            uow.commit()
        return user.principal()


def principal_for_session(uow: UnitOfWork, *, user_id: str) -> Principal:
    """The principal of a signed-in web session (the user may have been deactivated since)."""
    with uow:
        try:
            user = repo.user_by_id(uow.session, uuid.UUID(user_id))
        except ValueError:
            user = None
        if user is None or not user.active:
            raise Unauthenticated("session no longer valid")
        return user.principal()


def audit_trail(
    uow: UnitOfWork,
    *,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: int = 100,
) -> list[AuditEntryRead]:
    """Who changed what: all for HQ, their markets for a market manager, nothing for others."""
    actor = uow.actor
    if actor.role not in (Role.HQ, Role.MARKET_MANAGER):
        raise Forbidden("the audit trail is for HQ and market managers")
    scope = None if actor.is_hq else actor.market_codes
    with uow:
        rows = repo.audit_entries(
            uow.session,
            market_codes=scope,
            entity_type=entity_type,
            entity_id=entity_id,
            limit=limit,
        )
        return [AuditEntryRead.model_validate(row) for row in rows]
