"""HTTP routes of communications: a customer's interaction log and their outbound messages."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from forecourt.comms import service
from forecourt.comms.schemas import InteractionCreate, InteractionRead, MessageRead, MessageRequest
from forecourt.kernel.context import RequestContext, request_context

router = APIRouter(tags=["communications"])
Ctx = Annotated[RequestContext, Depends(request_context)]
Limit = Annotated[int, Query(ge=1, le=service.LOG_LIMIT)]


@router.get("/customers/{customer_id}/interactions")
def list_interactions(
    ctx: Ctx, customer_id: uuid.UUID, limit: Limit = 100
) -> list[InteractionRead]:
    """Every interaction with the customer, newest first: enquiries, e-mails, calls, visits."""
    return service.list_interactions(ctx.uow, customer_id=customer_id, limit=limit)


@router.post("/customers/{customer_id}/interactions", status_code=201)
def record_interaction(
    ctx: Ctx, customer_id: uuid.UUID, body: InteractionCreate
) -> InteractionRead:
    """Record an interaction by hand: a call taken, a visit, a chat."""
    return service.record_interaction(ctx.uow, customer_id=customer_id, data=body)


@router.get("/customers/{customer_id}/messages")
def list_messages(ctx: Ctx, customer_id: uuid.UUID, limit: Limit = 100) -> list[MessageRead]:
    """The customer's outbound messages with their state: queued, sent, suppressed or failed."""
    return service.list_messages(ctx.uow, customer_id=customer_id, limit=limit)


@router.post("/customers/{customer_id}/messages", status_code=201)
def send_message(ctx: Ctx, customer_id: uuid.UUID, body: MessageRequest) -> MessageRead:
    """Queue a templated e-mail in the customer's language; without the consent it needs it is
    kept as suppressed, never sent."""
    return service.queue_message(
        ctx.uow,
        customer_id=customer_id,
        template=body.template,
        variables=body.variables,
        lead_id=body.lead_id,
    )
