"""The catalogue's data file (data/catalog.toml): parsed into a snapshot and checked.

Every problem is an InvalidInput naming the item and the field, so a bad edit is found at once.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib.resources import files
from types import MappingProxyType
from typing import Any

from forecourt.catalog.policies import sellable_items
from forecourt.catalog.snapshot import (
    DRIVE_SIDES,
    TRIM_LINES,
    BodyStyleSpec,
    Catalogue,
    MarketFacts,
    ModelSpec,
    Money,
    Offer,
    OptionSpec,
    TrimSpec,
    catalogue_of,
)
from forecourt.kernel.errors import InvalidInput

FILE_NAME = "catalog.toml"

# ISO 4217 minor-unit exponents of the currencies the markets price in.
CURRENCY_EXPONENTS: Mapping[str, int] = MappingProxyType(
    {
        **dict.fromkeys(["AED", "CNY", "CZK", "EGP", "EUR", "GBP", "MAD", "PLN"], 2),
        **dict.fromkeys(["HUF", "RON", "RUB", "SAR", "TRY", "USD", "CHF", "SEK"], 2),
    }
)


@dataclass(frozen=True)
class Reference:
    """The parsed file: the catalogue and, per market, what it gets at which price."""

    catalogue: Catalogue
    offers: Mapping[str, Offer]

    @property
    def size(self) -> int:
        """How many items the file describes (platform, styles, models, trims, options, offers, prices)."""
        c = self.catalogue
        items = 1 + len(c.body_styles) + len(c.models) + len(c.trims) + len(c.options)
        return items + sum(1 + len(offer.prices) for offer in self.offers.values())


def read_data_file() -> str:
    """The packaged data file's text."""
    return files("forecourt.catalog").joinpath("data", FILE_NAME).read_text(encoding="utf-8")


