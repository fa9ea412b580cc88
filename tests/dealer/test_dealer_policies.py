"""Pure rules of the network: great-circle distances and opening hours."""

from __future__ import annotations

import pytest

from forecourt.dealer.policies import DAYS, check_opening_hours, distance_km
from forecourt.kernel.errors import InvalidInput


@pytest.mark.parametrize(
    ("a", "b", "km"),
    [
        ((48.8566, 2.3522), (51.5074, -0.1278), 344),  # Paris - London
        ((31.2304, 121.4737), (39.9042, 116.4074), 1068),  # Shanghai - Beijing
        ((0.0, 0.0), (0.0, 180.0), 20015),  # half the equator
    ],
)
def test_great_circle_distances(a: tuple[float, float], b: tuple[float, float], km: int) -> None:
    assert distance_km(*a, *b) == pytest.approx(km, rel=0.005)
    assert distance_km(*a, *b) == pytest.approx(distance_km(*b, *a))
    assert distance_km(*a, *a) == 0


def test_opening_hours_in_canonical_form() -> None:
    hours = {day: [("08:00", "12:00"), ["13:00", "24:00"]] for day in DAYS}
    checked = check_opening_hours(hours)
    assert list(checked) == list(DAYS)
    assert checked["mon"] == [["08:00", "12:00"], ["13:00", "24:00"]]


def test_opening_hours_must_be_a_mapping() -> None:
    with pytest.raises(InvalidInput) as err:
        check_opening_hours([["09:00", "18:00"]])
    assert err.value.details["field"] == "opening_hours"
