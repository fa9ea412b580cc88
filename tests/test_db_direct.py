"""Statements sent straight to the driver write and read what SQLAlchemy's own execution would,
in the connection's transaction, and fail the way it does."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from sqlalchemy import (
    Column,
    Connection,
    Float,
    Integer,
    MetaData,
    String,
    Table,
    Uuid,
    bindparam,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.exc import IntegrityError

from forecourt.db.direct import Direct
from forecourt.db.types import PortableJSON, UTCDateTime

METADATA = MetaData()
THINGS = Table(
    "direct_thing",
    METADATA,
    Column("id", Uuid, primary_key=True),
    Column("name", String(20), unique=True),
    Column("flags", PortableJSON, nullable=False),
    Column("at", UTCDateTime, nullable=False),
    Column("score", Float),
    Column("tries", Integer, default=0),
)


@pytest.fixture
def things(connection: Connection) -> Table:
    THINGS.create(connection)  # undone with the test's transaction
    return THINGS


def _row(name: str, **extra: object) -> dict[str, object]:
    values: dict[str, object] = {
        "id": uuid.uuid4(),
        "name": name,
        "flags": ["a", {"b": 1}],
        "at": datetime(2026, 5, 1, 12, 30, 15, 123456, tzinfo=UTC),
        "score": 0.25,
        "tries": 2,
    }
    return {**values, **extra}


def test_a_direct_insert_reads_back_as_a_core_insert_does(
    connection: Connection, things: Table
) -> None:
    direct, core = _row("direct"), _row("core", score=None)
    Direct(insert(things)).execute(connection, direct)
    connection.execute(insert(things), core)
    read = {r.name: r._asdict() for r in connection.execute(select(things))}
    assert read == {"direct": direct, "core": core}


def test_a_direct_select_converts_values_as_a_core_select_does(
    connection: Connection, things: Table
) -> None:
    connection.execute(insert(things), [_row("one"), _row("two", score=None, flags={"c": [2]})])
    query = select(things).where(things.c.name != bindparam("not_named")).order_by(things.c.name)
    core = [tuple(row) for row in connection.execute(query, {"not_named": "none"})]
    assert Direct(query).fetch_all(connection, {"not_named": "none"}) == core
    assert isinstance(core[0][0], uuid.UUID)
    assert core[0][3].tzinfo is UTC


def test_many_rows_an_update_count_and_raw_rows(connection: Connection, things: Table) -> None:
    Direct(insert(things)).execute_many(connection, [_row(f"n{n}") for n in range(3)])
    raise_score = Direct(
        update(things).where(things.c.name != bindparam("keep")).values(score=bindparam("to"))
    )
    assert raise_score.execute(connection, {"to": 1.5, "keep": "n0"}) == 2
    query = Direct(text("SELECT name, score FROM direct_thing WHERE score > :at_least"))
    assert sorted(query.fetch_all(connection, {"at_least": 1.0})) == [("n1", 1.5), ("n2", 1.5)]


def test_a_unique_violation_is_sqlalchemys_integrity_error(
    connection: Connection, things: Table
) -> None:
    add = Direct(insert(things))
    add.execute(connection, _row("twice"))
    with pytest.raises(IntegrityError), connection.begin_nested():
        add.execute(connection, _row("twice"))


def test_a_value_sqlalchemy_would_default_must_be_given(
    connection: Connection, things: Table
) -> None:
    values = _row("no tries")
    del values["tries"]
    with pytest.raises(ValueError, match="tries"):
        Direct(insert(things)).execute(connection, values)
