"""Bulk writes and reads without the ORM: many rows per statement, values converted per column.

The ORM (and even Core's per-row parameter handling) costs microseconds per value, which is
minutes over millions of rows. Here each column's values are converted with the column type's
own bind processor (so SQLite gets the same text for a UUID or a time as the ORM would write,
PostgreSQL its native values) and the rows go to the driver's executemany in batches. Reads
return rows as the driver gives them ("raw"), and raw ids can be written back as they are.
"""

from __future__ import annotations

import contextlib
import functools
import operator
from collections.abc import Callable, Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import islice
from typing import Any

from sqlalchemy import Connection, Dialect, Table, Uuid, bindparam, delete, insert, update
from sqlalchemy.orm import Session

from forecourt.db import forked
from forecourt.db.engine import SQLITE_FOREIGN_KEYS

BATCH = 50_000
#: Lazy rows fewer than this are made here even when there are worker processes: forking a copy
#: of a big process costs more than making a few thousand rows.
PARALLEL_MIN = 200_000
#: Rows per batch a forked process makes: small enough that the first batch, which this process
#: waits for, comes back soon.
FORKED_BATCH = 10_000
MEMORY = 100_000  # converted values remembered per column, at most
Processor = Callable[[Any], Any] | None


def insert_many(
    conn: Connection,
    table: Table,
    columns: Sequence[str],
    rows: Sequence[Sequence[Any]] | LazyRows,
    *,
    raw: Collection[str] = (),
) -> int:
    """Insert rows given as tuples of Python values in `columns` order; returns the count.
    Columns left out get their Python-side default, as with an ORM insert. The values of the
    `raw` columns are given as the driver takes them (see `converter`) and go in as they are."""
    if not len(rows):
        return 0
    defaults = _defaults(table, columns)
    names = [*columns, *defaults]
    converters = [
        None if name in raw else convert
        for name, convert in zip(names, processors(conn, table, names), strict=True)
    ]
    if conn.dialect.name == "postgresql":
        prepare, send = _copier(conn, table, names, converters)
    else:
        prepare, send = _inserter(conn, table, names, converters)

    def with_defaults(given: Sequence[Sequence[Any]]) -> Any:
        # One default value per batch is enough: each row gets its own copy in SQL.
        extra = tuple(make() for make in defaults.values())
        return prepare([(*row, *extra) for row in given] if extra else given)

    for batch in _prepared(rows, with_defaults):
        send(batch)
    return len(rows)


@dataclass(frozen=True)
class LazyRows:
    """`count` rows made on demand: `make(start, stop)` returns the rows start … stop - 1.

    Rows made this way need not all be held at once, and under `forked.processes(n)` big runs
    of them are made in forked processes while the rows made before go to the database.
    `make` may only read what it closes over: it runs in a copy of the process."""

    count: int
    make: Callable[[int, int], Sequence[Sequence[Any]]]

    def __len__(self) -> int:
        return self.count


Prepare = Callable[[Sequence[Sequence[Any]]], Any]
Send = Callable[[Any], None]


def _prepared(rows: Sequence[Sequence[Any]] | LazyRows, prepare: Prepare) -> Iterator[Any]:
    """The batches of `rows`, prepared for the driver, in order."""
    if not isinstance(rows, LazyRows):
        for given in _batches(rows):
            yield prepare(given)
        return
    # Rows already made are only converted: sending them to another process and back would
    # cost more than that. Lazy ones are made and converted in forked workers, if any, while
    # this process sends the batches that came back before.
    forking = forked.workers() > 1 and len(rows) >= PARALLEL_MIN
    size = FORKED_BATCH if forking else BATCH
    spans = [(start, min(start + size, len(rows))) for start in range(0, len(rows), size)]
    make = rows.make

    def made(span: tuple[int, int]) -> Any:
        return prepare(make(*span))

    yield from forked.forked_map(made, spans) if forking else map(made, spans)


def _inserter(
    conn: Connection, table: Table, names: Sequence[str], converters: list[Processor]
) -> tuple[Prepare, Send]:
    """Rows in `names` order, converted, go to the driver's executemany of one INSERT."""
    compiled = insert(table).compile(dialect=conn.dialect, column_keys=names)

    def prepare(rows: Sequence[Sequence[Any]]) -> Any:
        return _params(compiled, names, rows, converters)

    def send(params: Any) -> None:
        conn.exec_driver_sql(compiled.string, params)

    return prepare, send


