"""HTTP routes of the market feature: markets and the city gazetteer."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from forecourt.kernel.context import RequestContext, request_context
from forecourt.market import service
from forecourt.market.schemas import CityRead, MarketRead

router = APIRouter(tags=["market"])


@router.get("/markets", response_model=list[MarketRead])
def list_markets(ctx: Annotated[RequestContext, Depends(request_context)]) -> list[MarketRead]:
    """The markets you may see, in rollout order."""
    return service.list_markets(ctx.uow)


@router.get("/markets/{code}", response_model=MarketRead)
def get_market(ctx: Annotated[RequestContext, Depends(request_context)], code: str) -> MarketRead:
    """One market by its ISO 3166-1 alpha-2 code."""
    return service.get_market(ctx.uow, code=code)


@router.get("/cities", response_model=CityRead)
def resolve_city(
    ctx: Annotated[RequestContext, Depends(request_context)],
    name: Annotated[
        str, Query(min_length=1, max_length=120, description="Any script: 上海, Shanghai")
    ],
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
) -> CityRead:
    """A city by name, with coordinates, tier and market; 404 with suggestions when unknown."""
    return service.resolve_city(ctx.uow, name=name, country=country)
