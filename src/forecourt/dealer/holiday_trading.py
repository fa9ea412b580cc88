"""Which public holidays a dealer trades on: all, none, or those it names; and the subdivision
(state, province) whose holidays it keeps besides its country's.

A subdivision is the code the `holidays` package takes for the dealer's country: "BY" (Bavaria)
or "BE" (Berlin) for Germany, "9" (Vienna) for Austria, "ENG" for the United Kingdom. A dealer
without one keeps its country's national holidays only.

Holidays are named as the `holidays` package names them in English (en_US): "National Day",
"Labor Day", "Chinese New Year (Spring Festival)" for China; "Christmas Day" for Germany. A day
the package marks as observed or estimated ("Labor Day (observed)") carries its holiday's name,
and a bridging day off ("Day off (substituted from 02/14/2026)", China's working-day swaps) the
names of the holidays of the stretch of holidays and weekends it bridges: a dealer that trades
through Golden Week trades on its bridging days too.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta

import holidays

from forecourt.kernel.errors import InvalidInput

HolidayTrading = bool | list[str]
"""True: trades on every public holiday; False: on none; a list: on the holidays it names."""

LANGUAGE = "en_US"
# The package joins the names of holidays falling on one day with this.
_JOINED = "; "
# Names are checked against the holidays of these years around today: enough to meet every
# holiday a country keeps, few enough to work them out in a blink.
_YEARS_BACK, _YEARS_AHEAD = 1, 3
_SATURDAY = 5


def names_by_day(
    country: str | None, year: int, subdivision: str | None = None
) -> Mapping[date, frozenset[str]]:
    """Each public holiday of a country's year (national, and of `subdivision` if given) with the
    names of the holidays it belongs to; empty for an unknown country."""
    if not country:
        return {}
    return _names_by_day(country, subdivision, year)


@functools.cache
def subdivision_codes(country: str) -> tuple[str, ...]:
    """The subdivision codes the package knows for `country` (none for an unknown country)."""
    try:
        return tuple(holidays.country_holidays(country).subdivisions)
    except NotImplementedError:
        return ()


def checked_subdivision(country: str, value: str | None, field: str = "subdivision") -> str | None:
    """A subdivision as the package spells it (matched without regard to case); InvalidInput
    naming `field` and the country's known codes for one the package does not know there."""
    if value is None:
        return None
    known = subdivision_codes(country)
    found = next((code for code in known if code.casefold() == value.casefold()), None)
    if found is None:
        raise InvalidInput(
            f"{field}: no subdivision {value!r} in {country}; known: {', '.join(known) or 'none'}",
            field=field,
            unknown=value,
            known=list(known),
        )
    return found


def known_names(
    country: str, today: date | None = None, *, subdivisions: Iterable[str | None] = ()
) -> tuple[str, ...]:
    """The holiday names a dealer of `country` may trade on, sorted: its national holidays and
    those of the given subdivisions (None: none)."""
    year = (today or date.today()).year
    return _known_names(country, year, tuple(sorted({s for s in subdivisions if s})))


def checked(
    country: str,
    value: HolidayTrading | None,
    field: str = "open_on_holidays",
    *,
    subdivisions: Iterable[str | None] = (),
) -> HolidayTrading | None:
    """A holiday-trading setting in canonical form: the names as the package spells them,
    sorted, without repeats (an empty list is False). InvalidInput naming `field` and the
    known names (national, and of the given subdivisions) for a name the package does not
    know there."""
    if value is None or isinstance(value, bool):
        return value
    known = known_names(country, subdivisions=subdivisions)
    by_folded = {name.casefold(): name for name in known}
    unknown = [name for name in value if name.casefold() not in by_folded]
    if unknown:
        raise InvalidInput(
            f"{field}: no public holiday {', '.join(map(repr, unknown))} in {country}; "
            f"known: {', '.join(known)}",
            field=field,
            unknown=unknown,
            known=list(known),
        )
    names = sorted({by_folded[name.casefold()] for name in value})
    return names or False


