"""HTTP routes of campaigns."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from forecourt.campaign import service
from forecourt.campaign.schemas import CampaignCreate, CampaignRead
from forecourt.kernel.context import RequestContext, request_context

router = APIRouter(tags=["campaigns"])
Ctx = Annotated[RequestContext, Depends(request_context)]


@router.get("/campaigns")
def list_campaigns(ctx: Ctx) -> list[CampaignRead]:
    """Campaigns in the caller's markets."""
    return service.list_campaigns(ctx.uow)


@router.post("/campaigns", status_code=201)
def create_campaign(ctx: Ctx, body: CampaignCreate) -> CampaignRead:
    """Create a campaign (HQ or the market's manager)."""
    return service.create_campaign(ctx.uow, data=body)
