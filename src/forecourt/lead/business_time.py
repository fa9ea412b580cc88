"""Business time: when a dealer is working, and minutes that count only while it is open.

The one place that answers "is this dealer (or this salesperson) working at this moment": routing
asks it which dealers are open now and who is on shift, the response clock counts its minutes.

A dealer's opening hours are local ("HH:MM" intervals per weekday, "24:00" closes at midnight);
its country's public holidays come from the `holidays` package and count as closed, unless the
dealer trades on public holidays (its own setting, else its market's routing policy). Instants in
and out are aware datetimes; the arithmetic walks the open intervals in UTC, so a change of
daylight-saving time inside a closed night costs nothing and one inside an open interval counts
the minutes that really passed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Look this far ahead for an open interval; a dealer with none keeps wall-clock time, so a lead
# of a dealer entered without hours still gets a deadline instead of none.
HORIZON_DAYS = 400
_FOREVER = timedelta(days=365 * 100)


Week = tuple[tuple[tuple[int, int], ...], ...]
"""Seven days (Monday first) of (open, close) minutes after local midnight."""


def week(hours: Mapping[str, Sequence[Sequence[str]]]) -> Week:
    """Opening hours or shifts as dealers keep them ({"mon": [["09:00", "18:00"]]}) as minutes
    after local midnight, Monday first."""
    return tuple(
        tuple((_minutes(opens), _minutes(closes)) for opens, closes in hours.get(day, ()))
        for day in DAYS
    )


@dataclass(frozen=True)
class BusinessCalendar:
    """When one dealer is open: its local week, its time zone, its country's holidays and
    whether it trades on them."""

    zone: ZoneInfo
    week: Week
    country: str | None = None
    subdivision: str | None = None
    open_on_holidays: bool = False

    @classmethod
    def of(
        cls,
        timezone: str,
        opening_hours: Mapping[str, Sequence[Sequence[str]]],
        country: str | None = None,
        *,
        open_on_holidays: bool = False,
    ) -> BusinessCalendar:
        """A calendar from opening hours as dealers keep them ({"mon": [["09:00", "18:00"]]})."""
        return cls(
            zone=ZoneInfo(timezone),
            week=week(opening_hours),
            country=country,
            open_on_holidays=open_on_holidays,
        )

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant at which `duration` of open time has passed since `start`."""
        remaining = duration
        for opens, closes in self.open_spans(start):
            begin = max(opens, start)
            if remaining <= closes - begin:
                return begin + remaining
            remaining -= closes - begin
        raise AssertionError("open_spans never ends")  # pragma: no cover

    def elapsed(self, start: datetime, end: datetime) -> timedelta:
        """Open time between two instants (zero when `end` is not after `start`)."""
        total = timedelta(0)
        for opens, closes in self.open_spans(start):
            if opens >= end:
                break
            total += min(closes, end) - max(opens, start)
        return total

    def is_open(self, at: datetime, hours: Week | None = None) -> bool:
        """Whether the dealer is open at `at`; given `hours` (a salesperson's shifts), whether
        someone keeping them works then. A holiday closes both unless the dealer trades on it."""
        weekday, minute, holiday = _local(at, self.zone, self.country, self.subdivision)
        if holiday and not self.open_on_holidays:
            return False
        day = (self.week if hours is None else hours)[weekday]
        return any(opens <= minute < closes for opens, closes in day)

    def is_holiday(self, day: date) -> bool:
        """Whether `day` is a public holiday where the dealer is (open or not)."""
        return is_public_holiday(self.country, day, self.subdivision)

    def closed_for(self, day: date) -> bool:
        """Whether the dealer keeps its doors shut on `day` for a public holiday."""
        return not self.open_on_holidays and self.is_holiday(day)

    def open_spans(self, start: datetime) -> Iterator[tuple[datetime, datetime]]:
        """The open intervals (UTC) that end after `start`, in order, without end."""
        first_day = start.astimezone(self.zone).date()
        last = start
        for offset in range(HORIZON_DAYS):
            for opens, closes in self._spans_of(first_day + timedelta(days=offset)):
                if closes > start:
                    last = closes
                    yield opens, closes
        yield last, last + _FOREVER

    def _spans_of(self, day: date) -> Iterator[tuple[datetime, datetime]]:
        if self.closed_for(day):
            return
        midnight = datetime.combine(day, time(), tzinfo=self.zone)
        for opens, closes in self.week[day.weekday()]:
            # Wall-clock arithmetic on the local day, then UTC: right across DST changes.
            yield _utc(midnight, opens), _utc(midnight, closes)


def is_public_holiday(country: str | None, day: date, subdivision: str | None = None) -> bool:
    """Whether `day` is a public holiday in the country (the `holidays` package); an unknown
    country has none."""
    if not country:
        return False
    return day in _year(country, subdivision, day.year)


@functools.lru_cache(maxsize=1024)
def _local(
    at: datetime, zone: ZoneInfo, country: str | None, subdivision: str | None
) -> tuple[int, int, bool]:
    # The dealers of one routing decision share the moment and mostly a few time zones: convert
    # once per zone, not once per dealer.
    local = at.astimezone(zone)
    holiday = is_public_holiday(country, local.date(), subdivision)
    return local.weekday(), local.hour * 60 + local.minute, holiday


@functools.cache
def _year(country: str, subdivision: str | None, year: int) -> frozenset[date]:
    """A country's holidays of one year, as a set: routing asks for every candidate."""
    try:
        return frozenset(holidays.country_holidays(country, subdiv=subdivision, years=year))
    except NotImplementedError:  # a country the package does not know: no holidays
        return frozenset()


def _utc(midnight: datetime, minutes: int) -> datetime:
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])
