"""Core statements sent straight to the driver's cursor: the few run for every lead.

For a one-row INSERT or a small SELECT, SQLAlchemy's execution path (the compiled-cache lookup,
parameter processing, the result object) costs more than SQLite takes to run it. A `Direct`
statement is compiled by SQLAlchemy once per dialect and set of parameter names; each value is
converted by its bind's own type processor (what SQLAlchemy would send), the statement runs on
the driver's cursor in the connection's transaction, and a SELECT's values come back converted
by its columns' types (what SQLAlchemy would return), as plain tuples. A driver error is raised
as SQLAlchemy's wrapper of it (an IntegrityError stays an IntegrityError).

What this leaves out: such statements pass no SQLAlchemy events (FORECOURT_ECHO_SQL does not
log them), and column defaults are not applied, so an INSERT names every value it writes.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.types import TypeEngine

Processor = Callable[[Any], Any] | None


@dataclass(frozen=True, slots=True, eq=False)
class _Prepared:
    """A statement compiled for one dialect: its SQL, the parameter names in the driver's order
    (positional) or by name, each parameter's bind processor, and a SELECT's column types.
    Compared by identity: it keys the result processors worked out on its first run."""

    sql: str
    names: tuple[str, ...]
    processors: tuple[Processor, ...]
    positional: bool
    types: tuple[TypeEngine[Any], ...] | None

    def args(self, values: Mapping[str, Any]) -> Any:
        converted = [
            values[name] if process is None else process(values[name])
            for name, process in zip(self.names, self.processors, strict=True)
        ]
        return (
            tuple(converted) if self.positional else dict(zip(self.names, converted, strict=True))
        )


class Direct:
    """A Core statement run on the driver's cursor (module docstring)."""

    def __init__(self, statement: ClauseElement) -> None:
        self._statement = statement
        self._prepared: dict[tuple[Dialect, tuple[str, ...]], _Prepared] = {}
        self._results: dict[_Prepared, tuple[Processor, ...] | None] = {}

    def execute(self, connection: Connection, values: Mapping[str, Any]) -> int:
        """Run once with `values` (every parameter by name); the number of rows it changed."""
        prepared = self._prepare(connection.dialect, tuple(values))
        return int(_run(connection, prepared.sql, prepared.args(values), "execute"))

    def execute_many(self, connection: Connection, rows: Sequence[Mapping[str, Any]]) -> None:
        """Run once per row, in one driver call; every row has the first row's names."""
        if rows:
            prepared = self._prepare(connection.dialect, tuple(rows[0]))
            _run(connection, prepared.sql, [prepared.args(row) for row in rows], "executemany")

    def fetch_all(self, connection: Connection, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Run a query once with `values`; its rows as tuples. A SELECT's values are converted by
        its columns' types, as SQLAlchemy would return them; a text statement's come as the
        driver gives them (ids as the database holds them)."""
        prepared = self._prepare(connection.dialect, tuple(values))
        rows, description = _run(connection, prepared.sql, prepared.args(values), "fetchall")
        if prepared.types is None:
            return list(rows)
        if prepared not in self._results:
            self._results[prepared] = _results(prepared.types, description, connection.dialect)
        results = self._results[prepared]
        if results is None:
            return list(rows)
        return [
            tuple(
                value if process is None else process(value)
                for value, process in zip(row, results, strict=True)
            )
            for row in rows
        ]

    def _prepare(self, dialect: Dialect, names: tuple[str, ...]) -> _Prepared:
        key = (dialect, names)
        found = self._prepared.get(key)
        if found is None:
            found = self._prepared[key] = _compile(self._statement, dialect, names)
        return found


def _compile(statement: ClauseElement, dialect: Dialect, names: tuple[str, ...]) -> _Prepared:
    compiled = cast(SQLCompiler, statement.compile(dialect=dialect, column_keys=list(names)))
    if compiled.escaped_bind_names:
        raise ValueError("parameter names the driver cannot take as they are")
    order = tuple(compiled.positiontup or ()) if compiled.positional else tuple(compiled.binds)
    unnamed = set(order) - set(names)
    if unnamed:  # a column default SQLAlchemy would have filled in, say
        raise ValueError(f"values missing for {sorted(unnamed)}")
    processors = tuple(
        compiled.binds[name].type.dialect_impl(dialect).bind_processor(dialect) for name in order
    )
    # A SELECT's values are converted by its columns' types, a text statement's are not.
    columns = getattr(statement, "selected_columns", None)
    types = None if columns is None else tuple(column.type for column in columns)
    return _Prepared(compiled.string, order, processors, compiled.positional, types)


def _results(
    types: tuple[TypeEngine[Any], ...], description: Any, dialect: Dialect
) -> tuple[Processor, ...] | None:
    """The result processor of each column, given the driver's description of the result (some
    types convert by the driver's type code); None when no value needs converting."""
    found = tuple(
        column_type.dialect_impl(dialect).result_processor(dialect, described[1])
        for column_type, described in zip(types, description, strict=True)
    )
    return found if any(process is not None for process in found) else None


def _run(connection: Connection, sql: str, args: Any, how: str) -> Any:
    """Run on a driver cursor in the connection's transaction: "execute" (the row count),
    "executemany" or "fetchall" (the rows and the cursor's description of them); a driver
    error is raised as SQLAlchemy's wrapper."""
    dbapi = connection.dialect.loaded_dbapi
    cursor = connection.connection.cursor()
    try:
        if how == "executemany":
            cursor.executemany(sql, args)
            return None
        cursor.execute(sql, args)
        return (cursor.fetchall(), cursor.description) if how == "fetchall" else cursor.rowcount
    except dbapi.Error as error:
        raise DBAPIError.instance(sql, args, error, dbapi.Error) from error
    finally:
        cursor.close()