def split(value: HolidayTrading | None) -> tuple[bool | None, list[str] | None]:
    """A setting as it is stored: whether it trades on holidays, and only on which (None: all)."""
    if isinstance(value, list):
        return True, list(value)
    return value, None


def joined(trades: bool | None, names: Sequence[str] | None) -> HolidayTrading | None:
    """A setting from what is stored (see `split`)."""
    if trades and names is not None:
        return list(names)
    return trades


@functools.cache
def _known_names(country: str, year: int, subdivisions: tuple[str, ...]) -> tuple[str, ...]:
    years = range(year - _YEARS_BACK, year + _YEARS_AHEAD + 1)
    found = {
        name
        for y in years
        for subdivision in (None, *subdivisions)
        for names in _names_by_day(country, subdivision, y).values()
        for name in names
    }
    return tuple(sorted(found))


@functools.cache
def _names_by_day(
    country: str, subdivision: str | None, year: int
) -> Mapping[date, frozenset[str]]:
    if subdivision not in subdivision_codes(country):
        subdivision = None  # one the package no longer knows: the national holidays still hold
    try:
        found = holidays.country_holidays(
            country, subdiv=subdivision, years=year, language=LANGUAGE
        )
    except NotImplementedError:  # a country the package does not know: no holidays
        return {}
    labels = _Labels.of(found)
    parsed = {day: labels.names(str(raw)) for day, raw in sorted(found.items())}
    return {day: names or _extended(day, parsed) for day, names in parsed.items()}


def _extended(day_off: date, parsed: Mapping[date, frozenset[str]]) -> frozenset[str]:
    """The names of the holidays a bridging day off extends: those of its stretch of holidays
    and weekends (Golden Week), else of the nearest holiday."""
    stretch = _stretch(day_off, sorted(parsed))
    names = frozenset().union(*(parsed[day] for day in stretch))
    if names:
        return names
    named = [day for day, found in parsed.items() if found]
    if not named:
        return frozenset()
    return parsed[min(named, key=lambda other: (abs((other - day_off).days), other))]


def _stretch(day: date, days: list[date]) -> list[date]:
    """The holidays joined to `day` by holidays and weekends only, `day` among them."""
    index = days.index(day)
    first = last = index
    while first > 0 and _weekend_between(days[first - 1], days[first]):
        first -= 1
    while last < len(days) - 1 and _weekend_between(days[last], days[last + 1]):
        last += 1
    return days[first : last + 1]


def _weekend_between(earlier: date, later: date) -> bool:
    between = (earlier + timedelta(days=n) for n in range(1, (later - earlier).days))
    return all(day.weekday() >= _SATURDAY for day in between)


class _Labels:
    """The package's own labels of a country (translated), to read a holiday's name back."""

    def __init__(self, wrapping: list[re.Pattern[str]], substitute: re.Pattern[str] | None):
        self.wrapping = wrapping
        self.substitute = substitute

    @classmethod
    def of(cls, calendar: holidays.HolidayBase) -> _Labels:
        def pattern(attribute: str) -> re.Pattern[str] | None:
            label = getattr(calendar, attribute, None)
            if not label or label.strip() == "%s":
                return None
            return re.compile(re.escape(calendar.tr(label)).replace("%s", "(.+)"))

        # The longest first: "X (observed, estimated)" before "X (observed)".
        attributes = ("observed_estimated_label", "observed_label", "estimated_label")
        wrapping = [found for a in attributes if (found := pattern(a)) is not None]
        return cls(wrapping, pattern("substituted_label"))

    def names(self, raw: str) -> frozenset[str]:
        """The holiday names of one day's entry; none for a substituted day off."""
        return frozenset(
            name for part in raw.split(_JOINED) if (name := self._name(part)) is not None
        )

    def _name(self, part: str) -> str | None:
        if self.substitute is not None and self.substitute.fullmatch(part):
            return None
        for wrapper in self.wrapping:
            if found := wrapper.fullmatch(part):
                return self._name(found.group(1))
        return part
