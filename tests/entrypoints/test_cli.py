"""The `forecourt` command line, on its own throwaway SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from forecourt.db.engine import make_engine
from forecourt.entrypoints.cli import app

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FORECOURT_DATABASE_URL", url)
    return url


def _count(url: str, table: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
    engine.dispose()
    return count


def test_db_upgrade_then_seed_is_idempotent(cli_db: str) -> None:
    result = runner.invoke(app, ["db", "upgrade"])
    assert result.exit_code == 0, result.output
    assert "schema at 0005" in result.output
    first = runner.invoke(app, ["seed"])
    assert first.exit_code == 0, first.output
    counts = {t: _count(cli_db, t) for t in ("market", "dealer", "app_user")}
    assert counts["market"] >= 20
    assert counts["dealer"] >= 30
    assert counts["app_user"] == 5
    again = runner.invoke(app, ["seed"])
    assert again.exit_code == 0, again.output
    assert {t: _count(cli_db, t) for t in counts} == counts


def test_users_create_and_token(cli_db: str) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["seed"])
    created = runner.invoke(
        app,
        [
            "users",
            "create",
            "pl@example.com",
            "market_manager",
            "--market",
            "PL",
            "--password",
            "twelve chars ok",
        ],
    )
    assert created.exit_code == 0, created.output
    token = runner.invoke(app, ["users", "token", "pl@example.com"])
    assert token.exit_code == 0
    assert token.output.strip().startswith("fct_")


def test_db_current_on_an_empty_database(cli_db: str) -> None:
    result = runner.invoke(app, ["db", "current"])
    assert result.exit_code == 0
    assert "empty" in result.output
