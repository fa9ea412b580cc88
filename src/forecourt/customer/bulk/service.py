"""Use cases of bulk identity resolution: store many arrivals at once, re-cluster everything.

Both reach the online path's decisions (see the package docstring) and write their results with
a few bulk statements inside the caller's unit of work.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime
from typing import NamedTuple

from sqlalchemy import Connection

from forecourt.customer import model_store
from forecourt.customer.bulk import store, writeback
from forecourt.customer.bulk.arrivals import Arrivals
from forecourt.customer.bulk.engine import Progress, resolve_frame
from forecourt.customer.bulk.population import Population, load
from forecourt.customer.bulk.results import Placed, Reclustered
from forecourt.customer.matching import blocking
from forecourt.kernel.id_batches import new_ids
from forecourt.kernel.uow import UnitOfWork


def store_arrivals(
    uow: UnitOfWork, *, arrivals: Arrivals, progress: Progress | None = None
) -> list[Placed]:
    """Store many people as source identities and resolve each as the online path would had
    they arrived one by one in this order: linked to a customer, new, or new with a review."""
    with uow:
        conn = uow.session.connection()
        now = uow.clock.now()
        ids = new_ids(len(arrivals))
        population = load(conn, arrivals, ids, now)
        model = model_store.active(uow.session)
        fixed = fixed_by_customer(population, range(population.stored))
        resolved = resolve_frame(
            model,
            population.frame(),
            population.keys,
            population.key_records,
            fixed=fixed,
            first_decided=population.stored,
            questions=open_questions(conn, population, fixed),
            limits=blocking.KEY_LIMITS,
            progress=progress,
        )
        placed = writeback.write_arrivals(conn, model, population, arrivals, ids, resolved, now)
        uow.commit()
        return placed


def recluster(uow: UnitOfWork, *, progress: Progress | None = None) -> Reclustered:
    """Re-decide every stored identity in arrival order with the active model, as the online
    path decides; customers a person merged, split or reviewed keep their identities. Customer
    ids are kept wherever a customer keeps its first identity; an emptied customer points to
    the one that took its identities, as after a merge."""
    with uow:
        conn = uow.session.connection()
        population = load(conn)
        frozen = frozen_positions(population, store.curated_customers(conn), curated_ids(conn))
        # One model for the whole run: decisions and the probabilities written with them.
        model = model_store.active(uow.session)
        fixed = fixed_by_customer(population, frozen)
        resolved = resolve_frame(
            model,
            population.frame(),
            population.keys,
            population.key_records,
            fixed=fixed,
            questions=open_questions(conn, population, fixed),
            limits=blocking.KEY_LIMITS,
            progress=progress,
        )
        result = writeback.write_recluster(
            conn, model, population, resolved, frozen, uow.clock.now()
        )
        result.kept_by_people = len(frozen)
        uow.audit(
            "customer.reclustered",
            "customer",
            "*",
            changes={
                "identities": result.identities,
                "moved": len(result.moved),
                "customers": result.customers,
                "kept_by_people": result.kept_by_people,
                "open_reviews": result.open_reviews,
            },
        )
        uow.commit()
        return result


class ConsentRow(NamedTuple):
    """A consent as given (`schemas.ConsentRecord`'s fields) for a customer and identity."""

    customer_id: uuid.UUID
    identity_id: uuid.UUID
    channel: str
    purpose: str
    granted: bool
    source: str
    at: datetime


def record_consents(uow: UnitOfWork, *, consents: Sequence[ConsentRow]) -> int:
    """Append many consents as given; the newest per purpose is the one in force, as with
    `customer.service.record_consents`."""
    with uow:
        rows = [(i, *c) for i, c in zip(new_ids(len(consents)), consents, strict=True)]
        count = store.insert_consents(uow.session.connection(), rows)
        uow.commit()
        return count


def fixed_by_customer(population: Population, positions: Iterable[int]) -> dict[int, int]:
    """Each given record → the first of them with the same stored customer (its label)."""
    owners = population.columns["customer_id"]
    first: dict[object, int] = {}
    return {p: first.setdefault(owners[p], p) for p in positions}


def open_questions(
    conn: Connection, population: Population, fixed: Mapping[int, int]
) -> dict[int, set[int]]:
    """The open reviews of the fixed records, as questions between customers (their labels):
    the customer of the reviewed identity asks about the review's candidate customer."""
    reviews = store.open_reviews(conn)
    if not reviews:
        return {}
    owners = population.columns["customer_id"]
    position = {population.columns["id"][p]: p for p in fixed}
    label_of = {owners[p]: label for p, label in fixed.items()}
    questions: dict[int, set[int]] = {}
    for _, identity, candidate in reviews:
        p = position.get(identity)
        if p is not None and candidate in label_of:
            questions.setdefault(fixed[p], set()).add(label_of[candidate])
    return questions


def frozen_positions(
    population: Population, customers: set[object], identities: set[str]
) -> list[int]:
    """Records whose customer a person touched (merge, unmerge, review decision)."""
    ids, owners = population.columns["id"], population.columns["customer_id"]
    touched = set(customers) | {owners[p] for p in range(len(ids)) if str(ids[p]) in identities}
    return [p for p in range(population.stored) if owners[p] in touched]


def curated_ids(conn: Connection) -> set[str]:
    """Identity ids named by merges and unmerges, in the raw text form ids are compared in."""
    to_raw = store.raw(conn, "id")
    return {str(to_raw(uuid.UUID(text))) for text in store.curated_identities(conn)}
