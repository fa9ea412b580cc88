"""Survivorship: which source identity's value the golden profile shows, field by field."""

from __future__ import annotations

from collections.abc import Sequence

from forecourt.customer.models import Customer, SourceIdentity

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


def _rank(identity: SourceIdentity) -> tuple[int, float]:
    # Most trusted channel first; among equals, the newest value wins.
    return TRUST.get(identity.channel, 9), -identity.created_at.timestamp()


def refresh(customer: Customer, identities: Sequence[SourceIdentity]) -> None:
    """Set each golden field to the best non-empty value among the customer's identities."""
    ranked = sorted(identities, key=_rank)
    for field in FIELDS:
        value = next((getattr(i, field) for i in ranked if getattr(i, field) is not None), None)
        setattr(customer, field, value)
    customer.market_code = next((i.country for i in ranked if i.country), None)
