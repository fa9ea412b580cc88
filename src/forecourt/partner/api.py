"""HTTP routes of partner webhooks: subscriptions, deliveries, the dead-letter list and replay."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from forecourt.kernel.context import RequestContext, request_context
from forecourt.partner import service
from forecourt.partner.schemas import (
    DeliveryRead,
    ReplayResult,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionRead,
    SubscriptionUpdate,
)

router = APIRouter(prefix="/partner", tags=["partner webhooks"])
Ctx = Annotated[RequestContext, Depends(request_context)]
Limit = Annotated[int, Query(ge=1, le=service.LIST_LIMIT)]
State = Annotated[str | None, Query(pattern=r"^(pending|retrying|delivered|dead)$")]


@router.post("/subscriptions", status_code=201)
def create_subscription(ctx: Ctx, body: SubscriptionCreate) -> SubscriptionCreated:
    """Subscribe an endpoint to events; the signing secret is in this answer only."""
    return service.create_subscription(ctx.uow, data=body)


@router.get("/subscriptions")
def list_subscriptions(ctx: Ctx) -> list[SubscriptionRead]:
    """Every subscription (brand HQ only)."""
    return service.list_subscriptions(ctx.uow)


@router.get("/subscriptions/{subscription_id}")
def get_subscription(ctx: Ctx, subscription_id: uuid.UUID) -> SubscriptionRead:
    """One subscription, without its secret."""
    return service.get_subscription(ctx.uow, subscription_id=subscription_id)


@router.patch("/subscriptions/{subscription_id}")
def update_subscription(
    ctx: Ctx, subscription_id: uuid.UUID, body: SubscriptionUpdate
) -> SubscriptionRead:
    """Change a subscription; `active: false` pauses it, a new `secret` rotates it."""
    return service.update_subscription(ctx.uow, subscription_id=subscription_id, data=body)


@router.delete("/subscriptions/{subscription_id}", status_code=204)
def delete_subscription(ctx: Ctx, subscription_id: uuid.UUID) -> None:
    """Remove a subscription and its deliveries."""
    service.delete_subscription(ctx.uow, subscription_id=subscription_id)


@router.get("/deliveries")
def list_deliveries(
    ctx: Ctx, state: State = None, subscription_id: uuid.UUID | None = None, limit: Limit = 100
) -> list[DeliveryRead]:
    """Deliveries, oldest first, filtered by state and subscription."""
    return service.list_deliveries(
        ctx.uow, state=state, subscription_id=subscription_id, limit=limit
    )


@router.get("/dead-letters")
def list_dead_letters(
    ctx: Ctx, subscription_id: uuid.UUID | None = None, limit: Limit = 100
) -> list[DeliveryRead]:
    """Deliveries that failed every attempt, oldest first, with their last error."""
    return service.list_deliveries(
        ctx.uow, state="dead", subscription_id=subscription_id, limit=limit
    )


@router.post("/dead-letters/replay")
def replay_dead_letters(ctx: Ctx, subscription_id: uuid.UUID | None = None) -> ReplayResult:
    """Send dead letters again (of one subscription, or all), with fresh attempts."""
    count = service.replay_dead_letters(ctx.uow, subscription_id=subscription_id)
    return ReplayResult(replayed=count)


@router.post("/dead-letters/{delivery_id}/replay")
def replay_dead_letter(ctx: Ctx, delivery_id: uuid.UUID) -> DeliveryRead:
    """Send one dead letter again, with fresh attempts."""
    return service.replay_dead_letter(ctx.uow, delivery_id=delivery_id)