def load_reference(text: str) -> Reference:
    """Parse and check the data file's text; raise InvalidInput naming the first bad entry."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"{FILE_NAME} is not valid TOML: {exc}", item=FILE_NAME) from exc
    catalogue = _catalogue(raw)
    check_catalogue(catalogue)
    markets = _table(raw, "markets", "markets")
    offers = {
        code: _offer(catalogue, code, _table(markets, code, f"market {code}")) for code in markets
    }
    return Reference(catalogue=catalogue, offers=MappingProxyType(offers))


def bad(item: str, field: str, problem: str) -> InvalidInput:
    """The error for one bad entry of the data file."""
    return InvalidInput(f"{FILE_NAME}: {item}: {field} {problem}", item=item, field=field)


# Parsing ---------------------------------------------------------------------------------------


def _catalogue(raw: dict[str, Any]) -> Catalogue:
    platform = _table(raw, "platform", "platform")
    body_styles = [_body_style(e) for e in _entries(raw, "body_styles")]
    models = [_model(e) for e in _entries(raw, "models")]
    trims = [_trim(e) for e in _entries(raw, "trims")]
    options = [_option(e, [t.code for t in trims]) for e in _entries(raw, "options")]
    _check_unique("body style", [b.code for b in body_styles])
    _check_unique(
        "item", [*(m.code for m in models), *(t.code for t in trims), *(o.code for o in options)]
    )
    return catalogue_of(
        (_str(platform, "code", "platform"), _str(platform, "name", "platform")),
        body_styles,
        models,
        trims,
        options,
    )


def _body_style(entry: dict[str, Any]) -> BodyStyleSpec:
    item = f"body style {entry.get('code')!r}"
    return BodyStyleSpec(code=_str(entry, "code", item), name=_str(entry, "name", item))


def _model(entry: dict[str, Any]) -> ModelSpec:
    item = f"model {entry.get('code')!r}"
    return ModelSpec(
        code=_str(entry, "code", item),
        name=_str(entry, "name", item),
        body_style=_str(entry, "body_style", item),
    )


def _trim(entry: dict[str, Any]) -> TrimSpec:
    item = f"trim {entry.get('code')!r}"
    return TrimSpec(
        code=_str(entry, "code", item),
        name=_str(entry, "name", item),
        line=_str(entry, "line", item),
        body_styles=frozenset(_codes(entry, "body_styles", item)),
    )


def _option(entry: dict[str, Any], every_trim: list[str]) -> OptionSpec:
    item = f"option {entry.get('code')!r}"
    group = entry.get("group")
    return OptionSpec(
        code=_str(entry, "code", item),
        name=_str(entry, "name", item),
        group=_str(entry, "group", item) if group is not None else None,
        trims=frozenset(_codes(entry, "trims", item, default=every_trim)),
        requires=tuple(_codes(entry, "requires", item, default=[])),
        excludes=frozenset(_codes(entry, "excludes", item, default=[])),
        drive_sides=frozenset(_codes(entry, "drive_sides", item, default=sorted(DRIVE_SIDES))),
    )


def _offer(catalogue: Catalogue, code: str, entry: dict[str, Any]) -> Offer:
    item = f"market {code}"
    currency = _str(entry, "currency", item)
    if currency not in CURRENCY_EXPONENTS:
        raise bad(item, "currency", f"{currency!r} is not a known ISO 4217 currency")
    prices = _table(entry, "prices", item)
    offer = Offer(
        market_code=code,
        body_styles=frozenset(_codes(entry, "body_styles", item)),
        trims=frozenset(_codes(entry, "trims", item)),
        prices=MappingProxyType(
            {k: _money(v, currency, f"{item} price", k) for k, v in prices.items()}
        ),
    )
    check_offer(catalogue, offer)
    return offer


def _money(value: Any, currency: str, item: str, field: str) -> Money:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise bad(item, field, f"must be a whole, non-negative amount of {currency}, not {value!r}")
    return Money(currency=currency, amount_minor=value * 10 ** CURRENCY_EXPONENTS[currency])


def _table(raw: dict[str, Any], key: str, item: str) -> dict[str, Any]:
    value = raw.get(key)
    if not isinstance(value, dict):
        raise bad(item, key, "must be a table")
    return value


def _entries(raw: dict[str, Any], key: str) -> list[dict[str, Any]]:
    value = raw.get(key)
    if not isinstance(value, list) or not all(isinstance(e, dict) for e in value):
        raise bad(key, key, "must be an array of tables ([[" + key + "]])")
    return value


def _str(entry: dict[str, Any], key: str, item: str) -> str:
    value = entry.get(key)
    if not isinstance(value, str) or not value.strip():
        raise bad(item, key, "must be a non-empty string")
    return value


def _codes(
    entry: dict[str, Any], key: str, item: str, default: list[str] | None = None
) -> list[str]:
    value = entry.get(key, default)
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise bad(item, key, "must be a list of codes")
    return value


# Checking --------------------------------------------------------------------------------------


def check_catalogue(catalogue: Catalogue) -> None:
    """Raise InvalidInput on the first entry that refers to something unknown or contradicts itself."""
    for model in catalogue.models.values():
        _known(f"model {model.code!r}", "body_style", [model.body_style], catalogue.body_styles)
    for trim in catalogue.trims.values():
        _check_trim(catalogue, trim)
    for option in catalogue.options.values():
        _check_option(catalogue, option)
    _check_cycles(catalogue)
    _check_groups(catalogue)


def check_offer(catalogue: Catalogue, offer: Offer) -> None:
    """Raise InvalidInput when an offer names an unknown body style, trim or price item."""
    item = f"market {offer.market_code}"
    _known(item, "body_styles", offer.body_styles, catalogue.body_styles)
    _known(item, "trims", offer.trims, catalogue.trims)
    unknown = [code for code in offer.prices if catalogue.item_name(code) is None]
    if unknown:
        raise bad(f"{item} price", unknown[0], "is not a model, trim or option")


def check_prices(catalogue: Catalogue, offer: Offer, market: MarketFacts) -> None:
    """Raise InvalidInput when something the market sells has no price in its currency."""
    for code in sellable_items(catalogue, offer, market.drive_side):
        price = offer.prices.get(code)
        if price is None:
            raise bad(f"market {market.code} price", code, f"is missing ({code!r} is sold there)")
        if price.currency != market.currency:
            problem = f"is {price.currency}, but {market.code} sells in {market.currency}"
            raise bad(f"market {market.code}", "currency", problem)


def _check_unique(kind: str, codes: list[str]) -> None:
    seen: set[str] = set()
    for code in codes:
        if code in seen:
            shared = " (models, trims and options share codes)" if kind == "item" else ""
            raise bad(f"{kind} {code!r}", "code", f"is used twice{shared}")
        seen.add(code)


def _check_trim(catalogue: Catalogue, trim: TrimSpec) -> None:
    item = f"trim {trim.code!r}"
    if trim.line not in TRIM_LINES:
        raise bad(item, "line", f"must be one of {sorted(TRIM_LINES)}")
    if not trim.body_styles:
        raise bad(item, "body_styles", "must name at least one body style")
    _known(item, "body_styles", trim.body_styles, catalogue.body_styles)


def _check_option(catalogue: Catalogue, option: OptionSpec) -> None:
    item = f"option {option.code!r}"
    _known(item, "trims", option.trims, catalogue.trims)
    _known(item, "requires", option.requires, catalogue.options)
    _known(item, "excludes", option.excludes, catalogue.options)
    if not option.drive_sides or not option.drive_sides <= DRIVE_SIDES:
        raise bad(item, "drive_sides", f"must be a non-empty subset of {sorted(DRIVE_SIDES)}")
    if option.code in option.requires or option.code in option.excludes:
        raise bad(
            item,
            "requires" if option.code in option.requires else "excludes",
            "names the option itself",
        )
    if clash := sorted(set(option.requires) & option.excludes):
        raise bad(item, "excludes", f"also names a required option: {clash[0]!r}")
    for needed in option.requires:
        _check_reachable(item, option, catalogue.options[needed])


def _check_reachable(item: str, option: OptionSpec, needed: OptionSpec) -> None:
    if not option.trims <= needed.trims:
        raise bad(item, "requires", f"{needed.code!r} is not offered on every trim this option is")
    if not option.drive_sides <= needed.drive_sides:
        raise bad(
            item, "requires", f"{needed.code!r} is not offered for every drive side this option is"
        )


def _check_cycles(catalogue: Catalogue) -> None:
    done: set[str] = set()
    for code in catalogue.options:
        _visit(catalogue, code, (), done)


def _visit(catalogue: Catalogue, code: str, path: tuple[str, ...], done: set[str]) -> None:
    if code in path:
        cycle = " -> ".join([*path[path.index(code) :], code])
        raise bad(f"option {code!r}", "requires", f"forms a cycle: {cycle}")
    if code in done:
        return
    for needed in catalogue.options[code].requires:
        _visit(catalogue, needed, (*path, code), done)
    done.add(code)


def _check_groups(catalogue: Catalogue) -> None:
    for group in catalogue.groups:
        members = [o for o in catalogue.options.values() if o.group == group]
        for trim in catalogue.trims:
            if not any(trim in o.trims for o in members):
                raise bad(f"trim {trim!r}", "options", f"has no option of the {group!r} group")


def _known(item: str, field: str, codes: Iterable[str], known: Mapping[str, object]) -> None:
    for code in codes:
        if code not in known:
            raise bad(item, field, f"names an unknown code {code!r}")
