"""The `forecourt` command line, on its own throwaway SQLite database."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text
from typer.testing import CliRunner

from forecourt import migrations
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
    assert f"schema at {migrations.head()}" in result.output
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


def test_leads_import_reports_bad_rows_and_keeps_the_rest(cli_db: str, tmp_path: Path) -> None:
    runner.invoke(app, ["db", "upgrade"])
    runner.invoke(app, ["seed"])
    source = tmp_path / "leads.csv"
    source.write_text(
        "channel,source_id,first_name,last_name,full_name,phone,email,city,country,model_interest,created_at,shoe_size\n"
        "web,r1,Anna,Berg,,+49 30 1234567,anna@example.com,Berlin,DE,Vela,2026-11-20T10:00:00,38\n"
        "web,r2,,,,,,Berlin,DE,,,\n"
        "dealer,r3,,,王芳,13800001111,,上海,CN,Terra,,\n",
        encoding="utf-8",
    )
    report = tmp_path / "rejected.csv"
    result = runner.invoke(app, ["leads", "import", str(source), "--report", str(report)])
    assert result.exit_code == 2, result.output
    assert "2 leads created" in result.output
    assert "line 3" in result.output
    assert report.read_text(encoding="utf-8").splitlines()[1].startswith("3,")
    again = runner.invoke(app, ["leads", "import", str(source)])
    assert "0 leads created, 2 already known" in again.output
    out = tmp_path / "xref.csv"
    assert runner.invoke(app, ["customers", "xref", "--output", str(out)]).exit_code == 0
    lines = out.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "channel,source_id,customer_id"
    assert len(lines) == 3
