"""What the catalog feature reads and writes at its edges."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict, Field

from forecourt.catalog import policies
from forecourt.catalog.snapshot import (
    Catalogue,
    MarketFacts,
    ModelSpec,
    Offer,
    OptionSpec,
    TrimSpec,
)


class PlatformRead(BaseModel):
    code: str
    name: str


class BodyStyleRead(BaseModel):
    code: str
    name: str


class ModelRead(BaseModel):
    code: str
    name: str
    body_style: str


class TrimRead(BaseModel):
    code: str
    name: str
    line: str = Field(description='"core", or "young" for the youth sub-brand')
    body_styles: list[str]


class OptionRead(BaseModel):
    """An option and its rules."""

    code: str
    name: str
    group: str | None = Field(description="Choice group: exactly one option of it is chosen")
    trims: list[str]
    requires: list[str]
    excludes: list[str]
    drive_sides: list[str]

    @classmethod
    def of(cls, option: OptionSpec) -> OptionRead:
        return cls(
            code=option.code,
            name=option.name,
            group=option.group,
            trims=sorted(option.trims),
            requires=list(option.requires),
            excludes=sorted(option.excludes),
            drive_sides=sorted(option.drive_sides),
        )


class CatalogRead(BaseModel):
    """The platform and everything built on it."""

    platform: PlatformRead
    body_styles: list[BodyStyleRead]
    models: list[ModelRead]
    trims: list[TrimRead]
    options: list[OptionRead]

    @classmethod
    def of(cls, catalogue: Catalogue) -> CatalogRead:
        return cls(
            platform=PlatformRead(code=catalogue.platform_code, name=catalogue.platform_name),
            body_styles=[
                BodyStyleRead(code=b.code, name=b.name) for b in catalogue.body_styles.values()
            ],
            models=[
                ModelRead(code=m.code, name=m.name, body_style=m.body_style)
                for m in catalogue.models.values()
            ],
            trims=[
                TrimRead(code=t.code, name=t.name, line=t.line, body_styles=sorted(t.body_styles))
                for t in catalogue.trims.values()
            ],
            options=[OptionRead.of(o) for o in catalogue.options.values()],
        )


class OfferedItem(BaseModel):
    """A model, trim or option a market gets, with its price there (None when it has none)."""

    code: str
    name: str
    amount_minor: int | None


class OfferedModel(OfferedItem):
    body_style: str


class OfferedTrim(OfferedItem):
    line: str
    body_styles: list[str]


class OfferedOption(OfferedItem):
    group: str | None
    trims: list[str]


class MarketOfferRead(BaseModel):
    """What one market gets, priced in its currency (minor units)."""

    market_code: str
    currency: str
    drive_side: str
    body_styles: list[str]
    models: list[OfferedModel]
    trims: list[OfferedTrim]
    options: list[OfferedOption]


class ConfigurationCheck(BaseModel):
    """A build to check: a model in a trim with options, for one market."""

    model_config = ConfigDict(extra="forbid")

    market: str = Field(pattern=r"^[A-Za-z]{2}$")
    model: str = Field(min_length=1, max_length=40)
    trim: str = Field(min_length=1, max_length=40)
    options: list[str] = Field(default_factory=list, max_length=100)


class ConfigurationLine(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    amount_minor: int


class ConfigurationResult(BaseModel):
    """A valid build and its price in the market's currency."""

    valid: bool
    market: str
    drive_side: str
    currency: str
    lines: list[ConfigurationLine]
    total_minor: int


class PriceUpdate(BaseModel):
    """A new price in minor units of the market's currency."""

    model_config = ConfigDict(extra="forbid")

    amount_minor: int = Field(ge=0, le=10**13)


class PriceRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    market_code: str
    item_code: str
    currency: str
    amount_minor: int
    updated_at: datetime


def offer_read(catalogue: Catalogue, offer: Offer, market: MarketFacts) -> MarketOfferRead:
    """What `market` gets of `catalogue`, each item with its price in the market's currency."""

    def amount(code: str) -> int | None:
        price = offer.prices.get(code)
        return price.amount_minor if price and price.currency == market.currency else None

    return MarketOfferRead(
        market_code=market.code,
        currency=market.currency,
        drive_side=market.drive_side,
        body_styles=[b for b in catalogue.body_styles if b in offer.body_styles],
        models=[_model(m, amount(m.code)) for m in policies.offered_models(catalogue, offer)],
        trims=[_trim(t, offer, amount(t.code)) for t in policies.offered_trims(catalogue, offer)],
        options=[
            _option(o, offer, amount(o.code))
            for o in policies.offered_options(catalogue, offer, market.drive_side)
        ],
    )


def _model(model: ModelSpec, amount: int | None) -> OfferedModel:
    return OfferedModel(
        code=model.code, name=model.name, body_style=model.body_style, amount_minor=amount
    )


def _trim(trim: TrimSpec, offer: Offer, amount: int | None) -> OfferedTrim:
    styles = sorted(trim.body_styles & offer.body_styles)
    return OfferedTrim(
        code=trim.code, name=trim.name, line=trim.line, body_styles=styles, amount_minor=amount
    )


def _option(option: OptionSpec, offer: Offer, amount: int | None) -> OfferedOption:
    trims = sorted(option.trims & offer.trims)
    return OfferedOption(
        code=option.code, name=option.name, group=option.group, trims=trims, amount_minor=amount
    )
