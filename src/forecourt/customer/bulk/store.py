"""Every query of bulk resolution: identities and keys read as columns, rows written in bulk.

Ids are read as the driver returns them ("raw": text on SQLite, UUID on PostgreSQL) and written
back the same way, so a million identities cost no per-value conversion either way.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import Connection, Table, select

from forecourt.customer.models import (
    BlockingKey,
    Consent,
    Customer,
    MatchReview,
    SourceIdentity,
)
from forecourt.db.bulk import (
    LazyRows,
    converter,
    delete_many,
    insert_many,
    select_raw,
    update_many,
)
from forecourt.kernel.records import AuditEntry

IDENTITY = cast(Table, SourceIdentity.__table__)
KEY = cast(Table, BlockingKey.__table__)
CUSTOMER = cast(Table, Customer.__table__)
REVIEW = cast(Table, MatchReview.__table__)
CONSENT = cast(Table, Consent.__table__)
AUDIT = cast(Table, AuditEntry.__table__)
IDENTITY_COLUMNS = (
    "id",
    "customer_id",
    "channel",
    "created_at",
    "display_name",
    "name_key",
    "name_hanzi",
    "phone",
    "email",
    "city_id",
    "city_name",
    "country",
    "city_tier",
    "match_outcome",
    "match_probability",
)


@dataclass
class StoredIdentities:
    """Stored identities in arrival (id) order, one list per column, values raw."""

    columns: dict[str, list[Any]]

    def __len__(self) -> int:
        return len(self.columns["id"])


def stored_identities(conn: Connection) -> StoredIdentities:
    """Every stored identity's matching and survivorship fields, oldest first."""
    table = IDENTITY
    rows = select_raw(conn, select(*(table.c[c] for c in IDENTITY_COLUMNS)).order_by(table.c.id))
    columns = list(zip(*rows, strict=True)) if rows else [()] * len(IDENTITY_COLUMNS)
    return StoredIdentities(
        {name: list(col) for name, col in zip(IDENTITY_COLUMNS, columns, strict=True)}
    )


def stored_keys(conn: Connection) -> list[tuple[Any, str]]:
    """Every stored blocking key as (raw identity id, key)."""
    table = KEY
    return [(row[0], row[1]) for row in select_raw(conn, select(table.c.identity_id, table.c.key))]


def created_times(conn: Connection) -> Any:
    """Converts a raw created_at back to an aware datetime (for survivorship ranking)."""
    column = IDENTITY.c.created_at
    process = column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    return process if process is not None else (lambda value: value)


def id_reader(conn: Connection) -> Any:
    """Converts a raw id as read back to a UUID."""
    column = IDENTITY.c.id
    process = column.type.dialect_impl(conn.dialect).result_processor(conn.dialect, None)
    return process if process is not None else (lambda value: value)


def raw(conn: Connection, column: str) -> Any:
    """The Python → database conversion of one identity/customer id column."""
    return converter(conn, IDENTITY, column)


# --- person decisions -----------------------------------------------------------------------


def curated_customers(conn: Connection) -> set[Any]:
    """Raw ids of customers a person has merged into, or decided a review about (either side).

    Merges are read from the audit trail, not from `merged_into_id`: a re-cluster that empties a
    customer sets that too, and its own decisions must not be frozen as a person's."""
    to_raw = raw(conn, "id")
    merges = conn.execute(
        select(AUDIT.c.entity_id).where(
            AUDIT.c.action == "customer.merged", AUDIT.c.entity_type == "customer"
        )
    )
    merged = [(to_raw(uuid.UUID(target)),) for (target,) in merges]
    decided = REVIEW.c.status != "open"
    candidates = select_raw(conn, select(REVIEW.c.candidate_customer_id).where(decided))
    reviewed = select_raw(
        conn,
        select(IDENTITY.c.customer_id)
        .join(REVIEW, REVIEW.c.identity_id == IDENTITY.c.id)
        .where(decided),
    )
    return {row[0] for row in (*merged, *candidates, *reviewed)}


def curated_identities(conn: Connection) -> list[str]:
    """Identity ids (as text) named by merge and unmerge entries of the audit trail."""
    entries = conn.execute(
        select(AUDIT.c.changes).where(
            AUDIT.c.action.in_(("customer.merged", "customer.unmerged")),
            AUDIT.c.entity_type == "customer",
        )
    )
    ids: list[str] = []
    for (value,) in entries:
        ids.extend(str(i) for i in value.get("identities", []))
        if value.get("identity"):
            ids.append(str(value["identity"]))
    return ids


# --- writes -----------------------------------------------------------------------------------


def insert_customers(
    conn: Connection, rows: Sequence[Sequence[Any]] | LazyRows, columns: Sequence[str]
) -> int:
    return insert_many(conn, CUSTOMER, columns, rows)


def insert_identities(
    conn: Connection, rows: Sequence[Sequence[Any]] | LazyRows, columns: Sequence[str]
) -> int:
    return insert_many(conn, IDENTITY, columns, rows)


def insert_keys(conn: Connection, rows: Sequence[tuple[str, Any]]) -> int:
    """Insert blocking keys given as (key, raw identity id: see `raw`)."""
    return insert_many(conn, KEY, ("key", "identity_id"), rows, raw=("identity_id",))


def insert_reviews(conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
    columns = (
        "id",
        "identity_id",
        "candidate_customer_id",
        "probability",
        "evidence",
        "status",
        "created_at",
    )
    return insert_many(conn, REVIEW, columns, rows)


def insert_consents(conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
    columns = ("id", "customer_id", "identity_id", "channel", "purpose", "granted", "source", "at")
    return insert_many(conn, CONSENT, columns, rows)


def update_customers(
    conn: Connection, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> int:
    """Set golden fields (rows end with the customer's raw id)."""
    return update_many(conn, CUSTOMER, "id", columns, rows)


def update_identities(conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
    """Set customer, outcome and probability (rows end with the identity's raw id)."""
    columns = ("customer_id", "match_outcome", "match_probability")
    return update_many(conn, IDENTITY, "id", columns, rows)


def open_reviews(conn: Connection) -> list[tuple[Any, Any, Any]]:
    """(review id, identity id, candidate customer id) of every open review, raw."""
    table = REVIEW
    rows = select_raw(
        conn,
        select(table.c.id, table.c.identity_id, table.c.candidate_customer_id).where(
            table.c.status == "open"
        ),
    )
    return [(row[0], row[1], row[2]) for row in rows]


def delete_reviews(conn: Connection, review_ids: Sequence[Any]) -> None:
    """Delete reviews by raw id."""
    delete_many(conn, REVIEW, "id", review_ids)


def consent_owners(conn: Connection) -> list[tuple[Any, Any, Any]]:
    """(consent id, customer id, identity id) of every consent, raw."""
    table = CONSENT
    rows = select_raw(conn, select(table.c.id, table.c.customer_id, table.c.identity_id))
    return [(row[0], row[1], row[2]) for row in rows]


def move_consents(conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
    """Set the customer of consents (rows: (customer id, raw consent id))."""
    return update_many(conn, CONSENT, "id", ("customer_id",), rows)


def mark_merged(conn: Connection, rows: Sequence[Sequence[Any]]) -> int:
    """Point emptied customers at their survivor (rows: (survivor, updated_at, raw id))."""
    return update_many(conn, CUSTOMER, "id", ("merged_into_id", "updated_at"), rows)
