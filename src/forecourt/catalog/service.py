"""Use cases of the catalog feature."""

from __future__ import annotations

from forecourt.catalog import policies, reference, repository
from forecourt.catalog.events import PriceChanged
from forecourt.catalog.models import Price
from forecourt.catalog.schemas import (
    CatalogRead,
    ConfigurationCheck,
    ConfigurationLine,
    ConfigurationResult,
    MarketOfferRead,
    PriceRead,
    offer_read,
)
from forecourt.catalog.snapshot import Catalogue, MarketFacts, Money, Offer
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as market_service


def get_catalog(uow: UnitOfWork) -> CatalogRead:
    """The platform with its body styles, models, trims and options with their rules."""
    with uow:
        return CatalogRead.of(repository.load_catalogue(uow.session))


def market_offer(uow: UnitOfWork, *, market_code: str) -> MarketOfferRead:
    """What a market gets, priced in its currency; NotFound for an unknown market."""
    market, catalogue, offer = _load(uow, market_code)
    return offer_read(catalogue, offer, market)


def check_configuration(uow: UnitOfWork, *, data: ConfigurationCheck) -> ConfigurationResult:
    """Price a build in its market, or raise InvalidInput naming every rule it breaks."""
    market, catalogue, offer = _load(uow, data.market)
    build = policies.Configuration(model=data.model, trim=data.trim, options=tuple(data.options))
    verdict = policies.check_configuration(catalogue, market, offer, build)
    if not verdict.valid:
        violations = [v.as_dict() for v in verdict.violations]
        raise InvalidInput(f"configuration breaks {len(violations)} rule(s)", violations=violations)
    return ConfigurationResult(
        valid=True,
        market=market.code,
        drive_side=market.drive_side,
        currency=market.currency,
        lines=[ConfigurationLine.model_validate(line) for line in verdict.lines],
        total_minor=verdict.total_minor,
    )


def update_price(
    uow: UnitOfWork, *, market_code: str, item_code: str, amount_minor: int
) -> PriceRead:
    """Set a market's price of a model, trim or option; HQ or that market's manager only."""
    market_code = market_code.upper()
    _require_price_setter(uow.actor, market_code)
    if amount_minor < 0:
        raise InvalidInput("a price cannot be negative", field="amount_minor")
    with uow:
        market = _market(uow, market_code)
        price = _price_row(uow, market, item_code)
        old = price.change(Money(market.currency, amount_minor), uow.clock.now())
        _record_change(uow, price, old)
        uow.commit()
        return PriceRead.model_validate(price)


def seed_reference_data(uow: UnitOfWork) -> int:
    """Load `data/catalog.toml` after the markets; idempotent. Returns how many items it holds."""
    if not uow.actor.is_hq:
        raise Forbidden("only HQ loads reference data")
    loaded = reference.load_reference(reference.read_data_file())
    with uow:
        for code, offer in loaded.offers.items():
            market = _seeded_market(uow, code)
            reference.check_prices(loaded.catalogue, offer, market)
        repository.save_reference(uow.session, loaded, uow.clock.now())
        uow.commit()
    return loaded.size


def _market(uow: UnitOfWork, code: str) -> MarketFacts:
    """The market facts the rules need, from the market feature (NotFound when unknown)."""
    market = market_service.get_market(uow, code=code)
    return MarketFacts(code=market.code, currency=market.currency, drive_side=market.drive_side)


def _load(uow: UnitOfWork, market_code: str) -> tuple[MarketFacts, Catalogue, Offer]:
    """The market's facts, the catalogue and the market's offer, read in one transaction."""
    # Read per call, not cached: the whole snapshot loads in about 1 ms on SQLite, and nothing
    # then needs invalidating when a price changes.
    with uow:
        market = _market(uow, market_code)
        catalogue = repository.load_catalogue(uow.session)
        return market, catalogue, repository.load_offer(uow.session, market.code)


def _price_row(uow: UnitOfWork, market: MarketFacts, item_code: str) -> Price:
    """The market's price row of a catalogue item; a new one when it has none yet."""
    _require_item(repository.load_catalogue(uow.session), item_code)
    price = repository.get_price(uow.session, market.code, item_code)
    if price is None:
        price = Price(market_code=market.code, item_code=item_code)
        uow.session.add(price)
    return price


def _seeded_market(uow: UnitOfWork, code: str) -> MarketFacts:
    try:
        return _market(uow, code)
    except NotFound as exc:
        raise reference.bad(f"market {code}", "code", "is not a known market") from exc


def _require_price_setter(actor: Principal, market_code: str) -> None:
    if actor.is_hq or (actor.role is Role.MARKET_MANAGER and market_code in actor.market_codes):
        return
    raise Forbidden(f"only HQ or the market manager of {market_code} sets its prices")


def _require_item(catalogue: Catalogue, item_code: str) -> None:
    if catalogue.item_name(item_code) is None:
        raise NotFound(f"no model, trim or option {item_code!r}", field="item_code", code=item_code)


def _record_change(uow: UnitOfWork, price: Price, old: int | None) -> None:
    market, item, new = price.market_code, price.item_code, price.amount_minor
    changes = {"amount_minor": [old, new]}
    uow.audit(
        "catalog.price_changed", "price", f"{market}:{item}", changes=changes, market_code=market
    )
    uow.emit(
        PriceChanged(
            market_code=market,
            item_code=item,
            currency=price.currency,
            old_amount_minor=old,
            new_amount_minor=new,
        )
    )
