"""Survivorship: which source identity's value the golden profile shows, field by field."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, Protocol

from forecourt.customer.models import Customer

# Channels ranked by how far we trust what they captured: a dealer met the person; a
# live-broadcast sign-up is typed fast on a phone, often with a nickname.
TRUST = {
    "dealer": 0,
    "call_centre": 1,
    "web": 2,
    "in_car": 3,
    "multibrand": 4,
    "partner": 5,
    "road_show": 6,
    "live_broadcast": 7,
}
FIELDS = (
    "display_name",
    "name_key",
    "name_hanzi",
    "phone",
    "email",
    "city_id",
    "city_name",
    "city_tier",
)


class Identity(Protocol):
    """What survivorship reads of a source identity (an entity or a fetched row)."""

    @property
    def channel(self) -> str: ...
    @property
    def created_at(self) -> datetime: ...
    @property
    def country(self) -> str | None: ...


def rank(channel: str, created_at: datetime) -> tuple[int, float]:
    """Survivorship order of a source identity: most trusted channel first; among equals, the
    newest value wins."""
    return TRUST.get(channel, 9), -created_at.timestamp()


def _rank(identity: Identity) -> tuple[int, float]:
    return rank(identity.channel, identity.created_at)


def best_values(identities: Sequence[Identity]) -> dict[str, Any]:
    """Each golden field's best non-empty value among the identities, and the market."""
    ranked = sorted(identities, key=_rank)
    values = {
        field: next((getattr(i, field) for i in ranked if getattr(i, field) is not None), None)
        for field in FIELDS
    }
    values["market_code"] = next((i.country for i in ranked if i.country), None)
    return values


def refresh(customer: Customer, identities: Sequence[Identity]) -> None:
    """Set each golden field to the best non-empty value among the customer's identities."""
    for field, value in best_values(identities).items():
        setattr(customer, field, value)
