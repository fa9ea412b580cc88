"""Migration 0015: unread indexes of customers and leads go, and on SQLite the blocking keys
move into a WITHOUT ROWID table with every stored key kept; downgrading brings both back."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from tests.migration_sql import indexes, run

from forecourt import migrations

AT = datetime(2026, 11, 24, tzinfo=UTC).isoformat(" ")
UNREAD_INDEXES = {
    "ix_customer_email",
    "ix_customer_market_code",
    "ix_customer_name_key",
    "ix_customer_phone",
    "ix_lead_dealer_id",
    "ix_lead_assigned_staff_id",
}


def _indexes(url: str) -> set[str]:
    """The names of the customer's and the lead's indexes."""
    return indexes(url, "customer") | indexes(url, "lead")


def _blocking_key_sql(url: str) -> str:
    (sql,) = run(url, "SELECT sql FROM sqlite_master WHERE name = 'blocking_key'")[0]
    return str(sql)


def _store_identity_with_keys(url: str, source_id: str, keys: list[str]) -> str:
    customer, identity = uuid.uuid4().hex, uuid.uuid4().hex
    run(
        url,
        f"INSERT INTO customer (id, created_at, updated_at) VALUES ('{customer}', '{AT}', '{AT}')",
    )
    run(
        url,
        "INSERT INTO source_identity (id, customer_id, channel, source_id, flags, match_outcome,"
        f" created_at) VALUES ('{identity}', '{customer}', 'web', '{source_id}', '[]', 'new',"
        f" '{AT}')",
    )
    for key in keys:
        run(url, f"INSERT INTO blocking_key (key, identity_id) VALUES ('{key}', '{identity}')")
    return identity


def test_keys_survive_the_rebuild_both_ways_and_the_indexes_come_back(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'lean.db'}"
    migrations.upgrade(url, "0014")
    keys = ["e:jana@example.com", "n:jana novakova|CZ", "p:+420601123456"]
    identity = _store_identity_with_keys(url, "w-1", keys)
    other = _store_identity_with_keys(url, "w-2", ["p:+420601999999"])
    assert _indexes(url) >= UNREAD_INDEXES

    migrations.upgrade(url, "0015")
    assert "WITHOUT ROWID" in _blocking_key_sql(url)
    assert not UNREAD_INDEXES & _indexes(url)
    # The rebuilt table keeps its constraints: a key is stored once, and goes with its identity.
    with pytest.raises(IntegrityError):
        run(url, f"INSERT INTO blocking_key (key, identity_id) VALUES ('{keys[0]}', '{identity}')")
    run(url, f"DELETE FROM source_identity WHERE id = '{other}'")
    stored = run(url, "SELECT key, identity_id FROM blocking_key ORDER BY key")
    assert stored == [(key, identity) for key in keys]

    migrations.downgrade(url, "0014")
    assert "WITHOUT ROWID" not in _blocking_key_sql(url)
    assert _indexes(url) >= UNREAD_INDEXES
    assert run(url, "SELECT key FROM blocking_key ORDER BY key") == [(key,) for key in keys]
