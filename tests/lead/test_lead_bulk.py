"""Bulk lead import: the same leads, customers, reviews, errors and replays as row by row."""

from __future__ import annotations

import csv
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, select
from tests.bulk_people import leads
from tests.conftest import table_count

from forecourt import migrations
from forecourt.bootstrap import bootstrap
from forecourt.campaign import service as campaign_service
from forecourt.config import Settings
from forecourt.customer import model_store
from forecourt.customer.matching import normalise
from forecourt.customer.matching.model import MatchModel, default_model
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.models import Consent, Customer, SourceIdentity, StoredMatchModel
from forecourt.db import bulk as db_bulk
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import bulk
from forecourt.lead import service as leads_service
from forecourt.lead.files import read_leads
from forecourt.lead.incoming import RowError
from forecourt.lead.models import Lead
from forecourt.market import service as market_service

COLUMNS = ("channel", "source_id", "first_name", "last_name", "full_name", "phone", "email",
           "city", "country", "campaign_code", "consent_marketing")  # fmt: skip
BAD_ROWS = [
    {"channel": "web", "source_id": "bad-1", "city": "Berlin"},  # nobody to reach
    {"channel": "fax", "source_id": "bad-2", "phone": "+49 151 1234567"},  # no such channel
    {"channel": "web", "source_id": "bad-3", "email": "a@example.com", "consent_marketing": "?"},
    {"channel": "web", "source_id": "bad-4", "phone": "1", "country": "Germany"},
]


def _file(tmp_path: Path, rows: list[dict[str, Any]]) -> Path:
    path = tmp_path / "leads.csv"
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=COLUMNS, extrasaction="ignore")
        writer.writeheader()
        writer.writerows(rows)
    return path


def _rows(seed: int = 5) -> list[dict[str, Any]]:
    rows = leads(people=60, seed=seed)
    for n, row in enumerate(rows):
        row["campaign_code"] = ("LIVE-CN-2026-11", "NO-SUCH-CODE", None, None)[n % 4]
        row["consent_marketing"] = ("yes", "no", None)[n % 3]
    rows[7:7] = BAD_ROWS
    rows.append(dict(rows[3]))  # the same (channel, source id) twice: a replay
    return rows


def _state(connection: Connection) -> dict[str, Any]:
    """Everything a lead import decides, keyed by source id (ids themselves differ)."""
    lead_rows = connection.execute(
        select(
            Lead.source_id,
            Lead.customer_id,
            Lead.resolution,
            Lead.market_code,
            Lead.campaign_code,
            Lead.attribution,
            Lead.issues,
            Lead.latitude,
        )
    ).all()
    members: dict[Any, set[str]] = {}
    for row in lead_rows:
        members.setdefault(row.customer_id, set()).add(row.source_id)
    consents = connection.execute(
        select(SourceIdentity.source_id, Consent.purpose, Consent.granted, Consent.source).join(
            Consent, Consent.identity_id == SourceIdentity.id
        )
    ).all()
    golden = connection.execute(
        select(
            Customer.id,
            Customer.display_name,
            Customer.name_key,
            Customer.phone,
            Customer.email,
            Customer.city_name,
            Customer.market_code,
        ).where(Customer.id.in_(list(members)))
    ).all()
    return {
        "partition": {frozenset(group) for group in members.values()},
        "profiles": {frozenset(members[row[0]]): tuple(row[1:]) for row in golden},
        "leads": {
            row.source_id: (row[2], row[3], row[4], row[5], sorted(row[6]), row[7])
            for row in lead_rows
        },
        "consents": sorted(tuple(c) for c in consents),
        "outbox": table_count(connection, "outbox"),
    }


