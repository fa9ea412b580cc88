"""Every query of the catalog feature."""

from __future__ import annotations

from datetime import datetime
from types import MappingProxyType

from sqlalchemy import select
from sqlalchemy.orm import Session

from forecourt.catalog.models import (
    BodyStyle,
    CarModel,
    MarketOffer,
    Option,
    Platform,
    Price,
    Trim,
)
from forecourt.catalog.reference import Reference
from forecourt.catalog.snapshot import Catalogue, Offer, OptionSpec, catalogue_of
from forecourt.db.base import Base
from forecourt.kernel.errors import NotFound


def load_catalogue(session: Session) -> Catalogue:
    """The whole catalogue as an immutable snapshot, in catalogue order."""
    platform = session.scalars(select(Platform).order_by(Platform.code)).first()
    if platform is None:
        raise NotFound("the catalogue has not been loaded yet")
    return catalogue_of(
        (platform.code, platform.name),
        [b.spec() for b in session.scalars(select(BodyStyle).order_by(BodyStyle.position))],
        [m.spec() for m in session.scalars(select(CarModel).order_by(CarModel.position))],
        [t.spec() for t in session.scalars(select(Trim).order_by(Trim.position))],
        [o.spec() for o in session.scalars(select(Option).order_by(Option.position))],
    )


def load_offer(session: Session, market_code: str) -> Offer:
    """What one market gets and its price list; empty when the market has no offer yet."""
    offer = session.get(MarketOffer, market_code)
    prices = session.scalars(select(Price).where(Price.market_code == market_code))
    return Offer(
        market_code=market_code,
        body_styles=frozenset(offer.body_styles if offer else ()),
        trims=frozenset(offer.trims if offer else ()),
        prices=MappingProxyType({p.item_code: p.money() for p in prices}),
    )


def get_price(session: Session, market_code: str, item_code: str) -> Price | None:
    return session.get(Price, (market_code, item_code))


def save_reference(session: Session, reference: Reference, now: datetime) -> None:
    """Insert or update every catalogue row of `reference`; prices are only added when missing."""
    for row in _catalogue_rows(reference.catalogue):
        session.merge(row)
    session.flush()
    for offer in reference.offers.values():
        session.merge(
            MarketOffer(
                market_code=offer.market_code,
                body_styles=sorted(offer.body_styles),
                trims=sorted(offer.trims),
            )
        )
        _add_missing_prices(session, offer, now)


def _add_missing_prices(session: Session, offer: Offer, now: datetime) -> None:
    query = select(Price.item_code).where(Price.market_code == offer.market_code)
    priced = set(session.scalars(query))
    for code, money in offer.prices.items():
        if code not in priced:
            session.add(
                Price(
                    market_code=offer.market_code,
                    item_code=code,
                    currency=money.currency,
                    amount_minor=money.amount_minor,
                    updated_at=now,
                )
            )


def _catalogue_rows(catalogue: Catalogue) -> list[Base]:
    platform = catalogue.platform_code
    rows: list[Base] = [Platform(code=platform, name=catalogue.platform_name)]
    rows += [
        BodyStyle(code=b.code, platform_code=platform, name=b.name, position=i)
        for i, b in enumerate(catalogue.body_styles.values())
    ]
    rows += [
        CarModel(code=m.code, name=m.name, body_style_code=m.body_style, position=i)
        for i, m in enumerate(catalogue.models.values())
    ]
    rows += [
        Trim(code=t.code, name=t.name, line=t.line, body_styles=sorted(t.body_styles), position=i)
        for i, t in enumerate(catalogue.trims.values())
    ]
    return rows + [_option_row(o, i) for i, o in enumerate(catalogue.options.values())]


def _option_row(option: OptionSpec, position: int) -> Option:
    return Option(
        code=option.code,
        name=option.name,
        choice_group=option.group,
        trims=sorted(option.trims),
        requires=list(option.requires),
        excludes=sorted(option.excludes),
        drive_sides=sorted(option.drive_sides),
        position=position,
    )
