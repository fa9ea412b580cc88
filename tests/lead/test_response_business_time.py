"""Business time: only a dealer's open minutes count; closed days and public holidays do not."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecourt.kernel.errors import InvalidInput
from forecourt.lead.business_time import BusinessCalendar
from forecourt.lead.sla import packaged_policy, parse_policy

BERLIN = ZoneInfo("Europe/Berlin")
GERMANY = {
    **{day: [["08:00", "18:30"]] for day in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [["09:00", "14:00"]],
    "sun": [],
}
FRANCE = {
    **{d: [["09:00", "12:00"], ["14:00", "19:00"]] for d in ("mon", "tue", "wed", "thu", "fri")},
    "sat": [],
    "sun": [],
}


def berlin(*args: int) -> datetime:
    return datetime(*args, tzinfo=BERLIN)  # type: ignore[misc]


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


@pytest.fixture
def munich() -> BusinessCalendar:
    return BusinessCalendar.of("Europe/Berlin", GERMANY, country="DE")


def test_minutes_inside_opening_hours_count_as_they_pass(munich: BusinessCalendar) -> None:
    assert munich.add(berlin(2026, 11, 24, 10, 0), minutes(15)) == berlin(2026, 11, 24, 10, 15)


def test_the_clock_carries_over_closing_time_to_the_next_opening(munich: BusinessCalendar) -> None:
    # Friday 18:20: ten minutes left today, five on Saturday morning.
    assert munich.add(berlin(2026, 11, 27, 18, 20), minutes(15)) == berlin(2026, 11, 28, 9, 5)
    # Saturday afternoon to Monday: Sunday is closed.
    assert munich.add(berlin(2026, 11, 28, 15, 0), minutes(15)) == berlin(2026, 11, 30, 8, 15)


def test_a_lead_arriving_while_closed_starts_at_the_next_opening(munich: BusinessCalendar) -> None:
    assert munich.add(berlin(2026, 11, 29, 11, 0), minutes(15)) == berlin(2026, 11, 30, 8, 15)
    assert not munich.is_open(berlin(2026, 11, 29, 11, 0))
    assert munich.is_open(berlin(2026, 11, 30, 8, 0))


def test_public_holidays_of_the_country_are_closed(munich: BusinessCalendar) -> None:
    # Christmas 2026 falls on a Friday: 25 and 26 December are holidays, the 27th a Sunday.
    assert munich.is_holiday(berlin(2026, 12, 25).date())
    start = berlin(2026, 12, 24, 18, 25)
    assert munich.add(start, minutes(15)) == berlin(2026, 12, 28, 8, 10)
    assert munich.elapsed(start, berlin(2026, 12, 28, 8, 10)) == minutes(15)


def test_holidays_follow_the_dealers_country() -> None:
    # 8 May (Victory in Europe Day) is a public holiday in France, not in Germany.
    paris = BusinessCalendar.of("Europe/Paris", FRANCE, country="FR")
    munich = BusinessCalendar.of("Europe/Berlin", GERMANY, country="DE")
    friday = datetime(2026, 5, 8, 9, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert not paris.is_open(friday)
    assert munich.is_open(friday)


def test_a_lunch_break_is_skipped() -> None:
    paris = BusinessCalendar.of("Europe/Paris", FRANCE, country="FR")
    start = datetime(2026, 11, 24, 11, 50, tzinfo=ZoneInfo("Europe/Paris"))
    assert paris.add(start, minutes(15)) == start.replace(hour=14, minute=5)


def test_daylight_saving_changes_do_not_shift_opening_hours(munich: BusinessCalendar) -> None:
    # Clocks go forward in the night to 29 March 2026 (a Sunday, closed) and back on 25 October.
    assert munich.add(berlin(2026, 3, 28, 13, 55), minutes(15)) == berlin(2026, 3, 30, 8, 10)
    before = munich.add(berlin(2026, 10, 24, 13, 55), minutes(15))
    assert before == berlin(2026, 10, 26, 8, 10)
    assert before.astimezone(UTC).hour == 7  # CET again: 08:10 local is 07:10 UTC


def test_a_dealer_trading_on_holidays_counts_them_as_working_days() -> None:
    shanghai = ZoneInfo("Asia/Shanghai")
    hours = {day: [["08:30", "18:30"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}
    shut = BusinessCalendar.of("Asia/Shanghai", hours, country="CN")
    trading = BusinessCalendar.of("Asia/Shanghai", hours, country="CN", open_on_holidays=True)
    national_day = datetime(2026, 10, 1, 11, 0, tzinfo=shanghai)
    assert trading.is_holiday(national_day.date())
    assert shut.is_holiday(national_day.date())
    assert trading.is_open(national_day)
    assert not shut.is_open(national_day)
    assert trading.add(national_day, minutes(15)) == national_day + minutes(15)
    # Shut on 1-3 October; Sunday the 4th is a weekend day inside Golden Week, not a listed
    # public holiday, so a dealer open on Sundays counts it.
    assert shut.add(national_day, minutes(15)) == datetime(2026, 10, 4, 8, 45, tzinfo=shanghai)
    assert trading.elapsed(national_day, national_day + timedelta(hours=1)) == minutes(60)


SHANGHAI = ZoneInfo("Asia/Shanghai")
EVERY_DAY_4S = {
    day: [["08:30", "18:30"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
}


def shanghai(*args: int) -> datetime:
    return datetime(*args, tzinfo=SHANGHAI)  # type: ignore[misc]


def trading_on(*names: str) -> BusinessCalendar:
    return BusinessCalendar.of(
        "Asia/Shanghai", EVERY_DAY_4S, country="CN", open_on_holidays=frozenset(names)
    )


def test_a_dealer_trading_on_named_holidays_shuts_on_the_others() -> None:
    golden = trading_on("National Day", "Labor Day")
    assert golden.is_open(shanghai(2026, 10, 2, 11, 0))
    assert golden.is_open(shanghai(2026, 5, 1, 11, 0))
    assert golden.is_holiday(shanghai(2026, 2, 17).date())
    assert not golden.is_open(shanghai(2026, 2, 17, 11, 0))  # Spring Festival
    # Closed from the Eve on 16 February to the day off of Friday the 20th; open Saturday.
    assert golden.add(shanghai(2026, 2, 17, 11, 0), minutes(15)) == shanghai(2026, 2, 21, 8, 45)
    assert golden.elapsed(shanghai(2026, 2, 16), shanghai(2026, 2, 21, 9, 0)) == minutes(30)


def test_a_bridging_day_off_belongs_to_the_holiday_it_extends() -> None:
    # 6 and 7 October 2026 are days off swapped for working weekends: part of Golden Week.
    assert trading_on("National Day").is_open(shanghai(2026, 10, 7, 11, 0))
    assert not trading_on("Labor Day").is_open(shanghai(2026, 10, 7, 11, 0))
    # 23 February 2026, a Monday off after the Spring Festival weekend, stays with it.
    assert not trading_on("National Day").is_open(shanghai(2026, 2, 23, 11, 0))
    assert trading_on("Chinese New Year (Spring Festival)").is_open(shanghai(2026, 2, 23, 11, 0))


def test_a_day_that_is_two_holidays_opens_for_a_dealer_trading_on_either() -> None:
    # In 2025 the Mid-Autumn Festival (6 October) fell inside Golden Week: its days off are both.
    day_off = shanghai(2025, 10, 7, 11, 0)
    assert trading_on("National Day").is_open(day_off)
    assert trading_on("Mid-Autumn Festival").is_open(day_off)
    assert not trading_on("Labor Day").is_open(day_off)


def test_a_german_dealer_may_open_on_boxing_day_but_not_on_christmas() -> None:
    every_day = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat")}
    boxing_day = frozenset({"Second Day of Christmas"})
    calendar = BusinessCalendar.of(
        "Europe/Berlin", every_day, country="DE", open_on_holidays=boxing_day
    )
    assert not calendar.is_open(berlin(2026, 12, 25, 11, 0))
    assert calendar.is_open(berlin(2026, 12, 26, 11, 0))


def test_a_dealer_without_any_hours_keeps_wall_clock_time() -> None:
    closed = BusinessCalendar.of("Europe/Berlin", {}, country="DE")
    start = datetime(2026, 11, 24, 9, 0, tzinfo=UTC)
    assert closed.add(start, minutes(15)) == start + minutes(15)


def test_mall_hours_until_midnight_and_an_unknown_country() -> None:
    late = BusinessCalendar.of("Asia/Shanghai", {"mon": [["10:00", "24:00"]]}, country="ZZ")
    start = datetime(2026, 11, 23, 23, 50, tzinfo=ZoneInfo("Asia/Shanghai"))
    assert late.add(start, minutes(15)) == datetime(
        2026, 11, 30, 10, 5, tzinfo=ZoneInfo("Asia/Shanghai")
    )


@settings(max_examples=60, deadline=None)
@given(
    start=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    first=st.integers(min_value=0, max_value=2000),
    second=st.integers(min_value=0, max_value=2000),
)
def test_adding_then_measuring_gives_the_same_business_time(
    start: datetime, first: int, second: int
) -> None:
    calendar = BusinessCalendar.of("Europe/Berlin", GERMANY, country="DE")
    middle = calendar.add(start, minutes(first))
    end = calendar.add(middle, minutes(second))
    assert calendar.elapsed(start, middle) == minutes(first)
    assert calendar.elapsed(start, end) == minutes(first + second)
    assert end >= middle >= start


def test_the_packaged_targets_pick_the_most_specific_one() -> None:
    policy = packaged_policy()
    assert policy.target_for("live_broadcast", "high").within == 15
    assert policy.target_for("live_broadcast", "low").within == 30
    assert policy.target_for("web", "high").within == 30
    assert policy.target_for("web", "low").within == 480
    assert policy.target_for("web", "unknown").within == 120


@pytest.mark.parametrize(
    ("text", "field"),
    [
        (
            "breach_reroutes = 1\n[[target]]\nchannel='web'\npriority='*'\nwithin=5\nwarn_before=1",
            "target",
        ),
        (
            "breach_reroutes = 1\n[[target]]\nchannel='*'\npriority='*'\nwithin=5\nwarn_before=5",
            "target.0",
        ),
        (
            "breach_reroutes = 1\n[[target]]\nchannel='*'\npriority='*'\nwithin=0\nwarn_before=0",
            "target.0.within",
        ),
        ("breach_reroutes = [", "file"),
    ],
)
def test_a_broken_targets_file_names_what_is_wrong(text: str, field: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_policy(text)
    assert caught.value.details["field"] == field
