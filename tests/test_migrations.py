"""The migrations: from empty to head, down to empty and up again, and in step with the models."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text
from sqlalchemy.engine import make_url

from forecourt import migrations
from forecourt.db.engine import make_engine
from forecourt.models import Base


@pytest.fixture
def scratch_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """An empty database of the same kind as the test database."""
    if make_url(database_url).get_backend_name() == "sqlite":
        yield f"sqlite:///{tmp_path / 'scratch.db'}"
        return
    name = f"scratch_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield str(make_url(database_url).set(database=name))
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()


def test_upgrade_from_empty_creates_every_table(scratch_url: str) -> None:
    migrations.upgrade(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)
    assert migrations.current(scratch_url) == migrations.head()


def test_downgrade_to_empty_and_upgrade_again(scratch_url: str) -> None:
    migrations.upgrade(scratch_url)
    migrations.downgrade(scratch_url, "base")
    assert _tables(scratch_url) == set()
    migrations.upgrade(scratch_url)
    assert _tables(scratch_url) == set(Base.metadata.tables)


def test_migrated_schema_matches_the_models(scratch_url: str) -> None:
    migrations.upgrade(scratch_url)
    engine = make_engine(scratch_url)
    with engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        differences = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert differences == []
