"""`forecourt leads import --bulk` and `forecourt customers resolve`, on a throwaway database."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from sqlalchemy import text
from tests.bulk_people import leads
from typer.testing import CliRunner

from forecourt.db.engine import make_engine
from forecourt.entrypoints.cli import app

runner = CliRunner()
COLUMNS = ("channel", "source_id", "full_name", "first_name", "last_name", "phone", "email",
           "city", "country")  # fmt: skip


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FORECOURT_DATABASE_URL", url)
    assert runner.invoke(app, ["db", "upgrade"]).exit_code == 0
    return url


def _count(url: str, sql: str) -> int:
    engine = make_engine(url)
    with engine.connect() as conn:
        count = int(conn.execute(text(sql)).scalar_one())
    engine.dispose()
    return count


def test_bulk_import_then_resolve(cli_db: str, tmp_path: Path) -> None:
    path = tmp_path / "leads.csv"
    rows = leads(people=40, seed=9)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows([*rows, {"channel": "web", "source_id": "x-1"}])
    report = tmp_path / "rejected.csv"

    imported = runner.invoke(
        app, ["leads", "import", str(path), "--bulk", "--workers", "1", "--report", str(report)]
    )

    assert imported.exit_code == 2, imported.output  # one row rejected
    assert f"{len(rows)} leads created, 0 already known, 1 rows rejected" in imported.output
    assert "x-1" in report.read_text(encoding="utf-8")
    assert _count(cli_db, "SELECT count(*) FROM lead") == len(rows)
    customers = _count(cli_db, "SELECT count(DISTINCT customer_id) FROM source_identity")
    assert customers < len(rows)

    resolved = runner.invoke(app, ["customers", "resolve"])

    assert resolved.exit_code == 0, resolved.output
    assert f"{len(rows)} identities in {customers} customers; 0 moved" in resolved.output
