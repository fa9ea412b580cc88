"""Bulk inserts write what the ORM would, whether rows are made here or in forked processes."""

from __future__ import annotations

import os
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import pytest
from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, Uuid, select

from forecourt.db import bulk, forked
from forecourt.db.types import PortableJSON, UTCDateTime

METADATA = MetaData()
MADE = Table(
    "bulk_made",
    METADATA,
    Column("id", Uuid, primary_key=True),
    Column("n", Integer, nullable=False),
    Column("maker", Integer, nullable=False),
    Column("tags", PortableJSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("note", String(20), default="none"),
)
AT = datetime(2026, 12, 1, 9, 30, tzinfo=UTC)
IDS = [uuid.uuid4() for _ in range(50)]


@pytest.fixture
def made(connection: Connection) -> Table:
    MADE.create(connection)  # undone with the test's transaction
    return MADE


def _rows(start: int, stop: int) -> Sequence[tuple[Any, ...]]:
    """Rows numbered start … stop - 1, each saying which process made it."""
    return [(IDS[n], n, os.getpid(), ["x", n], AT) for n in range(start, stop)]


def _stored(connection: Connection, table: Table) -> list[tuple[Any, ...]]:
    query = select(table.c.id, table.c.n, table.c.tags, table.c.at, table.c.note)
    return [tuple(row) for row in connection.execute(query.order_by(table.c.n))]


def _makers(connection: Connection, table: Table) -> set[int]:
    return set(connection.execute(select(table.c.maker)).scalars())


COLUMNS = ("id", "n", "maker", "tags", "at")
EXPECTED = [(IDS[n], n, ["x", n], AT, "none") for n in range(50)]


def test_lazy_rows_are_made_here_without_worker_processes(
    connection: Connection, made: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN", 10)
    assert bulk.insert_many(connection, made, COLUMNS, bulk.LazyRows(50, _rows)) == 50
    assert _stored(connection, made) == EXPECTED
    assert _makers(connection, made) == {os.getpid()}


def test_with_worker_processes_big_lazy_inserts_are_made_in_forked_processes_in_order(
    connection: Connection, made: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN", 10)
    monkeypatch.setattr(bulk, "FORKED_BATCH", 6)
    with forked.processes(2):
        assert bulk.insert_many(connection, made, COLUMNS, bulk.LazyRows(50, _rows)) == 50
    assert _stored(connection, made) == EXPECTED  # every row, converted as the ORM would
    makers = _makers(connection, made)
    assert os.getpid() not in makers
    assert 1 <= len(makers) <= 2


def test_small_inserts_and_rows_already_made_stay_in_this_process(
    connection: Connection, made: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN", 30)
    with forked.processes(2):
        bulk.insert_many(connection, made, COLUMNS, bulk.LazyRows(20, _rows))
        bulk.insert_many(connection, made, COLUMNS, _rows(20, 50))
    assert _stored(connection, made) == EXPECTED
    assert _makers(connection, made) == {os.getpid()}


def test_a_failing_row_maker_fails_the_insert(
    connection: Connection, made: Table, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(bulk, "PARALLEL_MIN", 10)

    def broken(start: int, stop: int) -> Sequence[tuple[Any, ...]]:
        if stop > 40:
            raise ValueError("no row 40")
        return _rows(start, stop)

    with forked.processes(2), pytest.raises(ValueError, match="no row 40"):
        bulk.insert_many(connection, made, COLUMNS, bulk.LazyRows(50, broken))


def test_raw_columns_go_in_as_given_and_read_back_as_python_values(
    connection: Connection, made: Table
) -> None:
    to_raw = bulk.converter(connection, made, "id")
    rows = [(to_raw(IDS[n]), n, os.getpid(), ["x", n], AT) for n in range(50)]
    bulk.insert_many(connection, made, COLUMNS, rows, raw=("id",))
    assert _stored(connection, made) == EXPECTED
