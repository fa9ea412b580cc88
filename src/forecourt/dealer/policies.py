"""Pure rules of the dealer network: opening hours, distances, who may change a dealer."""

from __future__ import annotations

import math
import re
from typing import Any

from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import Principal, Role

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
KINDS = ("own", "franchise", "multibrand")
EARTH_RADIUS_KM = 6371.0088  # the IUGG mean radius
_TIME = re.compile(r"^([01]\d|2[0-3]):[0-5]\d$|^24:00$")

OpeningHours = dict[str, list[list[str]]]


def check_opening_hours(hours: Any) -> OpeningHours:
    """Opening hours in canonical form; InvalidInput naming the bad day (e.g. opening_hours.tue)."""
    if not isinstance(hours, dict):
        raise InvalidInput("opening hours must map days to intervals", field="opening_hours")
    unknown = sorted(set(hours) - set(DAYS))
    missing = [day for day in DAYS if day not in hours]
    if unknown or missing:
        field = f"opening_hours.{(unknown or missing)[0]}"
        raise InvalidInput(
            f"opening hours need exactly the days {', '.join(DAYS)}",
            field=field,
            unknown=unknown,
            missing=missing,
        )
    return {day: _check_day(day, hours[day]) for day in DAYS}


def _check_day(day: str, intervals: Any) -> list[list[str]]:
    field = f"opening_hours.{day}"
    if not isinstance(intervals, list):
        raise InvalidInput(f"{day}: a list of [open, close] intervals is expected", field=field)
    result: list[list[str]] = []
    for interval in intervals:
        if not _is_interval(interval):
            raise InvalidInput(f'{day}: {interval!r} is not ["HH:MM", "HH:MM"]', field=field)
        opens, closes = interval
        if opens >= closes or (result and opens < result[-1][1]):
            raise InvalidInput(
                f"{day}: intervals must open before they close, in order, without overlap",
                field=field,
            )
        result.append([opens, closes])
    return result


def _is_interval(value: Any) -> bool:
    return (
        isinstance(value, list | tuple)
        and len(value) == 2
        and all(isinstance(t, str) and _TIME.match(t) for t in value)
    )


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance between two points (haversine), in kilometres."""
    phi1, phi2 = math.radians(lat1), math.radians(lat2)
    d_phi, d_lambda = phi2 - phi1, math.radians(lon2 - lon1)
    a = math.sin(d_phi / 2) ** 2 + math.cos(phi1) * math.cos(phi2) * math.sin(d_lambda / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def may_edit(principal: Principal, market_code: str) -> bool:
    """HQ may change any dealer; a market manager only the dealers of their own markets."""
    if principal.is_hq:
        return True
    return principal.role is Role.MARKET_MANAGER and market_code in principal.market_codes
