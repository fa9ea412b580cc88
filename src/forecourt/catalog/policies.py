"""The configuration rules: a pure function of a catalogue snapshot, a market and a build."""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType

from forecourt.catalog.snapshot import (
    Catalogue,
    MarketFacts,
    ModelSpec,
    Offer,
    OptionSpec,
    TrimSpec,
)

MODEL_UNKNOWN = "model.unknown"
TRIM_UNKNOWN = "trim.unknown"
MARKET_BODY_STYLE = "market.body_style"
TRIM_BODY_STYLE = "trim.body_style"
TRIM_MARKET = "trim.market"
OPTION_UNKNOWN = "option.unknown"
OPTION_DUPLICATE = "option.duplicate"
OPTION_TRIM = "option.trim"
OPTION_REQUIRES = "option.requires"
OPTION_EXCLUDES = "option.excludes"
OPTION_DRIVE_SIDE = "option.drive_side"
GROUP_REQUIRED = "option.group_required"
GROUP_EXCLUSIVE = "option.group_exclusive"
PRICE_MISSING = "price.missing"


@dataclass(frozen=True)
class Configuration:
    """A build to check: a model in a trim with options, for one market."""

    model: str
    trim: str
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Violation:
    """One broken rule: a stable rule id, what it is about, and a sentence for people."""

    rule: str
    message: str
    subject: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))

    def as_dict(self) -> dict[str, str]:
        return {"rule": self.rule, **self.subject, "message": self.message}


@dataclass(frozen=True)
class Line:
    """One priced line of a valid build."""

    code: str
    name: str
    amount_minor: int


