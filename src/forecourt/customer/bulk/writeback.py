"""Writing bulk decisions back: customers with golden fields, identities, keys, reviews."""

from __future__ import annotations

import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from datetime import datetime
from operator import itemgetter
from typing import Any

from sqlalchemy import Connection

from forecourt.customer.bulk import store
from forecourt.customer.bulk.arrivals import Arrivals
from forecourt.customer.bulk.engine import Resolved
from forecourt.customer.bulk.golden import GOLDEN_COLUMNS, golden_values
from forecourt.customer.bulk.population import Population
from forecourt.customer.bulk.results import Placed, Reclustered
from forecourt.customer.matching.model import MatchModel
from forecourt.customer.matching.scoring import score_pair
from forecourt.db.bulk import LazyRows
from forecourt.kernel.id_batches import new_ids
from forecourt.kernel.ids import new_id

OUTCOMES = {"link": "linked", "new": "new", "review": "review"}
IDENTITY_INSERT = (
    "id",
    "customer_id",
    "channel",
    "source_id",
    "display_name",
    "name_key",
    "name_hanzi",
    "phone_raw",
    "phone",
    "email",
    "city_id",
    "city_name",
    "country",
    "city_tier",
    "flags",
    "match_outcome",
    "match_probability",
    "created_at",
)
CUSTOMER_INSERT = ("id", "created_at", "updated_at", *GOLDEN_COLUMNS)


class Ids:
    """Customer ids per cluster label, and raw ↔ UUID conversion of stored ids."""

    def __init__(self, conn: Connection) -> None:
        self.to_raw = store.raw(conn, "id")
        process = store.id_reader(conn)
        self.to_uuid: Callable[[Any], uuid.UUID] = process
        self.of_label: dict[int, uuid.UUID] = {}
        self.new: set[uuid.UUID] = set()
        self._spare: list[uuid.UUID] = []

    def fresh(self, label: int) -> uuid.UUID:
        """A new customer for a cluster."""
        if not self._spare:
            self._spare = new_ids(10_000)[::-1]
        customer = self._spare.pop()
        self.of_label[label] = customer
        self.new.add(customer)
        return customer


def members_by_label(customer: Sequence[int], positions: Sequence[int]) -> dict[int, list[int]]:
    """The records of each cluster among `positions`."""
    members: dict[int, list[int]] = defaultdict(list)
    for p in positions:
        members[customer[p]].append(p)
    return members


def golden_of(population: Population, members: Sequence[int]) -> tuple[Any, ...]:
    """The golden fields of one cluster."""
    return golden_values(members, population.columns, population.created_at)


def review_rows(
    model: MatchModel,
    population: Population,
    resolved: Resolved,
    reviews: Sequence[int],
    identity_of: Callable[[int], uuid.UUID],
    customer_of: Callable[[int], uuid.UUID],
    now: datetime,
) -> list[tuple[Any, ...]]:
    """A review row per record, with the evidence of its best candidate, as stored online."""
    frame = population.frame()
    rows = []
    for p in reviews:
        candidate = resolved.decisions[p].candidate
        assert candidate is not None  # a review always concerns a candidate
        score = score_pair(model, frame.record(p), frame.record(candidate))
        evidence = [e.as_dict() for e in score.evidence]  # as the online path stores it
        rows.append(
            (
                new_id(),
                identity_of(p),
                customer_of(resolved.customer[candidate]),
                score.probability,
                evidence,
                "open",
                now,
            )
        )
    return rows


# --- arrivals ---------------------------------------------------------------------------------


def write_arrivals(
    conn: Connection,
    model: MatchModel,
    population: Population,
    arrivals: Arrivals,
    ids: list[uuid.UUID],
    resolved: Resolved,
    now: datetime,
) -> list[Placed]:
    """Insert the arrivals' customers, identities, keys and reviews; refresh linked customers."""
    first, ids_of = population.stored, Ids(conn)
    owners = population.columns["customer_id"]
    for label in {resolved.customer[p] for p in range(first, len(population))}:
        if label < first:
            ids_of.of_label[label] = ids_of.to_uuid(owners[label])
        else:
            ids_of.fresh(label)
    customer = [ids_of.of_label[resolved.customer[p]] for p in range(first, len(population))]
    _insert_customers(conn, population, resolved, ids_of, now)
    _insert_identities(conn, population, arrivals, ids, customer, resolved, now)
    # Each identity id converted once, not once per key (a person has about five).
    raw = list(map(store.raw(conn, "id"), ids))
    keys = [(key, raw[n]) for n, row in enumerate(arrivals.rows) for key in row.keys]
    keys.sort(key=itemgetter(0))  # in index order, the key index grows by appending
    store.insert_keys(conn, keys)
    reviews = [p for p, d in resolved.decisions.items() if d.outcome == "review"]
    store.insert_reviews(
        conn,
        review_rows(
            model,
            population,
            resolved,
            sorted(reviews),
            lambda p: ids[p - first],
            lambda label: ids_of.of_label.get(label) or ids_of.to_uuid(owners[label]),
            now,
        ),
    )
    return [
        Placed(
            ids[n],
            customer[n],
            OUTCOMES[resolved.decisions[first + n].outcome],
            resolved.probability.get(first + n),
        )
        for n in range(len(ids))
    ]


