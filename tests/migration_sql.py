"""Raw SQL against a database between migrations, each call on its own short-lived engine."""

from __future__ import annotations

from sqlalchemy import inspect, text

from forecourt.db.engine import make_engine


def columns(url: str, table: str) -> set[str]:
    """The names of `table`'s columns as the database has them now."""
    engine = make_engine(url)
    try:
        return {column["name"] for column in inspect(engine).get_columns(table)}
    finally:
        engine.dispose()


def indexes(url: str, table: str) -> set[str]:
    """The names of `table`'s indexes as the database has them now."""
    engine = make_engine(url)
    try:
        return {str(index["name"]) for index in inspect(engine).get_indexes(table)}
    finally:
        engine.dispose()


def run(url: str, statement: str) -> list[tuple[object, ...]]:
    """Run one statement in its own transaction; its rows, if it returns any."""
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            result = conn.execute(text(statement))
            return [tuple(row) for row in result] if result.returns_rows else []
    finally:
        engine.dispose()