@dataclass(frozen=True)
class Verdict:
    """The rules a build breaks, or its price lines when it breaks none."""

    violations: tuple[Violation, ...] = ()
    lines: tuple[Line, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.violations

    @property
    def total_minor(self) -> int:
        return sum(line.amount_minor for line in self.lines)


def check_configuration(
    catalogue: Catalogue, market: MarketFacts, offer: Offer, build: Configuration
) -> Verdict:
    """Every rule `build` breaks in `market`; when none, its price in the market's currency."""
    violations = [
        *_model_rules(catalogue, market, offer, build),
        *_trim_rules(catalogue, market, offer, build),
        *_option_rules(catalogue, market, build),
        *_group_rules(catalogue, build),
    ]
    # A missing price is a data error; it is only worth naming for a build that is otherwise sold.
    violations = violations or _price_rules(catalogue, market, offer, build)
    if violations:
        return Verdict(violations=tuple(violations))
    return Verdict(lines=_lines(catalogue, offer, build))


def _model_rules(
    catalogue: Catalogue, market: MarketFacts, offer: Offer, build: Configuration
) -> list[Violation]:
    model = catalogue.models.get(build.model)
    if model is None:
        return [_v(MODEL_UNKNOWN, f"there is no model {build.model!r}", model=build.model)]
    if model.body_style in offer.body_styles:
        return []
    message = f"the {model.body_style} body style of {model.name} is not sold in {market.code}"
    return [_v(MARKET_BODY_STYLE, message, model=model.code, body_style=model.body_style)]


def _trim_rules(
    catalogue: Catalogue, market: MarketFacts, offer: Offer, build: Configuration
) -> list[Violation]:
    trim = catalogue.trims.get(build.trim)
    if trim is None:
        return [_v(TRIM_UNKNOWN, f"there is no trim {build.trim!r}", trim=build.trim)]
    found: list[Violation] = []
    model = catalogue.models.get(build.model)
    if model is not None and model.body_style not in trim.body_styles:
        message = f"the {trim.name} trim is not built on the {model.body_style} body style"
        found.append(_v(TRIM_BODY_STYLE, message, trim=trim.code, body_style=model.body_style))
    if trim.code not in offer.trims:
        message = f"the {trim.name} trim is not sold in {market.code}"
        found.append(_v(TRIM_MARKET, message, trim=trim.code, market=market.code))
    return found


def _option_rules(
    catalogue: Catalogue, market: MarketFacts, build: Configuration
) -> list[Violation]:
    found = _duplicates(build.options)
    chosen = list(dict.fromkeys(build.options))
    for code in chosen:
        option = catalogue.options.get(code)
        if option is None:
            found.append(_v(OPTION_UNKNOWN, f"there is no option {code!r}", option=code))
            continue
        found += _fit_rules(option, build.trim, market)
        found += _requires_rules(option, chosen)
        found += _excludes_rules(option, chosen[: chosen.index(code)])
    return found


def _duplicates(options: tuple[str, ...]) -> list[Violation]:
    return [
        _v(OPTION_DUPLICATE, f"option {code!r} is chosen {count} times", option=code)
        for code, count in Counter(options).items()
        if count > 1
    ]


def _fit_rules(option: OptionSpec, trim: str, market: MarketFacts) -> list[Violation]:
    found: list[Violation] = []
    if trim not in option.trims:
        message = f"{option.name} is not available on the {trim} trim"
        found.append(_v(OPTION_TRIM, message, option=option.code, trim=trim))
    if market.drive_side not in option.drive_sides:
        side = market.drive_side.upper()
        message = f"{option.name} is not available on {side} cars ({market.code} drives {side})"
        found.append(_v(OPTION_DRIVE_SIDE, message, option=option.code, drive_side=side.lower()))
    return found


def _requires_rules(option: OptionSpec, chosen: list[str]) -> list[Violation]:
    return [
        _v(
            OPTION_REQUIRES,
            f"{option.name} requires {needed!r}",
            option=option.code,
            requires=needed,
        )
        for needed in option.requires
        if needed not in chosen
    ]


def _excludes_rules(option: OptionSpec, earlier: list[str]) -> list[Violation]:
    return [
        _v(
            OPTION_EXCLUDES,
            f"{option.name} cannot be combined with {other!r}",
            option=option.code,
            excludes=other,
        )
        for other in earlier
        if other in option.excludes
    ]


def _group_rules(catalogue: Catalogue, build: Configuration) -> list[Violation]:
    found: list[Violation] = []
    for group in catalogue.groups:
        members = _chosen_in_group(catalogue, build, group)
        if not members:
            found.append(_v(GROUP_REQUIRED, f"choose one {group} option", group=group))
        message = f"choose only one {group} option"
        found += [
            _v(GROUP_EXCLUSIVE, message, group=group, option=extra, chosen=members[0])
            for extra in members[1:]
        ]
    return found


def _chosen_in_group(catalogue: Catalogue, build: Configuration, group: str) -> list[str]:
    chosen = (catalogue.options.get(code) for code in dict.fromkeys(build.options))
    return [option.code for option in chosen if option is not None and option.group == group]


def _price_rules(
    catalogue: Catalogue, market: MarketFacts, offer: Offer, build: Configuration
) -> list[Violation]:
    found: list[Violation] = []
    for code in _priced_items(catalogue, build):
        price = offer.prices.get(code)
        if price is None or price.currency != market.currency:
            message = f"{code!r} has no price in {market.currency} in {market.code}"
            found.append(_v(PRICE_MISSING, message, item=code, currency=market.currency))
    return found


def _priced_items(catalogue: Catalogue, build: Configuration) -> list[str]:
    items = [build.model] if build.model in catalogue.models else []
    items += [build.trim] if build.trim in catalogue.trims else []
    return items + [code for code in dict.fromkeys(build.options) if code in catalogue.options]


def _lines(catalogue: Catalogue, offer: Offer, build: Configuration) -> tuple[Line, ...]:
    return tuple(
        Line(
            code=code,
            name=catalogue.item_name(code) or code,
            amount_minor=offer.prices[code].amount_minor,
        )
        for code in _priced_items(catalogue, build)
    )


def offered_models(catalogue: Catalogue, offer: Offer) -> list[ModelSpec]:
    """The models a market gets: those of the body styles it is sold."""
    return [m for m in catalogue.models.values() if m.body_style in offer.body_styles]


def offered_trims(catalogue: Catalogue, offer: Offer) -> list[TrimSpec]:
    """The trims a market gets, on at least one body style it is sold."""
    return [
        t
        for t in catalogue.trims.values()
        if t.code in offer.trims and t.body_styles & offer.body_styles
    ]


def offered_options(catalogue: Catalogue, offer: Offer, drive_side: str) -> list[OptionSpec]:
    """The options a market gets: on a trim it is sold, homologated for its drive side."""
    trims = {t.code for t in offered_trims(catalogue, offer)}
    return [
        o for o in catalogue.options.values() if o.trims & trims and drive_side in o.drive_sides
    ]


def sellable_items(catalogue: Catalogue, offer: Offer, drive_side: str) -> list[str]:
    """Codes of every model, trim and option the market sells, each of which needs a price."""
    return [
        *(m.code for m in offered_models(catalogue, offer)),
        *(t.code for t in offered_trims(catalogue, offer)),
        *(o.code for o in offered_options(catalogue, offer, drive_side)),
    ]


def _v(rule: str, message: str, **subject: str) -> Violation:
    return Violation(rule=rule, message=message, subject=MappingProxyType(subject))