def _copier(
    conn: Connection, table: Table, names: Sequence[str], converters: list[Processor]
) -> tuple[Prepare, Send]:
    """On PostgreSQL, rows go in with COPY … FROM STDIN: the server parses one stream instead
    of planning and answering an INSERT per row. Same transaction as `conn`."""
    driver = conn.connection.driver_connection
    assert driver is not None  # a connection in use always has its driver's connection
    quote = conn.dialect.identifier_preparer
    columns = ", ".join(quote.quote(name) for name in names)
    sql = f"COPY {quote.format_table(table)} ({columns}) FROM STDIN"

    def prepare(rows: Sequence[Sequence[Any]]) -> Any:
        return _converted(rows, converters)

    def send(rows: Any) -> None:
        with driver.cursor() as cursor, cursor.copy(sql) as copy:
            for row in rows:
                copy.write_row(row)

    return prepare, send


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
        conn.exec_driver_sql(compiled.string, _params(compiled, names, batch, converters))
    return len(rows)


def delete_many(conn: Connection, table: Table, key: str, raw_keys: Sequence[Any]) -> int:
    """Delete the rows whose `key` column holds one of `raw_keys` (as read back raw)."""
    if not raw_keys:
        return 0
    stmt = delete(table).where(table.c[key] == bindparam("where_key"))
    compiled = stmt.compile(dialect=conn.dialect)
    rows = [(k,) for k in raw_keys]
    conn.exec_driver_sql(compiled.string, _params(compiled, ["where_key"], rows, [None]))
    return len(raw_keys)


def select_raw(conn: Connection, statement: Any) -> list[tuple[Any, ...]]:
    """Rows of a Core select as the driver returns them (no per-value conversion)."""
    compiled = statement.compile(dialect=conn.dialect)
    params = compiled.construct_params()
    if compiled.positional:
        args: Any = tuple(params[name] for name in compiled.positiontup or ())
    else:
        args = params
    result = conn.exec_driver_sql(compiled.string, args)
    # The driver's own fetchall hands over plain tuples, without a Row object per row.
    rows: list[tuple[Any, ...]] = list(result.cursor.fetchall()) if result.cursor else []
    result.close()
    return rows


def converter(conn: Connection, table: Table, column: str) -> Callable[[Any], Any]:
    """One column's Python → database conversion (identity when the driver takes it as is)."""
    (convert,) = processors(conn, table, [column])
    return convert if convert is not None else _same


def processors(conn: Connection, table: Table, columns: Sequence[str]) -> list[Processor]:
    """The bind processor of each column for this connection's dialect (None: as is); those of
    columns whose values repeat (times, JSON lists and maps) remember their results."""
    dialect = conn.dialect
    found: list[Processor] = []
    for name in columns:
        column_type = table.c[name].type
        process = column_type.dialect_impl(dialect).bind_processor(dialect)
        if process is None:
            found.append(None)
        elif isinstance(column_type, Uuid):
            found.append(_uuid_processor(column_type, dialect, process))
        else:
            found.append(_remembering(process))
    return found


def _uuid_processor(column_type: Uuid[Any], dialect: Dialect, process: Processor) -> Processor:
    """Where the database has no UUID type, a UUID object goes in as its 32 hex digits: the
    attribute read straight, without the type's general-purpose wrapper around it."""
    if column_type.as_uuid and not (column_type.native_uuid and dialect.supports_native_uuid):
        return operator.attrgetter("hex")
    return process


def _params(
    compiled: Any, names: Sequence[str], rows: Sequence[Sequence[Any]], converters: list[Processor]
) -> list[Any]:
    """The driver's parameters for converted rows: tuples in statement order, or mappings."""
    if not compiled.positional:
        values = _converted(rows, converters)
        return [dict(zip(names, row, strict=True)) for row in values]
    # The statement lists the table's columns in the table's order: the values are converted
    # straight into that order, column by column, rather than each row rearranged afterwards.
    order = [names.index(name) for name in compiled.positiontup or ()]
    if order == list(range(len(names))) and not any(converters):
        return list(rows)  # nothing to convert or rearrange: the rows as they are
    return _converted(rows, converters, order)


def _converted(
    rows: Sequence[Sequence[Any]], converters: list[Processor], order: Sequence[int] | None = None
) -> list[tuple[Any, ...]]:
    """The rows with every value run through its column's processor, column by column; with
    `order`, the values of those columns (by index), in that order."""
    columns = []
    for index in range(len(converters)) if order is None else order:
        convert = converters[index]
        column = [row[index] for row in rows]
        if convert is not None:
            column = [None if value is None else convert(value) for value in column]
        columns.append(column)
    return list(zip(*columns, strict=True))


def _defaults(table: Table, given: Sequence[str]) -> dict[str, Callable[[], Any]]:
    """The Python-side defaults of the columns not given (a column added later still gets its
    default); keys and unique columns must always be given."""
    found: dict[str, Callable[[], Any]] = {}
    for column in table.c:
        default = column.default
        if column.name in given or default is None:
            continue
        if column.primary_key or column.unique:
            raise ValueError(f"{table.name}.{column.name} needs a value per row")
        if getattr(default, "is_scalar", False):
            found[column.name] = functools.partial(_same, getattr(default, "arg", None))
        elif getattr(default, "is_callable", False):
            found[column.name] = functools.partial(getattr(default, "arg"), None)  # noqa: B009
    return found


