"""Every query of the customer feature."""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping, Sequence

from sqlalchemy import func, or_, select, union_all
from sqlalchemy.orm import Session

from forecourt.customer.matching.blocking import DEFAULT_KEY_LIMIT, key_kind
from forecourt.customer.models import (
    BlockingKey,
    Consent,
    Customer,
    MatchReview,
    SourceIdentity,
    StoredMatchModel,
)


def key_members(
    session: Session, keys: Sequence[str], limits: Mapping[str, int]
) -> dict[str, list[uuid.UUID]]:
    """Up to limit + 1 identity ids per blocking key, in one query: enough to tell a key shared
    by too many records (which the caller drops) from a useful one, without counting it all."""
    parts = [
        select(BlockingKey.key, BlockingKey.identity_id)
        .where(BlockingKey.key == key)
        .limit(limits.get(key_kind(key), DEFAULT_KEY_LIMIT) + 1)
        .subquery()
        .select()
        for key in keys
    ]
    members: dict[str, list[uuid.UUID]] = {key: [] for key in keys}
    for key, identity_id in session.execute(union_all(*parts)):
        members[key].append(identity_id)
    return members


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


def search(
    session: Session,
    *,
    phone: str | None,
    email: str | None,
    name_key: str | None,
    name_hanzi: str | None,
    limit: int,
) -> Sequence[Customer]:
    """Live customers having any of the given identifiers, on the customer or any identity."""
    conditions = []
    for column, value in (
        (SourceIdentity.phone, phone),
        (SourceIdentity.email, email),
        (SourceIdentity.name_key, name_key),
        (SourceIdentity.name_hanzi, name_hanzi),
    ):
        if value:
            conditions.append(column == value)
    if not conditions:
        return []

    ids = select(SourceIdentity.customer_id).where(or_(*conditions)).distinct()
    stmt = (
        select(Customer).where(Customer.id.in_(ids), Customer.merged_into_id.is_(None)).limit(limit)
    )
    return session.scalars(stmt).all()


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
