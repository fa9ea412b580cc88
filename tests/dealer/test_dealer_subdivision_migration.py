"""Migration 0014 (dealer subdivisions): existing dealers get none on the way up, keeping their
country's national holidays only, and the column goes on the way down, the dealers staying."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from tests.migration_sql import columns, run

from forecourt import migrations
from forecourt.db.engine import make_engine

MARKET = text(
    "INSERT INTO market (code, name, currency, languages, drive_side, rollout_phase,"
    " launch_date, data_region, timezone, consent_rules, active) VALUES ('DE', 'Germany', 'EUR',"
    " '[\"de-DE\"]', 'lhd', 2, :launch, 'eu', 'Europe/Berlin', '{}', 1)"
)
DEALER = text(
    "INSERT INTO dealer (id, code, name, kind, market_code, city, city_geonameid, latitude,"
    " longitude, timezone, city_tier, address, phone, email, opening_hours, daily_lead_capacity,"
    " brands, active, open_on_holidays, traded_holidays, created_at, updated_at) VALUES (:id,"
    " 'DE-MUC-01', 'München', 'own', 'DE', 'München', 2867714, 48.137, 11.575, 'Europe/Berlin',"
    " NULL, 'Leopoldstraße 120', '+49 89 2000 8800', 'muc@example.com', '{}', 30,"
    " '[\"Aurelia\"]', 1, NULL, NULL, :at, :at)"
)


def test_upgrade_leaves_dealers_without_one_and_downgrade_drops_it(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'subdivisions.db'}"
    migrations.upgrade(url, "0013")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(MARKET, {"launch": date(2026, 1, 1)})
        conn.execute(DEALER, {"id": uuid.uuid4().hex, "at": datetime(2026, 11, 23, tzinfo=UTC)})
    engine.dispose()

    migrations.upgrade(url, "0014")
    assert "subdivision" in columns(url, "dealer")
    assert run(url, "SELECT code, subdivision FROM dealer") == [("DE-MUC-01", None)]
    run(url, "UPDATE dealer SET subdivision = 'BY'")
    assert run(url, "SELECT subdivision FROM dealer") == [("BY",)]

    migrations.downgrade(url, "0013")
    assert "subdivision" not in columns(url, "dealer")
    assert run(url, "SELECT code FROM dealer") == [("DE-MUC-01",)]
