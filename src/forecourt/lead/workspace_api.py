"""HTTP routes of the dealer workspace, and of speed-to-lead and escalations for the network:
the market manager's list of escalated leads and their actions on one."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import JSONResponse

from forecourt.kernel.context import RequestContext, request_context
from forecourt.lead import escalation, speed_to_lead, workspace
from forecourt.lead.speed_to_lead import GroupBy
from forecourt.lead.workspace_schemas import (
    AttentionItem,
    ContactIn,
    ContactLogged,
    Decline,
    Declined,
    EscalationAssign,
    EscalationClose,
    EscalationHandled,
    QueueItem,
    SpeedToLead,
    StatusChange,
    WorkspaceLead,
)

router = APIRouter(tags=["workspace"])
Ctx = Annotated[RequestContext, Depends(request_context)]


@router.get("/workspace/leads")
def my_queue(ctx: Ctx, status: str | None = None, limit: int = 50) -> list[QueueItem]:
    """My dealer's leads still in play (or in one status), the nearest response deadline first."""
    return workspace.my_queue(ctx.uow, status=status, limit=limit)


@router.get("/workspace/leads/{lead_id}")
def get_lead(ctx: Ctx, lead_id: uuid.UUID) -> WorkspaceLead:
    """One of my dealer's leads with the customer's golden profile, contacts and response clock."""
    return workspace.get_lead(ctx.uow, lead_id=lead_id)


@router.post("/workspace/leads/{lead_id}/accept")
def accept(ctx: Ctx, lead_id: uuid.UUID) -> QueueItem:
    """Take the lead on; the response clock keeps running until the first contact."""
    return workspace.accept(ctx.uow, lead_id=lead_id)


@router.post("/workspace/leads/{lead_id}/decline")
def decline(ctx: Ctx, lead_id: uuid.UUID, body: Decline) -> Declined:
    """Turn the lead down with a reason; it goes to the next eligible dealer or is escalated."""
    return workspace.decline(ctx.uow, lead_id=lead_id, reason=body.reason)


@router.post("/workspace/leads/{lead_id}/contacts", status_code=201, response_model=ContactLogged)
def log_contact(
    ctx: Ctx,
    lead_id: uuid.UUID,
    body: ContactIn,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> JSONResponse:
    """Log a contact attempt; the first one is the lead's first response. A retry with the same
    Idempotency-Key or client_id returns the first with 200."""
    logged = workspace.log_contact(
        ctx.uow, lead_id=lead_id, data=body, idempotency_key=idempotency_key
    )
    return JSONResponse(logged.model_dump(mode="json"), status_code=201 if logged.created else 200)


@router.post("/workspace/leads/{lead_id}/status")
def set_status(ctx: Ctx, lead_id: uuid.UUID, body: StatusChange) -> QueueItem:
    """Move the lead on: contacted, appointment, test_drive_booked, won, or lost with a reason."""
    return workspace.set_status(ctx.uow, lead_id=lead_id, status=body.status, reason=body.reason)


@router.get("/response/speed-to-lead", tags=["response"])
def get_speed_to_lead(
    ctx: Ctx,
    group_by: GroupBy = "dealer",
    market_code: Annotated[str | None, Query(max_length=2)] = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> SpeedToLead:
    """First-response times per dealer, channel or market (HQ; market managers, their markets)."""
    return speed_to_lead.speed_to_lead(
        ctx.uow, group_by=group_by, market_code=market_code, since=since, until=until
    )


@router.get("/response/escalations", tags=["response"])
def get_escalations(
    ctx: Ctx, market_code: Annotated[str | None, Query(max_length=2)] = None, limit: int = 100
) -> list[AttentionItem]:
    """Escalated leads and leads no dealer could take, for the market manager to handle."""
    return speed_to_lead.needing_attention(ctx.uow, market_code=market_code, limit=limit)


@router.post("/response/escalations/{lead_id}/assign", tags=["response"])
def assign_escalated(ctx: Ctx, lead_id: uuid.UUID, body: EscalationAssign) -> EscalationHandled:
    """Give an escalated lead to a dealer of your choice (by code, of the lead's market), with a
    reason; it is routed by rule "manual" and starts a fresh response clock."""
    return escalation.assign_escalated(
        ctx.uow, lead_id=lead_id, dealer_code=body.dealer_code, reason=body.reason
    )


@router.post("/response/escalations/{lead_id}/close", tags=["response"])
def close_escalated(ctx: Ctx, lead_id: uuid.UUID, body: EscalationClose) -> EscalationHandled:
    """Close an escalated lead as lost, with a reason."""
    return escalation.close_escalated(ctx.uow, lead_id=lead_id, reason=body.reason)
