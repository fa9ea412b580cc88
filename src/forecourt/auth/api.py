"""HTTP routes of auth: who am I, users, tokens, the audit trail."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from forecourt.auth import service
from forecourt.auth.schemas import AuditEntryRead, IssuedToken, TokenCreate, UserCreate, UserRead
from forecourt.kernel.context import RequestContext, request_context
from forecourt.kernel.principal import Principal

router = APIRouter(tags=["auth"])
Ctx = Annotated[RequestContext, Depends(request_context)]


@router.get("/me")
def me(ctx: Ctx) -> dict[str, object]:
    """The caller's identity, role and scope."""
    p: Principal = ctx.principal
    return {
        "user_id": str(p.user_id),
        "email": p.email,
        "role": p.role.value,
        "market_codes": sorted(p.market_codes),
        "dealer_id": str(p.dealer_id) if p.dealer_id else None,
    }


@router.get("/users")
def list_users(ctx: Ctx) -> list[UserRead]:
    """Users within the caller's scope."""
    return service.list_users(ctx.uow)


@router.post("/users", status_code=201)
def create_user(ctx: Ctx, body: UserCreate) -> UserRead:
    """Create a user (brand HQ only)."""
    return service.create_user(ctx.uow, **body.model_dump())


@router.post("/tokens", status_code=201)
def issue_token(ctx: Ctx, body: TokenCreate) -> IssuedToken:
    """Issue an API token for the caller; the token is shown only in this response."""
    return service.issue_token(ctx.uow, name=body.name, ttl_days=body.ttl_days)


@router.delete("/tokens/{token_id}", status_code=204)
def revoke_token(ctx: Ctx, token_id: uuid.UUID) -> Response:
    """Revoke one of the caller's tokens (HQ: anyone's)."""
    service.revoke_token(ctx.uow, token_id=token_id)
    return Response(status_code=204)


@router.get("/audit")
def audit_trail(
    ctx: Ctx,
    entity_type: str | None = None,
    entity_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> list[AuditEntryRead]:
    """Who changed what, newest first, within the caller's scope."""
    return service.audit_trail(ctx.uow, entity_type=entity_type, entity_id=entity_id, limit=limit)
