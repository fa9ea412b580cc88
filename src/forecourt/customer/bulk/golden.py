"""Survivorship over many customers at once, with the rule of `customer.golden`."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from typing import Any

from forecourt.customer.golden import FIELDS, rank

GOLDEN_COLUMNS = (*FIELDS, "market_code")


def golden_values(
    members: Sequence[int],
    columns: Mapping[str, Sequence[Any]],
    created: Callable[[int], datetime],
) -> tuple[Any, ...]:
    """The golden value of each of GOLDEN_COLUMNS over the member records (positions in
    `columns`), as `customer.golden.best_values` picks them.

    Records of one batch share a capture time; they are ranked latest first before the
    (stable) survivorship sort, so that among equals the later arrival counts as the newer, as
    it would have online."""
    countries = columns["country"]
    if len(members) == 1:
        # One record: its own values, as `best_values` would pick them, without the ranking.
        (only,) = members
        return (*(columns[f][only] for f in FIELDS), countries[only] or None)
    channels = columns["channel"]
    ranked = sorted(sorted(members, reverse=True), key=lambda m: rank(channels[m], created(m)))
    values = [_first(columns[f], ranked) for f in FIELDS]
    market = next((countries[m] for m in ranked if countries[m]), None)
    return (*values, market)


def _first(column: Sequence[Any], ranked: Sequence[int]) -> Any:
    """The first value that is not None among the ranked records."""
    for m in ranked:
        value = column[m]
        if value is not None:
            return value
    return None
