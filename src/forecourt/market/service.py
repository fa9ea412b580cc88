"""Use cases of the market feature."""

from __future__ import annotations

from forecourt.kernel.errors import Forbidden, NotFound
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import cities, reference, repository
from forecourt.market.models import Market
from forecourt.market.schemas import CityRead, MarketData, MarketRead


def list_markets(uow: UnitOfWork) -> list[MarketRead]:
    """The markets the caller may see, in rollout order."""
    with uow:
        markets = repository.list_all(uow.session)
        return [MarketRead.model_validate(m) for m in markets if uow.actor.sees_market(m.code)]


def get_market(uow: UnitOfWork, *, code: str) -> MarketRead:
    """One market by its ISO code; NotFound if unknown, Forbidden if outside the caller's scope."""
    code = code.upper()
    with uow:
        market = repository.get(uow.session, code)
        if market is None:
            raise NotFound(f"no market {code}", field="code", code=code)
        if not uow.actor.sees_market(code):
            raise Forbidden(f"market {code} is outside your scope", field="code", code=code)
        return MarketRead.model_validate(market)


def resolve_city(uow: UnitOfWork, *, name: str, country: str | None = None) -> CityRead:
    """The city called `name` in any script, with its market; NotFound with close suggestions."""
    city = cities.find_city(name, country)
    with uow:
        market = repository.get(uow.session, city.country)
        market_code = market.code if market else None
    return CityRead(
        geonameid=city.geonameid,
        name=city.name,
        country=city.country,
        latitude=city.latitude,
        longitude=city.longitude,
        population=city.population,
        timezone=city.timezone,
        tier=city.tier,
        market_code=market_code,
    )


def seed_reference_data(uow: UnitOfWork) -> int:
    """Load the markets of `data/markets.toml`, inserting or updating by code; idempotent."""
    if not uow.actor.is_hq:
        raise Forbidden("only HQ loads reference data")
    markets = reference.load_markets(reference.read_data_file())
    with uow:
        existing = repository.by_code(uow.session)
        for data in markets:
            _upsert(uow, existing.get(data.code), data)
        uow.commit()
    return len(markets)


def _upsert(uow: UnitOfWork, market: Market | None, data: MarketData) -> None:
    if market is None:
        uow.session.add(Market(**data.model_dump()))
        return
    for field, value in data.model_dump().items():
        setattr(market, field, value)
