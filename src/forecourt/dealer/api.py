"""HTTP routes of the dealer network."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Query

from forecourt.dealer import service
from forecourt.dealer.schemas import (
    DealerDetail,
    DealerDistance,
    DealerKind,
    DealerRead,
    DealerUpdate,
    RoutingPolicyData,
    RoutingPolicyRead,
    StaffRead,
    StaffShifts,
)
from forecourt.kernel.context import RequestContext, request_context

router = APIRouter(tags=["dealer"])


@router.get("/dealers", response_model=list[DealerRead])
def list_dealers(
    ctx: Annotated[RequestContext, Depends(request_context)],
    market: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    kind: DealerKind | None = None,
) -> list[DealerRead]:
    """The dealers you may see, optionally of one market and kind."""
    return service.list_dealers(ctx.uow, market_code=market, kind=kind)


@router.get("/dealers/nearest", response_model=list[DealerDistance])
def nearest_dealers(
    ctx: Annotated[RequestContext, Depends(request_context)],
    lat: Annotated[float | None, Query(ge=-90, le=90)] = None,
    lon: Annotated[float | None, Query(ge=-180, le=180)] = None,
    city: Annotated[str | None, Query(min_length=1, max_length=120)] = None,
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
    limit: Annotated[int, Query(ge=1, le=service.MAX_NEAREST)] = 5,
    kind: Annotated[list[DealerKind] | None, Query()] = None,
) -> list[DealerDistance]:
    """Active dealers nearest a point (lat, lon) or a city (any script), nearest first."""
    return service.nearest_dealers(
        ctx.uow,
        latitude=lat,
        longitude=lon,
        city=city,
        country=country,
        limit=limit,
        kinds=list(kind) if kind else None,
    )


@router.get("/dealers/{dealer_id}", response_model=DealerDetail)
def get_dealer(
    ctx: Annotated[RequestContext, Depends(request_context)], dealer_id: uuid.UUID
) -> DealerDetail:
    """One dealer with its staff."""
    return service.get_dealer(ctx.uow, dealer_id=dealer_id)


@router.patch("/dealers/{dealer_id}", response_model=DealerRead)
def update_dealer(
    ctx: Annotated[RequestContext, Depends(request_context)],
    dealer_id: uuid.UUID,
    data: DealerUpdate,
) -> DealerRead:
    """Change a dealer's opening hours, daily capacity, phone, e-mail, activity, its subdivision
    (the state or province whose holidays it keeps, e.g. "BY"; null: national only), or the
    public holidays it trades on: true (all), false (none), a list of their names, or null (as
    its market's routing policy says)."""
    return service.update_dealer(ctx.uow, dealer_id=dealer_id, data=data)


@router.get("/dealers/routing-policies/{market_code}", response_model=RoutingPolicyRead)
def get_routing_policy(
    ctx: Annotated[RequestContext, Depends(request_context)], market_code: str
) -> RoutingPolicyRead:
    """How a market routes its leads (the defaults if it set none)."""
    return service.get_routing_policy(ctx.uow, market_code=market_code)


@router.put("/dealers/routing-policies/{market_code}", response_model=RoutingPolicyRead)
def set_routing_policy(
    ctx: Annotated[RequestContext, Depends(request_context)],
    market_code: str,
    data: RoutingPolicyData,
) -> RoutingPolicyRead:
    """Set how a market routes its leads: brand dealers first, staff rotation, radii, attempts,
    and the public holidays its dealers trade on (true, false or a list of their names)."""
    return service.set_routing_policy(ctx.uow, market_code=market_code, data=data)


@router.put("/dealers/{dealer_id}/shifts", response_model=list[StaffRead])
def set_staff_shifts(
    ctx: Annotated[RequestContext, Depends(request_context)],
    dealer_id: uuid.UUID,
    data: StaffShifts,
) -> list[StaffRead]:
    """Set when a dealer's people work, by staff id (null: whenever the dealer is open)."""
    return service.set_staff_shifts(ctx.uow, dealer_id=dealer_id, data=data)
