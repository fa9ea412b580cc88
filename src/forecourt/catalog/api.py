"""HTTP adapter of the catalog feature: parse, call one service function, render."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from forecourt.catalog import service
from forecourt.catalog.schemas import (
    CatalogRead,
    ConfigurationCheck,
    ConfigurationResult,
    MarketOfferRead,
    PriceRead,
    PriceUpdate,
)
from forecourt.kernel.context import RequestContext, request_context

router = APIRouter(tags=["catalog"])


@router.get("/catalog", response_model=CatalogRead)
def get_catalog(ctx: Annotated[RequestContext, Depends(request_context)]) -> CatalogRead:
    """The platform with its body styles, models, trims and options with their rules."""
    return service.get_catalog(ctx.uow)


@router.get("/catalog/markets/{market_code}", response_model=MarketOfferRead)
def market_offer(
    market_code: str, ctx: Annotated[RequestContext, Depends(request_context)]
) -> MarketOfferRead:
    """What a market gets, priced in its currency (minor units)."""
    return service.market_offer(ctx.uow, market_code=market_code)


@router.post("/catalog/configurations/check", response_model=ConfigurationResult)
def check_configuration(
    data: ConfigurationCheck, ctx: Annotated[RequestContext, Depends(request_context)]
) -> ConfigurationResult:
    """Price a build in its market; 422 naming every rule it breaks."""
    return service.check_configuration(ctx.uow, data=data)


@router.put("/catalog/markets/{market_code}/prices/{item_code}", response_model=PriceRead)
def update_price(
    market_code: str,
    item_code: str,
    data: PriceUpdate,
    ctx: Annotated[RequestContext, Depends(request_context)],
) -> PriceRead:
    """Set a market's price of a model, trim or option; HQ or that market's manager."""
    return service.update_price(
        ctx.uow, market_code=market_code, item_code=item_code, amount_minor=data.amount_minor
    )