def _insert_customers(
    conn: Connection, population: Population, resolved: Resolved, ids: Ids, now: datetime
) -> None:
    """New customers with their golden fields; stored customers that gained identities
    get theirs refreshed."""
    touched = {label for label in ids.of_label if ids.of_label[label] not in ids.new}
    labels = set(ids.of_label)
    everyone = range(len(population))
    members = members_by_label(
        resolved.customer, [p for p in everyone if resolved.customer[p] in labels]
    )
    fresh = sorted(labels - touched)

    def new_rows(start: int, stop: int) -> list[tuple[Any, ...]]:
        return [
            (ids.of_label[label], now, now, *golden_of(population, members[label]))
            for label in fresh[start:stop]
        ]

    store.insert_customers(conn, LazyRows(len(fresh), new_rows), CUSTOMER_INSERT)
    owners = population.columns["customer_id"]
    updates = [
        (now, *golden_of(population, members[label]), owners[label]) for label in sorted(touched)
    ]
    store.update_customers(conn, ("updated_at", *GOLDEN_COLUMNS), updates)


def _insert_identities(
    conn: Connection,
    population: Population,
    arrivals: Arrivals,
    ids: list[uuid.UUID],
    customer: list[uuid.UUID],
    resolved: Resolved,
    now: datetime,
) -> None:
    first = population.stored

    def rows(start: int, stop: int) -> list[tuple[Any, ...]]:
        return [
            (
                ids[n],
                customer[n],
                arrivals.channel[n],
                arrivals.source_id[n],
                row.display_name,
                row.name_key,
                row.name_hanzi,
                row.phone_raw,
                row.phone,
                row.email,
                row.city_id,
                row.city_name,
                row.country,
                row.city_tier,
                list(row.issues),
                OUTCOMES[resolved.decisions[first + n].outcome],
                resolved.probability.get(first + n),
                now,
            )
            for n, row in enumerate(arrivals.rows[start:stop], start)
        ]

    store.insert_identities(conn, LazyRows(len(arrivals.rows), rows), IDENTITY_INSERT)


# --- re-cluster -------------------------------------------------------------------------------


def write_recluster(
    conn: Connection,
    model: MatchModel,
    population: Population,
    resolved: Resolved,
    frozen: Sequence[int],
    now: datetime,
) -> Reclustered:
    """Move identities whose customer changed, create, refresh or retire customers, and
    replace the open reviews of re-decided identities."""
    ids = Ids(conn)
    owners = population.columns["customer_id"]
    members = members_by_label(resolved.customer, range(len(population)))
    _name_clusters(ids, members, owners, {resolved.customer[p] for p in frozen})
    result = Reclustered(identities=len(population), customers=len(members))
    rows, moved = _moved_identities(population, resolved, ids, set(frozen), result)
    touched = _touched(ids, members, moved)
    _insert_new_customers(conn, population, ids, members, touched, now)
    store.update_identities(conn, rows)
    _refresh_customers(conn, population, resolved, ids, members, touched, moved, now)
    result.open_reviews = _replace_reviews(conn, model, population, resolved, ids, now)
    return result


def _name_clusters(
    ids: Ids, members: dict[int, list[int]], owners: list[Any], frozen: set[int]
) -> None:
    """Keep each cluster's customer id where possible: a frozen cluster its own, any other the
    first stored customer among its records not already taken, else a new one."""
    taken: set[Any] = set()
    for label in sorted(members, key=lambda lb: (lb not in frozen, lb)):
        if label in frozen:
            ids.of_label[label] = ids.to_uuid(owners[label])
            taken.add(owners[label])
            continue
        kept = next((owners[m] for m in members[label] if owners[m] not in taken), None)
        if kept is None:
            ids.fresh(label)
        else:
            taken.add(kept)
            ids.of_label[label] = ids.to_uuid(kept)


def _moved_identities(
    population: Population,
    resolved: Resolved,
    ids: Ids,
    frozen: set[int],
    result: Reclustered,
) -> tuple[list[tuple[Any, ...]], dict[int, Any]]:
    """The updates of identities whose customer, outcome or probability changed, and the moved
    records with their previous (raw) customer."""
    columns = population.columns
    rows: list[tuple[Any, ...]] = []
    moved: dict[int, Any] = {}
    for p in range(len(population)):
        if p in frozen:
            continue
        customer = ids.of_label[resolved.customer[p]]
        outcome = OUTCOMES[resolved.decisions[p].outcome]
        probability = resolved.probability.get(p)
        old = columns["customer_id"][p]
        same_customer = ids.to_raw(customer) == old
        if same_customer and (outcome, probability) == (
            columns["match_outcome"][p],
            columns["match_probability"][p],
        ):
            continue
        rows.append((customer, outcome, probability, columns["id"][p]))
        if not same_customer:
            moved[p] = old
            result.moved[ids.to_uuid(columns["id"][p])] = (customer, outcome)
    return rows, moved


