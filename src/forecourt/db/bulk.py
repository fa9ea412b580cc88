"""Bulk writes and reads without the ORM: many rows per statement, values converted per column.

The ORM (and even Core's per-row parameter handling) costs microseconds per value, which is
minutes over millions of rows. Here each column's values are converted once with the column
type's own bind processor (so SQLite gets the same text for a UUID or a time as the ORM would
write, PostgreSQL its native values) and the rows go to the driver's executemany in batches.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Table, Uuid, bindparam, delete, insert, update

BATCH = 50_000
Processor = Callable[[Any], Any] | None


def processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Processor]:
    """The bind processor of each column for this connection's dialect (None: as is); those of
    columns whose values repeat (times, JSON lists and maps) remember their results."""
    dialect = conn.dialect
    found: list[Processor] = []
    for name in columns:
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        repeats = process is not None and not isinstance(column_type, Uuid)
        found.append(_remembering(process) if repeats and process is not None else process)
    return found


MEMORY = 100_000


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, remembering the results for values that repeat in bulk data: one capture time
    for a whole batch, the same empty list of flags, the same few UTM tags."""
    memory: dict[Any, Any] = {}

    def run(value: Any) -> Any:
        key = _hashable(value)
        if key is None:
            return process(value)
        if key not in memory:
            if len(memory) >= MEMORY:
                memory.clear()
            memory[key] = process(value)
        return memory[key]

    return run


def _hashable(value: Any) -> Any:
    """A key standing for the value (None when it is not worth remembering)."""
    if isinstance(value, list) and all(isinstance(item, str) for item in value):
        return ("list", *value)
    if isinstance(value, dict) and all(isinstance(item, str) for item in value.values()):
        return ("dict", *value.items())
    if isinstance(value, datetime):
        return value
    return None


def insert_many(
    conn: Connection, table: Table, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Insert rows given as tuples of Python values in `columns` order; returns the count."""
    if not rows:
        return 0
    defaults = _defaults(table, columns)
    columns = [*columns, *defaults]
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=list(columns))
    converters = processors(conn, table, columns)
    for given in _batches(rows):
        batch = (
            [(*row, *(make() for make in defaults.values())) for row in given]
            if defaults
            else given
        )
        values = _converted(batch, converters)
        if compiled.positional:
            order = [columns.index(name) for name in compiled.positiontup or ()]
            params: list[Any] = [tuple(row[k] for k in order) for row in values]
        else:
            params = [dict(zip(columns, row, strict=True)) for row in values]
        conn.exec_driver_sql(compiled.string, params)
    return len(rows)


def _defaults(table: Table, given: Sequence[str]) -> dict[str, Callable[[], Any]]:
    """The Python-side defaults of the columns not given (a column added later still gets its
    default, as an ORM insert would give it)."""
    found: dict[str, Callable[[], Any]] = {}
    for column in table.c:
        default = column.default
        if column.name in given or default is None:
            continue
        if getattr(default, "is_scalar", False):
            found[column.name] = functools.partial(_same, getattr(default, "arg", None))
        elif getattr(default, "is_callable", False):
            found[column.name] = functools.partial(getattr(default, "arg"), None)  # noqa: B009
    return found


def _batches(rows: Sequence[Sequence[Any]]) -> Iterator[Sequence[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _converted(rows: Sequence[Sequence[Any]], converters: list[Processor]) -> list[tuple[Any, ...]]:
    """The rows with every value run through its column's processor, column by column."""
    columns = []
    for index, convert in enumerate(converters):
        column = [row[index] for row in rows]
        if convert is not None:
            column = [None if value is None else convert(value) for value in column]
        columns.append(column)
    return list(zip(*columns, strict=True))


def converter(conn: Connection, table: Table, column: str) -> Callable[[Any], Any]:
    """One column's Python → database conversion (identity when the driver takes it as is)."""
    (convert,) = processors(conn, table, [column])
    return convert if convert is not None else _same


def _same(value: Any) -> Any:
    return value


def update_many(
    conn: Connection,
    table: Table,
    key: str,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]],
) -> int:
    """Set `columns` on the rows whose `key` column (given as read raw from the database, the
    last value of each row) matches; the other values are Python values, converted here."""
    if not rows:
        return 0
    stmt = (
        update(table)
        .where(table.c[key] == bindparam("where_key"))
        .values({name: bindparam(f"set_{name}") for name in columns})
    )
    compiled = stmt.compile(dialect=conn.dialect)
    names = [f"set_{name}" for name in columns] + ["where_key"]
    converters = [*processors(conn, table, columns), None]
    for batch in _batches(rows):
        values = _converted(batch, converters)
        if compiled.positional:
            order = [names.index(name) for name in compiled.positiontup or ()]
            params: list[Any] = [tuple(row[k] for k in order) for row in values]
        else:
            params = [dict(zip(names, row, strict=True)) for row in values]
        conn.exec_driver_sql(compiled.string, params)
    return len(rows)


def select_raw(conn: Connection, statement: Any) -> list[tuple[Any, ...]]:
    """Rows of a Core select as the driver returns them (no per-value conversion)."""
    compiled = statement.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        args: Any = tuple(params[name] for name in compiled.positiontup or ())
    else:
        args = params
    return [tuple(row) for row in conn.exec_driver_sql(compiled.string, args)]


def delete_many(conn: Connection, table: Table, key: str, raw_keys: Sequence[Any]) -> int:
    """Delete the rows whose `key` column holds one of `raw_keys` (as read back raw)."""
    if not raw_keys:
        return 0
    compiled = (
        delete(table).where(table.c[key] == bindparam("where_key")).compile(dialect=conn.dialect)
    )
    params: list[Any] = (
        [(k,) for k in raw_keys] if compiled.positional else [{"where_key": k} for k in raw_keys]
    )
    conn.exec_driver_sql(compiled.string, params)
    return len(raw_keys)
