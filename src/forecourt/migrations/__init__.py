"""Alembic migrations, driven from code so the CLI needs no alembic.ini."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Connection

HERE = Path(__file__).parent


def alembic_config(url: str, connection: Connection | None = None) -> Config:
    """An Alembic config pointing at these scripts and at `url` (or an open connection)."""
    config = Config()
    config.set_main_option("script_location", str(HERE))
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    config.attributes["connection"] = connection
    return config


def upgrade(url: str, revision: str = "head", connection: Connection | None = None) -> None:
    """Create or upgrade the schema to `revision`."""
    command.upgrade(alembic_config(url, connection), revision)


def downgrade(url: str, revision: str, connection: Connection | None = None) -> None:
    """Take the schema back to `revision` ("base" drops everything)."""
    command.downgrade(alembic_config(url, connection), revision)


def head() -> str:
    """The newest revision the scripts know."""
    from alembic.script import ScriptDirectory  # noqa: PLC0415

    revision = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert revision is not None
    return revision


def current(url: str) -> str | None:
    """The revision the database is at, or None when it has no schema yet."""
    from alembic.runtime.migration import MigrationContext  # noqa: PLC0415

    from forecourt.db.engine import make_engine  # noqa: PLC0415

    with make_engine(url).connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
