"""Migration 0013 (named holiday trading): existing settings keep their meaning on the way up,
and the names go on the way down, leaving a dealer that traded on some holidays trading on all."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from sqlalchemy import text
from tests.migration_sql import columns, run

from forecourt import migrations
from forecourt.db.engine import make_engine

MARKET = text(
    "INSERT INTO market (code, name, currency, languages, drive_side, rollout_phase,"
    " launch_date, data_region, timezone, consent_rules, active) VALUES ('CN', 'China', 'CNY',"
    " '[\"zh-CN\"]', 'lhd', 1, :launch, 'cn', 'Asia/Shanghai', '{}', 1)"
)
POLICY = text(
    "INSERT INTO routing_policy (market_code, brand_dealers_first, staff_assignment, radii_km,"
    " max_attempts, open_on_holidays, updated_at) VALUES ('CN', 1, 'round_robin', '[25]', 3, 1,"
    " :at)"
)


def test_upgrade_keeps_the_yes_and_downgrade_drops_the_names(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'holidays.db'}"
    migrations.upgrade(url, "0012")
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(MARKET, {"launch": date(2026, 1, 1)})
        conn.execute(POLICY, {"at": datetime(2026, 11, 22, tzinfo=UTC)})
    engine.dispose()

    migrations.upgrade(url, "0013")
    assert "traded_holidays" in columns(url, "routing_policy")
    assert run(url, "SELECT open_on_holidays, traded_holidays FROM routing_policy") == [(1, None)]
    run(url, """UPDATE routing_policy SET traded_holidays = '["National Day"]'""")

    migrations.downgrade(url, "0012")
    assert "traded_holidays" not in columns(url, "routing_policy")
    assert run(url, "SELECT open_on_holidays FROM routing_policy") == [(1,)]
