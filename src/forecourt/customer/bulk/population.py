"""Stored identities and new arrivals as one population of records in arrival order."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import numpy as np
from sqlalchemy import Connection

from forecourt.customer.bulk import store
from forecourt.customer.bulk.arrivals import Arrivals
from forecourt.customer.bulk.frame import Frame
from forecourt.customer.bulk.pairs import Ints

MATCHING = ("name_key", "name_hanzi", "phone", "email", "city_id", "country")
SURVIVORSHIP = ("display_name", "city_name", "city_tier")


@dataclass
class Population:
    """Records 0..n-1: the stored identities (oldest first), then the arrivals in order."""

    stored: int
    columns: dict[str, list[Any]]
    created: list[Any]  # as read (text on SQLite) for stored records; see `created_at`
    keys: list[str]
    key_records: Ints
    to_time: Callable[[Any], datetime] = field(default=lambda value: value, repr=False)
    _frame: Frame | None = field(default=None, repr=False)

    def __len__(self) -> int:
        return len(self.created)

    def frame(self) -> Frame:
        """The matching view of every record (built once)."""
        if self._frame is None:
            c = self.columns
            self._frame = Frame.of(
                c["name_key"], c["name_hanzi"], c["phone"], c["email"], c["city_id"], c["country"]
            )
        return self._frame

    def created_at(self, position: int) -> datetime:
        """When a record was captured (converted on demand: survivorship needs few of them)."""
        value = self.created[position]
        return value if isinstance(value, datetime) else self.to_time(value)


def load(
    conn: Connection,
    arrivals: Arrivals | None = None,
    ids: list[uuid.UUID] | None = None,
    now: datetime | None = None,
) -> Population:
    """Every stored identity with its keys, then the arrivals with their new ids, in order."""
    stored = store.stored_identities(conn)
    count = len(stored)
    columns = {name: list(stored.columns[name]) for name in (*MATCHING, *SURVIVORSHIP)}
    columns["id"] = list(stored.columns["id"])
    columns["customer_id"] = list(stored.columns["customer_id"])
    columns["channel"] = list(stored.columns["channel"])
    columns["match_outcome"] = list(stored.columns["match_outcome"])
    columns["match_probability"] = list(stored.columns["match_probability"])
    created = list(stored.columns["created_at"])
    position = {raw: n for n, raw in enumerate(columns["id"])}
    key_rows = store.stored_keys(conn)
    keys = [key for _, key in key_rows]
    records = [position[identity] for identity, _ in key_rows]
    if arrivals is not None and ids is not None and now is not None:
        to_raw = store.raw(conn, "id")
        _append(columns, created, keys, records, arrivals, now)
        columns["id"].extend(to_raw(i) for i in ids)
    return Population(
        count,
        columns,
        created,
        keys,
        np.array(records, dtype=np.int64),
        to_time=store.created_times(conn),
    )


def _append(
    columns: dict[str, list[Any]],
    created: list[Any],
    keys: list[str],
    records: list[int],
    arrivals: Arrivals,
    now: datetime,
) -> None:
    """Add the arrivals' fields after the stored records."""
    start = len(created)
    for name in (*MATCHING, *SURVIVORSHIP):
        columns[name].extend(getattr(row, name) for row in arrivals.rows)
    columns["customer_id"].extend(None for _ in arrivals.rows)
    columns["channel"].extend(arrivals.channel)
    columns["match_outcome"].extend(None for _ in arrivals.rows)
    columns["match_probability"].extend(None for _ in arrivals.rows)
    created.extend(now for _ in arrivals.rows)
    for offset, row in enumerate(arrivals.rows):
        keys.extend(row.keys)
        records.extend(start + offset for _ in row.keys)