def _one_by_one(uow: UnitOfWork, path: Path) -> list[RowError]:
    outcomes = leads_service.capture_batch(uow, items=read_leads(path))
    return [o for o in outcomes if isinstance(o, RowError)]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_bulk_import_stores_what_the_row_by_row_import_stores(
    uow: UnitOfWork,
    connection: Connection,
    tmp_path: Path,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With two workers, rows are also made in forked processes (db.bulk.LazyRows), in
    # batches small enough that every table's rows come back in several pieces.
    monkeypatch.setattr(db_bulk, "PARALLEL_MIN", 20)
    monkeypatch.setattr(db_bulk, "FORKED_BATCH", 7)
    path = _file(tmp_path, _rows())
    outbox_before = table_count(connection, "outbox")
    savepoint = connection.begin_nested()
    online_errors = _one_by_one(uow, path)
    online = _state(connection)
    savepoint.rollback()

    result = bulk.import_file(uow, path=path, workers=workers)

    stored = _state(connection)
    assert result.rejected == online_errors
    assert {e.source_id for e in result.rejected} == {"bad-1", "bad-2", "bad-3", "bad-4"}
    assert result.replayed == 1
    assert result.created == len(online["leads"])
    assert stored["partition"] == online["partition"]
    assert stored["profiles"] == online["profiles"]  # the same survivorship
    assert stored["leads"] == online["leads"]
    assert stored["consents"] == online["consents"]
    assert stored["outbox"] - outbox_before >= result.created  # one lead.captured per lead


def test_an_import_normalises_with_a_larger_memory_and_gives_the_default_back(
    uow: UnitOfWork, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes: list[int | None] = []

    def noting(**fields: Any) -> Any:
        sizes.append(normalise._read_phone.cache_info().maxsize)
        return normalise_person(**fields)

    monkeypatch.setattr(bulk, "normalise_person", noting)
    default = normalise._read_phone

    bulk.import_file(uow, path=_file(tmp_path, _rows()), workers=1)

    assert sizes
    assert set(sizes) == {bulk.REMEMBERED_IN_BULK}
    assert normalise._read_phone is default
    assert default.cache_info().maxsize == normalise.REMEMBERED


def test_a_bulk_import_into_a_database_file_leaves_every_reference_whole(tmp_path: Path) -> None:
    # Foreign keys go unchecked while the rows go in (db.bulk.loading_connection): SQLite's own
    # check over the whole file afterwards finds no reference without its row.
    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    migrations.upgrade(url)
    container = bootstrap(Settings(database_url=url))
    try:
        market_service.seed_reference_data(container.uow())
        campaign_service.seed_reference_data(container.uow())
        result = bulk.import_file(container.uow(), path=_file(tmp_path, _rows()), workers=1)
        with container.engine.connect() as conn:
            orphans = conn.exec_driver_sql("PRAGMA foreign_key_check").all()
            leads = conn.exec_driver_sql("SELECT count(*) FROM lead").scalar_one()
    finally:
        container.engine.dispose()
    assert result.created == leads > 0
    assert result.resolutions.get("linked", 0) > 0
    assert orphans == []


def test_importing_the_same_file_again_creates_nothing(
    uow: UnitOfWork, connection: Connection, tmp_path: Path
) -> None:
    path = _file(tmp_path, _rows(seed=11))
    first = bulk.import_file(uow, path=path, workers=1)
    counts = {t: table_count(connection, t) for t in ("lead", "source_identity", "customer")}

    again = bulk.import_file(uow, path=path, workers=1)

    assert first.created > 0
    assert again.created == 0
    assert again.replayed == first.created + first.replayed
    assert {t: table_count(connection, t) for t in counts} == counts


def test_a_bulk_import_after_online_captures_links_to_stored_customers(
    uow: UnitOfWork, connection: Connection, tmp_path: Path
) -> None:
    rows = [r for r in _rows(seed=7) if r["source_id"] not in {b["source_id"] for b in BAD_ROWS}]
    half = len(rows) // 2
    savepoint = connection.begin_nested()
    _one_by_one(uow, _file(tmp_path, rows))
    online = _state(connection)
    savepoint.rollback()

    _one_by_one(uow, _file(tmp_path, rows[:half]))
    bulk.import_file(uow, path=_file(tmp_path, rows[half:]), workers=1)

    assert _state(connection)["partition"] == online["partition"]


def test_after_a_model_change_a_recluster_moves_identities_and_their_leads(
    uow: UnitOfWork, connection: Connection, tmp_path: Path
) -> None:
    bulk.import_file(uow, path=_file(tmp_path, _rows(seed=3)), workers=1)
    # A model that believes far more pairs are the same person links what stayed apart.
    eager = default_model()
    eager = MatchModel(0.3, eager.comparisons, "test-eager-model")
    with uow:
        uow.session.add(
            StoredMatchModel(
                version=eager.version,
                trained_at=datetime.now(UTC),
                records=0,
                model_json=eager.to_json(),
                active=True,
            )
        )
        uow.commit()
    model_store.forget()
    try:
        result = bulk.recluster(uow)
    finally:
        model_store.forget()

    assert result.moved
    pairs = connection.execute(
        select(Lead.customer_id, SourceIdentity.customer_id).join(
            SourceIdentity, SourceIdentity.id == Lead.identity_id
        )
    ).all()
    assert all(lead == identity for lead, identity in pairs)
    consents = connection.execute(
        select(Consent.customer_id, SourceIdentity.customer_id).join(
            SourceIdentity, SourceIdentity.id == Consent.identity_id
        )
    ).all()
    assert all(consent == identity for consent, identity in consents)
    empty = connection.execute(
        select(Customer.merged_into_id).where(
            ~Customer.id.in_(select(SourceIdentity.customer_id)),
            Customer.created_at.is_not(None),
        )
    ).all()
    assert empty
    assert all(survivor is not None for (survivor,) in empty)
