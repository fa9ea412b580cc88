"""The routing commands of the command line, on a throwaway SQLite database."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from forecourt import migrations
from forecourt.entrypoints.cli import app

runner = CliRunner()


@pytest.fixture
def cli_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("FORECOURT_DATABASE_URL", url)
    migrations.upgrade(url)
    return url


def test_route_pending_needs_to_be_asked_for(cli_db: str) -> None:
    refused = runner.invoke(app, ["leads", "route"])
    assert refused.exit_code == 2
    routed = runner.invoke(app, ["leads", "route", "--pending"])
    assert routed.exit_code == 0, routed.output
    assert "0 leads routed" in routed.output


def test_train_score_keeps_the_priors_without_outcomes(cli_db: str) -> None:
    result = runner.invoke(app, ["leads", "train-score"])
    assert result.exit_code == 0, result.output
    trained = json.loads(result.output)
    assert (trained["outcomes"], trained["learned"]) == (0, False)
