"""Candidate pairs from blocking keys, with the online path's key limits, in bounded chunks.

The online path fetches, for a new record, the stored records of each of its keys, and drops a
key already held by more records than its kind allows. In arrival order that is: the record at
position p of a key's members (p records came before it) gets those p as candidates when
p ≤ the key's limit, and none from that key otherwise. Pairs are expanded from the sorted key
table with array arithmetic (no self-join materialised per key), deduplicated across keys, and
handed out in chunks of later records so memory stays bounded on millions of records.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from forecourt.customer.bulk.frame import factorise
from forecourt.customer.matching.blocking import DEFAULT_KEY_LIMIT, KEY_LIMITS, key_kind

Ints = npt.NDArray[np.int64]
CHUNK_PAIRS = 4_000_000


@dataclass(frozen=True)
class Pairs:
    """Candidate pairs (earlier record j, later record i), sorted by i then j."""

    i: Ints
    j: Ints

    def __len__(self) -> int:
        return len(self.i)


@dataclass(frozen=True)
class KeyTable:
    """Key rows sorted by key then arrival: each row's record and its position in its key."""

    record: Ints
    position: Ints
    block_start: Ints

    @classmethod
    def of(
        cls,
        keys: Sequence[str],
        records: Ints,
        limits: Mapping[str, int] = KEY_LIMITS,
    ) -> tuple[KeyTable, Ints]:
        """The sorted table, and the rows whose record may take candidates from the key."""
        table: dict[str, int] = {}
        codes = factorise(keys, table).astype(np.int64)
        limit_of = np.array(
            [limits.get(key_kind(k), DEFAULT_KEY_LIMIT) for k in table], dtype=np.int64
        )
        order = np.lexsort((records, codes))
        code, record = codes[order], records[order]
        starts = np.flatnonzero(np.r_[True, code[1:] != code[:-1]])
        block_start = np.repeat(starts, np.diff(np.r_[starts, len(code)]))
        position = np.arange(len(code)) - block_start
        takers = np.flatnonzero((position >= 1) & (position <= limit_of[code]))
        return cls(record, position, block_start), takers


def candidate_chunks(
    keys: Sequence[str],
    records: Ints,
    *,
    first_decided: int = 0,
    limits: Mapping[str, int] = KEY_LIMITS,
    chunk_pairs: int = CHUNK_PAIRS,
) -> tuple[KeyTable, list[Ints]]:
    """Every candidate pair (j, i) with i ≥ `first_decided`, planned in chunks of whole
    records i: the key table, and per chunk the taker rows whose pairs `chunk_pairs` expands.

    `keys[r]` is a blocking key of record `records[r]`; records are numbered in arrival order.
    """
    table, takers = KeyTable.of(keys, records, limits)
    takers = takers[table.record[takers] >= first_decided]
    takers = takers[np.argsort(table.record[takers], kind="stable")]
    return table, list(_chunks(takers, table, chunk_pairs))


def _chunks(takers: Ints, table: KeyTable, size: int) -> Iterator[Ints]:
    """Slices of the taker rows (sorted by record) holding about `size` pairs, whole records."""
    if len(takers) == 0:
        return
    counts = np.cumsum(table.position[takers])
    record = table.record[takers]
    begin = 0
    while begin < len(takers):
        base = counts[begin - 1] if begin else 0
        end = int(np.searchsorted(counts, base + size, side="right"))
        end = max(end, begin + 1)
        # Never split one record's rows over two chunks: its pairs are deduplicated together.
        end = int(np.searchsorted(record, record[end - 1], side="right"))
        yield takers[begin:end]
        begin = end


def chunk_pairs(table: KeyTable, rows: Ints) -> Pairs:
    """The pairs of one planned chunk of taker rows (`candidate_chunks`): each with every
    earlier member of its key, each pair once."""
    counts = table.position[rows]
    total = int(counts.sum())
    firsts = np.cumsum(counts) - counts
    offsets = np.arange(total, dtype=np.int64) - np.repeat(firsts, counts)
    i = np.repeat(table.record[rows], counts)
    j = table.record[np.repeat(table.block_start[rows], counts) + offsets]
    width = np.int64(int(table.record.max()) + 1)
    # Sorting and dropping repeats beats np.unique's hashing on millions of int64.
    combined = np.sort(i * width + j)
    unique = combined[np.r_[True, combined[1:] != combined[:-1]]]
    return Pairs(unique // width, unique % width)
