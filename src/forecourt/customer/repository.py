"""Every query of the customer feature."""

from __future__ import annotations

import functools
import uuid
from collections.abc import Iterator, Mapping, Sequence
from datetime import datetime
from typing import Any, NamedTuple, cast

from sqlalchemy import (
    Select,
    Table,
    bindparam,
    func,
    insert,
    select,
    text,
    update,
)
from sqlalchemy.orm import Session

from forecourt.customer.golden import FIELDS
from forecourt.customer.matching.blocking import DEFAULT_KEY_LIMIT, key_kind
from forecourt.customer.models import (
    BlockingKey,
    Consent,
    Customer,
    MatchReview,
    SourceIdentity,
    StoredMatchModel,
)
from forecourt.db.direct import Direct

# The online path writes through the tables, not the ORM: one statement per row kind, no
# identity-map bookkeeping, and nothing to flush in dependency order.
CUSTOMER = cast(Table, Customer.__table__)
IDENTITY = cast(Table, SourceIdentity.__table__)
KEY = cast(Table, BlockingKey.__table__)
CONSENT = cast(Table, Consent.__table__)
REVIEW = cast(Table, MatchReview.__table__)


#: The columns the online path reads of a candidate identity: what scoring and linking need.
CANDIDATE_COLUMNS = (
    SourceIdentity.id,
    SourceIdentity.customer_id,
    SourceIdentity.name_key,
    SourceIdentity.name_hanzi,
    SourceIdentity.phone,
    SourceIdentity.email,
    SourceIdentity.city_id,
    SourceIdentity.country,
)
#: The columns survivorship reads of each identity of a customer.
GOLDEN_COLUMNS = (
    SourceIdentity.channel,
    SourceIdentity.created_at,
    SourceIdentity.country,
    *(getattr(SourceIdentity, field) for field in FIELDS),
)


def candidates(
    session: Session, keys: Sequence[str], limits: Mapping[str, int]
) -> list[tuple[Any, ...]]:
    """The identities stored under any usable key, in one statement: a key is usable when no
    more than its kind's limit of identities share it, so a name held by thousands costs
    nothing. Counting stops inside the index at limit + 1. Rows are the driver's tuples, in
    CANDIDATE_COLUMNS order."""
    if not keys:
        return []
    params: dict[str, Any] = {f"k{i}": key for i, key in enumerate(keys)}
    caps = (limits.get(key_kind(key), DEFAULT_KEY_LIMIT) + 1 for key in keys)
    params.update({f"c{i}": cap for i, cap in enumerate(caps)})
    return _candidates_query(len(keys)).fetch_all(session.connection(), params)


# The hottest statement of capture is written out and built once per key count: building it
# from expressions cost more than running it. It goes straight to the driver (db.direct), and
# rows come back as the driver gives them (ids as text on SQLite): scoring only compares them,
# and the caller turns the one kept into a UUID.
@functools.cache
def _candidates_query(count: int) -> Direct:
    usable = " UNION ALL ".join(
        f"SELECT CAST(:k{i} AS VARCHAR(240)) WHERE (SELECT count(*) FROM (SELECT 1"
        f" FROM blocking_key WHERE key = :k{i} LIMIT :c{i}) AS held_{i}) < :c{i}"
        for i in range(count)
    )
    columns = ", ".join(f"source_identity.{column.key}" for column in CANDIDATE_COLUMNS)
    # IN, not a join: an identity is usually under several of the keys (its name in the city,
    # its sorted letters, its Hanzi, its name in the country), and IN reads each one once.
    return Direct(
        text(
            f"SELECT {columns} FROM source_identity WHERE source_identity.id IN"
            f" (SELECT identity_id FROM blocking_key WHERE blocking_key.key IN ({usable}))"
        )
    )


# Built once: the online path runs these for every lead, and building a statement from
# expressions costs more than executing it. The writes go straight to the driver (db.direct):
# SQLAlchemy's execution path cost more than SQLite's work for each of these one-row statements.
_GOLDEN_SOURCES = Direct(
    select(*GOLDEN_COLUMNS).where(SourceIdentity.customer_id == bindparam("customer_id"))
)
_GOLDEN_UPDATE = Direct(
    update(CUSTOMER)
    .where(CUSTOMER.c.id == bindparam("b_id"), CUSTOMER.c.merged_into_id.is_(None))
    .values({field: bindparam(field) for field in (*FIELDS, "market_code", "updated_at")})
)
_INSERT_CUSTOMER = Direct(insert(CUSTOMER))
_INSERT_IDENTITY = Direct(insert(IDENTITY))
_INSERT_KEY = Direct(insert(KEY))
_INSERT_REVIEW = Direct(insert(REVIEW))
_INSERT_CONSENT = Direct(insert(CONSENT))


class GoldenSource(NamedTuple):
    """What survivorship reads of one identity of a customer (GOLDEN_COLUMNS, in order)."""

    channel: str
    created_at: datetime
    country: str | None
    display_name: str | None
    name_key: str | None
    name_hanzi: str | None
    phone: str | None
    email: str | None
    city_id: int | None
    city_name: str | None
    city_tier: int | None


assert GoldenSource._fields == tuple(column.key for column in GOLDEN_COLUMNS)


def golden_sources(session: Session, customer_id: uuid.UUID) -> list[GoldenSource]:
    """What survivorship needs of every identity of a customer."""
    rows = _GOLDEN_SOURCES.fetch_all(session.connection(), {"customer_id": customer_id})
    return [GoldenSource._make(row) for row in rows]


def insert_customer(session: Session, values: Mapping[str, Any]) -> None:
    """A new customer row; `values` names every column written (no defaults are filled in)."""
    _INSERT_CUSTOMER.execute(session.connection(), values)


