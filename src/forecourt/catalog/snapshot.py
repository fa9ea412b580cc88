"""The immutable catalogue snapshot the rules read: loaded from the database or the data file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from types import MappingProxyType
from typing import TypeVar

T = TypeVar("T")

DRIVE_SIDES: frozenset[str] = frozenset({"lhd", "rhd"})
TRIM_LINES: frozenset[str] = frozenset({"core", "young"})


@dataclass(frozen=True)
class Money:
    """An amount in integer minor units of an ISO 4217 currency."""

    currency: str
    amount_minor: int


@dataclass(frozen=True)
class BodyStyleSpec:
    code: str
    name: str


@dataclass(frozen=True)
class ModelSpec:
    code: str
    name: str
    body_style: str


@dataclass(frozen=True)
class TrimSpec:
    """A trim and the body styles it is built on; `line` is "core" or the "young" sub-brand."""

    code: str
    name: str
    line: str
    body_styles: frozenset[str]


@dataclass(frozen=True)
class OptionSpec:
    """An option with its rules; `excludes` is symmetric once inside a `Catalogue`."""

    code: str
    name: str
    group: str | None = None
    trims: frozenset[str] = frozenset()
    requires: tuple[str, ...] = ()
    excludes: frozenset[str] = frozenset()
    drive_sides: frozenset[str] = DRIVE_SIDES


@dataclass(frozen=True)
class Catalogue:
    """The platform and everything built on it, keyed by code, in catalogue order."""

    platform_code: str
    platform_name: str
    body_styles: Mapping[str, BodyStyleSpec]
    models: Mapping[str, ModelSpec]
    trims: Mapping[str, TrimSpec]
    options: Mapping[str, OptionSpec]
    groups: tuple[str, ...] = field(init=False)

    def __post_init__(self) -> None:
        groups = dict.fromkeys(o.group for o in self.options.values() if o.group is not None)
        object.__setattr__(self, "groups", tuple(groups))

    def item_name(self, code: str) -> str | None:
        """The name of a model, trim or option: the three share one price-item namespace."""
        item = self.models.get(code) or self.trims.get(code) or self.options.get(code)
        return item.name if item is not None else None


@dataclass(frozen=True)
class Offer:
    """What one market gets: body styles, trims and its price list."""

    market_code: str
    body_styles: frozenset[str] = frozenset()
    trims: frozenset[str] = frozenset()
    prices: Mapping[str, Money] = field(default_factory=lambda: MappingProxyType({}))


@dataclass(frozen=True)
class MarketFacts:
    """The facts the rules need about a market; the market feature owns them."""

    code: str
    currency: str
    drive_side: str


def catalogue_of(
    platform: tuple[str, str],
    body_styles: list[BodyStyleSpec],
    models: list[ModelSpec],
    trims: list[TrimSpec],
    options: list[OptionSpec],
) -> Catalogue:
    """Build a read-only catalogue; exclusions are made to work both ways."""
    return Catalogue(
        platform_code=platform[0],
        platform_name=platform[1],
        body_styles=_frozen({b.code: b for b in body_styles}),
        models=_frozen({m.code: m for m in models}),
        trims=_frozen({t.code: t for t in trims}),
        options=_frozen({o.code: o for o in _symmetric(options)}),
    )


def _symmetric(options: list[OptionSpec]) -> list[OptionSpec]:
    excluded_by: dict[str, set[str]] = {o.code: set(o.excludes) for o in options}
    for option in options:
        for other in option.excludes:
            excluded_by.setdefault(other, set()).add(option.code)
    return [replace(o, excludes=frozenset(excluded_by[o.code])) for o in options]


def _frozen(items: dict[str, T]) -> Mapping[str, T]:
    return MappingProxyType(items)
