"""Business time: when a dealer is working, and minutes that count only while it is open.

The one place that answers "is this dealer (or this salesperson) working at this moment": routing
asks it which dealers are open now and who is on shift, the response clock counts its minutes.

A dealer's opening hours are local ("HH:MM" intervals per weekday, "24:00" closes at midnight);
the public holidays of its country and of its subdivision (state, province: Bavaria keeps
Epiphany, Berlin International Women's Day) come from the `holidays` package and count as closed,
unless the dealer trades on them: on all, or on those it names (its own setting, else its market's
routing policy). The days a dealer is closed for holidays are worked out once per country,
subdivision, year and setting and kept, so asking whether a dealer is open never calls the
package. Instants in and out are aware datetimes; the arithmetic walks the open intervals in UTC,
so a change of daylight-saving time inside a closed night costs nothing and one inside an open
interval counts the minutes that really passed.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from forecourt.dealer.holiday_trading import names_by_day

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
# Look this far ahead for an open interval; a dealer with none keeps wall-clock time, so a lead
# of a dealer entered without hours still gets a deadline instead of none.
HORIZON_DAYS = 400
_FOREVER = timedelta(days=365 * 100)


Week = tuple[tuple[tuple[int, int], ...], ...]
"""Seven days (Monday first) of (open, close) minutes after local midnight."""

HolidayTrading = bool | frozenset[str]
"""True: trades on every public holiday; False: on none; a set: on the holidays so named."""


def week(hours: Mapping[str, Sequence[Sequence[str]]]) -> Week:
    """Opening hours or shifts as dealers keep them ({"mon": [["09:00", "18:00"]]}) as minutes
    after local midnight, Monday first."""
    return tuple(
        tuple((_minutes(opens), _minutes(closes)) for opens, closes in hours.get(day, ()))
        for day in DAYS
    )


@dataclass(frozen=True)
class BusinessCalendar:
    """When one dealer is open: its local week, its time zone, the holidays of its country and
    subdivision, and which of them it trades on."""

    zone: ZoneInfo
    week: Week
    country: str | None = None
    subdivision: str | None = None
    open_on_holidays: HolidayTrading = False
    # The days it is closed for holidays, by year: one dict look-up per question.
    _closed_days: dict[int, frozenset[date]] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    @classmethod
    def of(
        cls,
        timezone: str,
        opening_hours: Mapping[str, Sequence[Sequence[str]]],
        country: str | None = None,
        *,
        subdivision: str | None = None,
        open_on_holidays: HolidayTrading = False,
    ) -> BusinessCalendar:
        """A calendar from opening hours as dealers keep them ({"mon": [["09:00", "18:00"]]})."""
        return cls(
            zone=ZoneInfo(timezone),
            week=week(opening_hours),
            country=country,
            subdivision=subdivision,
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
        weekday, minute, local_date = _local(at, self.zone)
        if self.closed_for(local_date):
            return False
        day = (self.week if hours is None else hours)[weekday]
        return any(opens <= minute < closes for opens, closes in day)

    def is_holiday(self, day: date) -> bool:
        """Whether `day` is a public holiday where the dealer is (open or not)."""
        return is_public_holiday(self.country, day, self.subdivision)

    def closed_for(self, day: date) -> bool:
        """Whether the dealer keeps its doors shut on `day` for a public holiday."""
        closed = self._closed_days.get(day.year)
        if closed is None:
            closed = closed_days(self.country, self.subdivision, day.year, self.open_on_holidays)
            self._closed_days[day.year] = closed
        return day in closed

    def prepare(self, *years: int) -> None:
        """Work out the days of `years` it is closed for holidays now, not at the first question
        (shared with every dealer of its country, subdivision and setting)."""
        for year in years:
            self.closed_for(date(year, 1, 1))

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
    """Whether `day` is a public holiday in the country, nationally or in `subdivision` (the
    `holidays` package); an unknown country has none."""
    return day in closed_days(country, subdivision, day.year, False)


@functools.lru_cache(maxsize=4096)
def closed_days(
    country: str | None, subdivision: str | None, year: int, trading: HolidayTrading
) -> frozenset[date]:
    """The days of `year` a dealer of the country and subdivision that trades on `trading`
    holidays is closed for a public holiday: shared by every dealer of the same country,
    subdivision and setting. A day that is several holidays at once stays open if the dealer
    trades on any of them."""
    if trading is True:
        return frozenset()
    return frozenset(
        day
        for day, names in names_by_day(country, year, subdivision).items()
        if trading is False or not names & trading
    )


@functools.lru_cache(maxsize=1024)
def _local(at: datetime, zone: ZoneInfo) -> tuple[int, int, date]:
    # The dealers of one routing decision share the moment and mostly a few time zones: convert
    # once per zone, not once per dealer.
    local = at.astimezone(zone)
    return local.weekday(), local.hour * 60 + local.minute, local.date()


def _utc(midnight: datetime, minutes: int) -> datetime:
    return (midnight + timedelta(minutes=minutes)).astimezone(UTC)


def _minutes(hhmm: str) -> int:
    return int(hhmm[:2]) * 60 + int(hhmm[3:])