def update_golden(session: Session, customer_id: uuid.UUID, values: Mapping[str, Any]) -> bool:
    """Set a live customer's golden fields; False when there is no such live customer."""
    return bool(_GOLDEN_UPDATE.execute(session.connection(), {**values, "b_id": customer_id}))


def insert_consents(session: Session, rows: Sequence[Mapping[str, Any]]) -> None:
    """Store consents, in one statement; each row names every column."""
    _INSERT_CONSENT.execute_many(session.connection(), rows)


def insert_identity(session: Session, values: Mapping[str, Any], keys: Sequence[str]) -> None:
    """Store a source identity and its blocking keys; `values` names every column written."""
    connection = session.connection()
    _INSERT_IDENTITY.execute(connection, values)
    identity_id = values["id"]
    rows = [{"key": key, "identity_id": identity_id} for key in dict.fromkeys(keys)]
    _INSERT_KEY.execute_many(connection, rows)


def insert_review(session: Session, values: Mapping[str, Any]) -> None:
    """A review row; `values` names every column written (no defaults are filled in)."""
    _INSERT_REVIEW.execute(session.connection(), values)


def customer(session: Session, customer_id: uuid.UUID) -> Customer | None:
    return session.get(Customer, customer_id)


def identities_of(session: Session, customer_id: uuid.UUID) -> Sequence[SourceIdentity]:
    stmt = (
        select(SourceIdentity)
        .where(SourceIdentity.customer_id == customer_id)
        .order_by(SourceIdentity.created_at)
    )
    return session.scalars(stmt).all()


def consents_of(session: Session, customer_id: uuid.UUID) -> Sequence[Consent]:
    stmt = select(Consent).where(Consent.customer_id == customer_id).order_by(Consent.at)
    return session.scalars(stmt).all()


def open_reviews(session: Session, limit: int = 100) -> Sequence[MatchReview]:
    stmt = (
        select(MatchReview)
        .where(MatchReview.status == "open")
        .order_by(MatchReview.created_at)
        .limit(limit)
    )
    return session.scalars(stmt).all()


def open_review_count(session: Session, customer_id: uuid.UUID) -> int:
    stmt = select(func.count()).where(
        MatchReview.status == "open", MatchReview.candidate_customer_id == customer_id
    )
    return int(session.scalar(stmt) or 0)


def review(session: Session, review_id: uuid.UUID) -> MatchReview | None:
    return session.get(MatchReview, review_id)


def search(session: Session, *, keys: Sequence[str], limit: int) -> Sequence[Customer]:
    """Live customers with an identity stored under any of the blocking keys."""
    return session.scalars(search_statement(keys, limit)).all() if keys else []


def search_statement(keys: Sequence[str], limit: int) -> Select[Customer]:
    """The search: each key is one probe of the key index, never a scan of the identities."""
    ids = select(BlockingKey.identity_id).where(BlockingKey.key.in_(keys))
    owners = select(SourceIdentity.customer_id).where(SourceIdentity.id.in_(ids)).distinct()
    return (
        select(Customer)
        .where(Customer.id.in_(owners), Customer.merged_into_id.is_(None))
        .limit(limit)
    )


def active_model(session: Session) -> StoredMatchModel | None:
    stmt = (
        select(StoredMatchModel)
        .where(StoredMatchModel.active.is_(True))
        .order_by(StoredMatchModel.trained_at.desc())
        .limit(1)
    )
    return session.scalars(stmt).first()


def all_identities(session: Session, batch: int = 10_000) -> Iterator[SourceIdentity]:
    """Every source identity, streamed in batches (for training and exports)."""
    stmt = select(SourceIdentity).order_by(SourceIdentity.id).execution_options(yield_per=batch)
    yield from session.scalars(stmt)


def xref(session: Session, batch: int = 50_000) -> Iterator[tuple[str, str | None, uuid.UUID]]:
    """(channel, source_id, customer_id) for every source identity, streamed."""
    stmt = (
        select(SourceIdentity.channel, SourceIdentity.source_id, SourceIdentity.customer_id)
        .order_by(SourceIdentity.channel, SourceIdentity.source_id)
        .execution_options(yield_per=batch)
    )
    for row in session.execute(stmt):
        yield row[0], row[1], row[2]


def identities_of_ids(session: Session, ids: Sequence[uuid.UUID]) -> Sequence[SourceIdentity]:
    return session.scalars(select(SourceIdentity).where(SourceIdentity.id.in_(ids))).all()


def active_models(session: Session) -> Sequence[StoredMatchModel]:
    return session.scalars(select(StoredMatchModel).where(StoredMatchModel.active.is_(True))).all()


def open_questions(
    session: Session, customer_ids: Sequence[uuid.UUID]
) -> list[tuple[uuid.UUID, uuid.UUID]]:
    """The open reviews of these customers' identities, each as (the customer, the customer it
    asks about): one statement for all the customers a capture may ask about."""
    values: dict[str, Any] = {f"c{i}": customer for i, customer in enumerate(customer_ids)}
    values["status"] = "open"
    rows = _open_questions_query(len(customer_ids)).fetch_all(session.connection(), values)
    return [(customer, candidate) for customer, candidate in rows]


# Asked whenever a capture finds rival customers for one person: db.direct, built once per
# number of customers.
@functools.cache
def _open_questions_query(count: int) -> Direct:
    customer = SourceIdentity.customer_id
    return Direct(
        select(customer, MatchReview.candidate_customer_id)
        .join(SourceIdentity, MatchReview.identity_id == SourceIdentity.id)
        .where(
            customer.in_([bindparam(f"c{i}", type_=customer.type) for i in range(count)]),
            MatchReview.status == bindparam("status"),
        )
    )
