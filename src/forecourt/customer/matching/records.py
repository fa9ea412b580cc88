"""The normalised view of a person that blocking and scoring work on."""

from __future__ import annotations

from dataclasses import dataclass, field

from forecourt.kernel import pickling


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class PersonRecord:
    """One source identity, normalised; every field may be missing.

    - `name_tokens`: the name as folded Latin tokens, sorted so order does not matter:
      王伟 → ("wang", "wei"); "Wei WANG" → ("wang", "wei"); "Zoë Müller" → ("muller", "zoe").
    - `name_hanzi`: the name in simplified Hanzi without spaces when it was given in Hanzi.
    - `phone`: E.164 when the number parsed and is valid for its country, else None.
    - `email`: validated and case-folded, else None.
    - `city_id`: the geonames id of the city when it was recognised.
    """

    record_id: str
    name_tokens: tuple[str, ...] = ()
    name_hanzi: str | None = None
    phone: str | None = None
    email: str | None = None
    city_id: int | None = None
    country: str | None = None
    flags: tuple[str, ...] = field(default=())
