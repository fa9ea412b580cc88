"""Records as columns: the matching fields of many records, in arrival order, as arrays.

Equality levels become integer comparisons once every value is replaced by a code (the same
value, the same code; no value, -1), so the frame keeps both the codes and the strings the fuzzy
levels still need.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from forecourt.customer.matching.records import PersonRecord
from forecourt.db import forked

Codes = npt.NDArray[np.int32]
NONE = -1


def factorise(values: Iterable[str | None], table: dict[str, int] | None = None) -> Codes:
    """A code per value: equal values get equal codes, a missing value gets NONE."""
    seen: dict[str, int] = {} if table is None else table
    return np.fromiter(
        (NONE if v is None else seen.setdefault(v, len(seen)) for v in values), dtype=np.int32
    )


@dataclass
class Frame:
    """The matching view of records 0..n-1 (arrival order), as codes and strings."""

    name_key: list[str | None]
    name_hanzi: list[str | None]
    phone: list[str | None]
    email: list[str | None]
    city_id: npt.NDArray[np.int64]
    country: list[str | None]
    codes: dict[str, Codes] = field(default_factory=dict)
    _records: dict[int, PersonRecord] = field(default_factory=dict, repr=False)

    def __len__(self) -> int:
        return len(self.name_key)

    @classmethod
    def of(
        cls,
        name_key: list[str | None],
        name_hanzi: list[str | None],
        phone: list[str | None],
        email: list[str | None],
        city_id: Sequence[int | None],
        country: list[str | None],
    ) -> Frame:
        """A frame from its columns; codes are derived here once."""
        cities = np.fromiter((NONE if c is None else c for c in city_id), dtype=np.int64)
        frame = cls(name_key, name_hanzi, phone, email, cities, country)
        # Each column is coded on its own, on the bulk job's worker processes if it has some
        # (a worker consumes its copy of the column's generator).
        columns: dict[str, Iterable[str | None]] = {
            "name": name_key,
            "hanzi": name_hanzi,
            "letters": (_letters(k) for k in name_key),
            "phone": phone,
            "last8": (p[-8:] if p and len(p) >= 9 else None for p in phone),
            "email": email,
            "local": (e.partition("@")[0] if e else None for e in email),
            "country": country,
        }
        steps = [functools.partial(factorise, values) for values in columns.values()]
        frame.codes = dict(zip(columns, forked.side_by_side(*steps), strict=True))
        return frame

    def record(self, position: int) -> PersonRecord:
        """One record as the online path sees a stored identity (built once per record)."""
        found = self._records.get(position)
        if found is None:
            found = self._records[position] = self._record(position)
        return found

    def _record(self, position: int) -> PersonRecord:
        key = self.name_key[position]
        city = int(self.city_id[position])
        return PersonRecord(
            record_id=str(position),
            name_tokens=tuple(key.split()) if key else (),
            name_hanzi=self.name_hanzi[position],
            phone=self.phone[position],
            email=self.email[position],
            city_id=None if city == NONE else city,
            country=self.country[position],
        )


def _letters(name_key: str | None) -> str | None:
    """The name's letters sorted: equal for every split of the same letters."""
    return "".join(sorted(name_key.replace(" ", ""))) if name_key else None