def _touched(ids: Ids, members: dict[int, list[int]], moved: dict[int, Any]) -> list[int]:
    """Clusters whose customer is new, gained a record or lost one."""
    losers = set(moved.values())
    return [
        label
        for label in sorted(members)
        if ids.of_label[label] in ids.new
        or ids.to_raw(ids.of_label[label]) in losers
        or any(m in moved for m in members[label])
    ]


def _insert_new_customers(
    conn: Connection,
    population: Population,
    ids: Ids,
    members: dict[int, list[int]],
    touched: list[int],
    now: datetime,
) -> None:
    new_rows = [
        (ids.of_label[lb], now, now, *golden_of(population, members[lb]))
        for lb in touched
        if ids.of_label[lb] in ids.new
    ]
    store.insert_customers(conn, new_rows, CUSTOMER_INSERT)


def _refresh_customers(
    conn: Connection,
    population: Population,
    resolved: Resolved,
    ids: Ids,
    members: dict[int, list[int]],
    touched: list[int],
    moved: dict[int, Any],
    now: datetime,
) -> None:
    """Refresh the golden fields of changed customers, retire emptied ones, and let consents
    follow their identity (or their retired customer's survivor)."""
    updates = [
        (now, *golden_of(population, members[lb]), ids.to_raw(ids.of_label[lb]))
        for lb in touched
        if ids.of_label[lb] not in ids.new
    ]
    store.update_customers(conn, ("updated_at", *GOLDEN_COLUMNS), updates)
    live = {ids.to_raw(c) for c in ids.of_label.values()}
    survivors = _retire(conn, resolved, ids, moved, live, now)
    _move_consents(conn, population, resolved, ids, survivors)


def _retire(
    conn: Connection,
    resolved: Resolved,
    ids: Ids,
    moved: dict[int, Any],
    live: set[Any],
    now: datetime,
) -> dict[Any, uuid.UUID]:
    """Point each customer left without identities to the customer that took most of them."""
    taken_by: dict[Any, Counter[uuid.UUID]] = defaultdict(Counter)
    for p, old in moved.items():
        if old not in live:
            taken_by[old][ids.of_label[resolved.customer[p]]] += 1
    survivors = {old: counts.most_common(1)[0][0] for old, counts in taken_by.items()}
    store.mark_merged(conn, [(new, now, old) for old, new in survivors.items()])
    return survivors


def _move_consents(
    conn: Connection,
    population: Population,
    resolved: Resolved,
    ids: Ids,
    survivors: dict[Any, uuid.UUID],
) -> None:
    """Consents follow their identity's customer; a customer's own consents its survivor."""
    position = {raw: p for p, raw in enumerate(population.columns["id"])}
    rows = []
    for consent, customer, identity in store.consent_owners(conn):
        if identity is not None and identity in position:
            target = ids.of_label[resolved.customer[position[identity]]]
        elif customer in survivors:
            target = survivors[customer]
        else:
            continue
        if ids.to_raw(target) != customer:
            rows.append((target, consent))
    store.move_consents(conn, rows)


def _replace_reviews(
    conn: Connection,
    model: MatchModel,
    population: Population,
    resolved: Resolved,
    ids: Ids,
    now: datetime,
) -> int:
    """Open reviews of re-decided identities: keep those still wanted, drop the rest, add new."""
    identity_ids = population.columns["id"]
    wanted = {identity_ids[p]: p for p, d in resolved.decisions.items() if d.outcome == "review"}
    decided = {identity_ids[p] for p in resolved.decisions}
    stale = []
    for review, identity, candidate in store.open_reviews(conn):
        if identity not in decided:
            continue
        p = wanted.get(identity)
        target = None if p is None else _candidate_customer(resolved, ids, p)
        if target is not None and ids.to_raw(target) == candidate:
            del wanted[identity]
        else:
            stale.append(review)
    store.delete_reviews(conn, stale)
    rows = review_rows(
        model,
        population,
        resolved,
        sorted(wanted.values()),
        lambda p: ids.to_uuid(identity_ids[p]),
        lambda label: ids.of_label[label],
        now,
    )
    store.insert_reviews(conn, rows)
    return len(rows)


def _candidate_customer(resolved: Resolved, ids: Ids, position: int) -> uuid.UUID:
    candidate = resolved.decisions[position].candidate
    assert candidate is not None
    return ids.of_label[resolved.customer[candidate]]
