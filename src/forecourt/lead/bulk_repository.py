"""The lead feature's bulk queries: which sources are already stored, leads written in bulk."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from forecourt.db.bulk import LazyRows, converter, insert_many, select_raw, update_many
from forecourt.kernel.records import OutboxMessage
from forecourt.lead.models import Lead

LEAD = cast(Table, Lead.__table__)
OUTBOX = cast(Table, OutboxMessage.__table__)
LEAD_COLUMNS = (
    "id",
    "channel",
    "source_id",
    "idempotency_key",
    "customer_id",
    "identity_id",
    "resolution",
    "market_code",
    "dealer_id",
    "requested_dealer_code",
    "campaign_id",
    "campaign_code",
    "attribution",
    "utm",
    "model_interest",
    "status",
    "issues",
    "attributes",
    "created_at",
    "received_at",
    "latitude",
    "longitude",
)
OUTBOX_COLUMNS = ("id", "name", "version", "payload", "occurred_at", "published_at")


def stored_sources(conn: Connection) -> set[tuple[str, str]]:
    """(channel, source id) of every stored lead that has a source id."""
    rows = select_raw(
        conn, select(LEAD.c.channel, LEAD.c.source_id).where(LEAD.c.source_id.is_not(None))
    )
    return {(row[0], row[1]) for row in rows}


def insert_leads(conn: Connection, rows: Sequence[Sequence[Any]] | LazyRows) -> int:
    """Insert leads given in LEAD_COLUMNS order."""
    return insert_many(conn, LEAD, LEAD_COLUMNS, rows)


def insert_outbox(conn: Connection, rows: Sequence[Sequence[Any]] | LazyRows) -> int:
    """Write events to the outbox (OUTBOX_COLUMNS order) in the caller's transaction."""
    return insert_many(conn, OUTBOX, OUTBOX_COLUMNS, rows)


def leads_by_identity(
    conn: Connection, identity_ids: Iterable[uuid.UUID]
) -> list[tuple[Any, uuid.UUID]]:
    """(raw lead id, identity id) of every lead of the given identities."""
    to_raw = converter(conn, LEAD, "identity_id")
    wanted = {str(to_raw(identity)): identity for identity in identity_ids}
    rows = select_raw(conn, select(LEAD.c.id, LEAD.c.identity_id))
    return [(row[0], wanted[str(row[1])]) for row in rows if str(row[1]) in wanted]


def move_leads(conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
    """Set customer and resolution of leads (rows: (customer id, resolution, raw lead id))."""
    return update_many(conn, LEAD, "id", ("customer_id", "resolution"), rows)
