"""New rows written at once with a Core INSERT, for the hot paths that write many small rows.

The ORM's unit of work pays for change tracking, dependency sorting and a flush for every
object it saves; a capture writes eight or so rows that are never changed again in the same
transaction (the lead's clock, its timers, its routing decision, its events), so they go
straight to the database, on the driver's cursor (db.direct: SQLAlchemy's execution path cost
more than SQLite's work for such a row). The object passed in gets every column default the row
got, and stays outside the session: changes made to it afterwards are not saved.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from sqlalchemy import Connection, Table, inspect
from sqlalchemy.orm import DeclarativeBase, Session

from forecourt.db.direct import Direct


def insert_now(session: Session, obj: DeclarativeBase) -> None:
    """INSERT the row of a new mapped object in the session's transaction, now.

    Objects the session still has to flush are flushed first, so a row this one refers to (a
    foreign key) is there before it."""
    table, row = row_of(obj)
    _insert(table).execute(core(session), row)


def insert_values(session: Session, cls: type[DeclarativeBase], **values: Any) -> dict[str, Any]:
    """INSERT a new row of the mapped class `cls`, given by its attributes' values, the columns
    not given getting their defaults, in the session's transaction, now; the values written.

    For a row nobody reads back as an object: no object is made, so none of the ORM's change
    tracking is set up for it (which cost more than the INSERT on capture's path)."""
    table, columns = _columns(cls)
    unknown = values.keys() - _attributes(cls)
    if unknown:
        raise TypeError(f"{cls.__name__} has no attribute {sorted(unknown)[0]!r}")
    row: dict[str, Any] = {}
    for attribute, column in columns:
        if attribute in values:
            row[column.key] = values[attribute]
        elif column.default is not None:
            row[column.key] = _default(column.default)
    _insert(table).execute(core(session), row)
    return row


def insert_rows_now(session: Session, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """INSERT rows given as mappings (each naming every column written, the same names in each)
    in the session's transaction, now, in one driver call; pending objects are flushed first."""
    _insert(table).execute_many(core(session), rows)


@cache
def _insert(table: Table) -> Direct:
    """The table's INSERT, compiled once per set of columns given."""
    return Direct(table.insert())


def core(session: Session) -> Connection:
    """The session's connection, for Core statements on hot paths, with the session's pending
    changes flushed first so that the statement sees them.

    `Session.execute` runs even a Core statement through the ORM's execution path (and a Core
    INSERT through its bulk-insert machinery), work wasted on a statement that names tables
    and columns only."""
    if session.new or session.dirty or session.deleted:
        session.flush()
    return session.connection()


def row_of(obj: DeclarativeBase) -> tuple[Table, dict[str, Any]]:
    """The table and column values of a mapped object, filling its unset columns' defaults into
    the object (an id from `new_id`, a status "new") so that it shows what was written."""
    table, columns = _columns(type(obj))
    state = obj.__dict__
    row: dict[str, Any] = {}
    for attribute, column in columns:
        if attribute not in state and column.default is not None:
            setattr(obj, attribute, _default(column.default))
        if attribute in state:
            row[column.key] = state[attribute]
    return table, row


@cache
def _columns(cls: type[DeclarativeBase]) -> tuple[Table, list[tuple[str, Any]]]:
    mapper = inspect(cls)
    table = mapper.local_table
    assert isinstance(table, Table)
    return table, [(prop.key, prop.columns[0]) for prop in mapper.column_attrs]


@cache
def _attributes(cls: type[DeclarativeBase]) -> frozenset[str]:
    return frozenset(attribute for attribute, _ in _columns(cls)[1])


def _default(default: Any) -> Any:
    if default.is_callable:
        return default.arg(None)  # SQLAlchemy wraps a plain callable to take a context
    if default.is_scalar:
        return default.arg
    raise TypeError(f"column default {default!r} is evaluated by the database")
