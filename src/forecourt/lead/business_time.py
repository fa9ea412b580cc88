"""Business time: minutes that count only while a dealer is open, skipping public holidays.

A dealer's opening hours are local ("HH:MM" intervals per weekday, "24:00" closes at midnight);
its country's public holidays come from the `holidays` package and count as closed. Instants in
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


@dataclass(frozen=True)
class BusinessCalendar:
    """When one dealer is open: its local week, its time zone and its country's holidays."""

    zone: ZoneInfo
    week: Week
    country: str | None = None
    subdivision: str | None = None

    @classmethod
    def of(
        cls,
        timezone: str,
        opening_hours: Mapping[str, Sequence[Sequence[str]]],
        country: str | None = None,
    ) -> BusinessCalendar:
        """A calendar from opening hours as dealers keep them ({"mon": [["09:00", "18:00"]]})."""
        week = tuple(
            tuple(
                (_minutes(opens), _minutes(closes)) for opens, closes in opening_hours.get(day, ())
            )
            for day in DAYS
        )
        return cls(zone=ZoneInfo(timezone), week=week, country=country)

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

    def is_open(self, at: datetime) -> bool:
        """Whether the dealer is open at `at`."""
        opens, _closes = next(self.open_spans(at))
        return opens <= at

    def is_holiday(self, day: date) -> bool:
        """Whether `day` is a public holiday where the dealer is."""
        calendar = _holidays(self.country, self.subdivision)
        return calendar is not None and day in calendar

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
        if self.is_holiday(day):
            return
        midnight = datetime.combine(day, time(), tzinfo=self.zone)
        for opens, closes in self.week[day.weekday()]:
            # Wall-clock arithmetic on the local day, then UTC: right across DST changes.
            yield _utc(midnight, opens), _utc(midnight, closes)


def _utc(midnight: datetime, minutes: int) -> datetime:
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])


@functools.cache
def _holidays(country: str | None, subdivision: str | None) -> holidays.HolidayBase | None:
    """A country's holiday calendar (years fill in as they are asked); None for an unknown one."""
    if not country:
        return None
    try:
        return holidays.country_holidays(country, subdiv=subdivision)
    except NotImplementedError:
        return None