def _batches(rows: Sequence[Sequence[Any]]) -> Iterator[Sequence[Sequence[Any]]]:
    iterator = iter(rows)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def _remembering(process: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """`process`, remembering the results for values that repeat in bulk data: one capture time
    for a whole batch, the same empty list of flags, the same few UTM tags."""
    memory: dict[Any, Any] = {}
    # The time seen last and its result: a batch's rows share one capture time, and a time is
    # immutable, so the same object needs no lookup (a list could have changed since).
    last: list[Any] = [None, None]

    def run(value: Any) -> Any:
        if value is last[0] and value is not None:
            return last[1]
        key = _hashable(value)
        if key is None:
            return process(value)
        found = memory.get(key)
        if found is None:
            if len(memory) >= MEMORY:
                memory.clear()
            found = memory[key] = process(value)
        if key is value:  # only a datetime is its own key
            last[0], last[1] = value, found
        return found

    return run


def _hashable(value: Any) -> Any:
    """A key standing for the value (None when it is not worth remembering)."""
    kind = type(value)
    if kind is datetime:
        return value
    if kind is not list and kind is not dict:
        return None
    key = ("list", *value) if kind is list else ("dict", *value.items())
    try:
        hash(key)
    except TypeError:  # holds something unhashable: convert it each time
        return None
    return key


def _same(value: Any) -> Any:
    return value


def loading_connection(session: Session) -> Connection:
    """The connection of a session about to load rows in bulk, beginning its transaction: on
    SQLite, without foreign-key checks until it ends.

    A loader makes every reference it writes itself (ids it generated a moment before, or read
    in the same transaction), so the checks would find nothing; yet each costs a B-tree search
    of the parent's key per reference, in no useful order, and a million leads carry several
    million references (a third of the time of writing the blocking keys). The next
    transaction on the connection checks again. PostgreSQL keeps its checks."""
    if session.in_transaction():
        raise RuntimeError("a loading connection must begin its own transaction")
    return session.connection(execution_options={SQLITE_FOREIGN_KEYS: False})


@contextlib.contextmanager
def roomy_cache(conn: Connection, mebibytes: int = 1024) -> Iterator[None]:
    """On SQLite, a page cache big enough that index pages stay in memory while millions of rows
    go in (each row touches a page of every index); the connection's own size after. PostgreSQL
    keeps its buffers server-side, so nothing changes there."""
    if conn.dialect.name != "sqlite":
        yield
        return
    before = conn.exec_driver_sql("PRAGMA cache_size").scalar()
    conn.exec_driver_sql(f"PRAGMA cache_size=-{mebibytes * 1024}")
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA cache_size={int(before or -2000)}")


@contextlib.contextmanager
def indexes_built_after(conn: Connection, tables: Sequence[str], rows: int) -> Iterator[None]:
    """On SQLite, while `rows` rows go into `tables` that hold fewer rows than that, their
    secondary indexes are dropped and built again afterwards, in the same transaction.

    Each inserted row otherwise updates every index at a random place (a customer id, a source
    id), a page read and written per index per row; building an index afterwards sorts the
    keys once and writes its pages in order. On a table that already holds more rows than come
    in, rebuilding would cost more than it saves, so its indexes stay. Unique constraints stay
    in any case: they are what rejects a duplicate. A failure rolls the drop back with the rest
    of the transaction. PostgreSQL keeps its indexes."""
    if conn.dialect.name != "sqlite":
        yield
        return
    rebuilt = [found for table in tables for found in _secondary_indexes(conn, table, rows)]
    quote = conn.dialect.identifier_preparer.quote_identifier
    for name, _ in rebuilt:
        conn.exec_driver_sql(f"DROP INDEX {quote(name)}")
    yield
    for _, sql in rebuilt:
        conn.exec_driver_sql(sql)


def _secondary_indexes(conn: Connection, table: str, rows: int) -> list[tuple[str, str]]:
    """(name, CREATE INDEX statement) of `table`'s own indexes, if it holds fewer than `rows`
    (counted only when it has such indexes: counting a big table reads up to `rows` rows)."""
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = ?"
        " AND sql IS NOT NULL",
        (table,),
    )
    indexes = [(str(name), str(sql)) for name, sql in found]
    if not indexes:
        return []
    quoted = conn.dialect.identifier_preparer.quote_identifier(table)
    held = conn.exec_driver_sql(f"SELECT count(*) FROM (SELECT 1 FROM {quoted} LIMIT {rows:d})")
    return indexes if int(held.scalar() or 0) < rows else []
