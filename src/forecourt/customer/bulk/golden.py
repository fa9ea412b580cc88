"""Survivorship over many customers at once, with the rule of `customer.golden`."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from forecourt.customer.golden import FIELDS, best_values

GOLDEN_COLUMNS = (*FIELDS, "market_code")


class _Member:
    """The fields survivorship reads of one record."""

    __slots__ = ("channel", "country", "created_at", "values")

    def __init__(
        self, channel: str, created_at: datetime, country: str | None, values: dict[str, Any]
    ) -> None:
        self.channel, self.created_at, self.country, self.values = (
            channel,
            created_at,
            country,
            values,
        )

    def __getattr__(self, name: str) -> Any:
        return self.values[name]


def golden_values(
    members: Sequence[int],
    column: Callable[[str, int], Any],
    channel: Callable[[int], str],
    created: Callable[[int], datetime],
) -> tuple[Any, ...]:
    """The golden value of each of GOLDEN_COLUMNS over the member records (positions).

    Records of one batch share a capture time; they are handed over latest first, so that
    among equals the later arrival counts as the newer, as it would have online."""
    if len(members) == 1:
        # One record: its own values, as `best_values` would pick them, without the ranking.
        (only,) = members
        return (*(column(f, only) for f in FIELDS), column("country", only) or None)
    rows = [
        _Member(channel(m), created(m), column("country", m), {f: column(f, m) for f in FIELDS})
        for m in sorted(members, reverse=True)
    ]
    values = best_values(rows)
    return tuple(values[name] for name in GOLDEN_COLUMNS)
