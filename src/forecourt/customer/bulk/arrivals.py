"""People arriving in bulk: normalised persons as compact rows, gathered into columns."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import NamedTuple

from forecourt.customer.matching.blocking import blocking_keys
from forecourt.customer.matching.normalise import NormalisedPerson


class PersonRow(NamedTuple):
    """What storing one normalised person needs; small and cheap to send between processes."""

    display_name: str | None
    name_key: str | None
    name_hanzi: str | None
    phone_raw: str | None
    phone: str | None
    email: str | None
    city_id: int | None
    city_name: str | None
    country: str | None
    city_tier: int | None
    latitude: float | None
    longitude: float | None
    issues: tuple[str, ...]
    keys: tuple[str, ...]


def person_row(person: NormalisedPerson) -> PersonRow:
    """The row of one normalised person, with its blocking keys (each once)."""
    record = person.record
    return PersonRow(
        person.display_name,
        " ".join(record.name_tokens) or None,
        record.name_hanzi,
        person.phone_raw,
        record.phone,
        record.email,
        record.city_id,
        person.city_name,
        person.market_code,
        person.city_tier,
        person.latitude,
        person.longitude,
        person.issues,
        tuple(dict.fromkeys(blocking_keys(record))),
    )


@dataclass
class Arrivals:
    """New source identities in arrival order: channel, source id and person row each."""

    channel: list[str] = field(default_factory=list)
    source_id: list[str | None] = field(default_factory=list)
    rows: list[PersonRow] = field(default_factory=list)

    def add(self, channel: str, source_id: str | None, row: PersonRow) -> None:
        """One more arrival, after the earlier ones."""
        self.channel.append(channel)
        self.source_id.append(source_id)
        self.rows.append(row)

    def __len__(self) -> int:
        return len(self.rows)
