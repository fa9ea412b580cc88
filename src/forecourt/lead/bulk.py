"""Importing a lead file in bulk: millions of rows normalised on every core, stored in batches.

The rules are those of capturing the rows one by one (`service.capture_batch`): every rejected
row is reported with its line, field and reason and every valid row is imported; a (channel,
source id) already stored, or seen earlier in the file, is a replay and creates nothing; each
person is resolved as the online path would had the rows arrived one by one in file order; the
campaign is credited and consents are recorded the same way; a `lead.captured` event goes to
the outbox for every new lead. What differs is how: rows are normalised in worker processes,
resolution runs vectorised (`customer.bulk`), and rows are written with a few bulk statements
in one transaction, so a failed import leaves nothing behind and can simply be run again.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import gc
import os
import time
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from itertools import islice
from pathlib import Path
from typing import Any, NamedTuple

from forecourt.campaign import service as campaigns
from forecourt.campaign.schemas import Attribution
from forecourt.customer.bulk import service as customers_bulk
from forecourt.customer.bulk.arrivals import Arrivals, PersonRow, person_row
from forecourt.customer.bulk.results import Placed, Reclustered
from forecourt.customer.matching.normalise import normalise_person, remembering
from forecourt.db import forked
from forecourt.db.bulk import (
    LazyRows,
    indexes_built_after,
    loading_connection,
    roomy_cache,
)
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.id_batches import new_ids
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import bulk_repository
from forecourt.lead.events import LeadCaptured
from forecourt.lead.files import LeadOrError, read_leads
from forecourt.lead.incoming import ConsentInput, IncomingLead, NumberedLead, RowError

#: Reports progress: (phase, done, total or None when unknown).
Progress = Callable[[str, int, int | None], None]
CHUNK = 2_000  # rows per task sent to a worker process
STORE_STEPS = 3  # customers and identities, leads and events, the commit
#: The tables a bulk import fills, row for row with its leads or more.
LOADED_TABLES = ("lead", "outbox", "source_identity", "customer", "consent", "blocking_key")
PERSON_FIELDS = ("first_name", "last_name", "full_name", "phone", "email", "city", "country")
#: Distinct names, phones and e-mails each step of normalising remembers while an import reads
#: (a million rows repeat them far apart; bench/bulk_import.py: read 35.1-35.9 s with this
#: against 38.0-41.2 s with the default), at the cost of that many entries in each worker.
REMEMBERED_IN_BULK = 1_048_576


class LeadFacts(NamedTuple):
    """What storing a lead needs besides the person, kept compact for millions of rows."""

    channel: str
    source_id: str | None
    country: str | None
    dealer_code: str | None
    credit_key: tuple[str | None, str | None, str | None, str | None]
    model_interest: str | None
    attributes: dict[str, str]
    consents: tuple[ConsentInput, ...]
    created_at: datetime | None


@dataclass
class BulkImport:
    """What a bulk import did: leads created, replays skipped, rows rejected, resolutions."""

    created: int = 0
    replayed: int = 0
    rejected: list[RowError] = field(default_factory=list)
    resolutions: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)

    def phase(self, name: str, started: float) -> float:
        """Record how long a phase took since `started`; returns now (the next start)."""
        now = time.perf_counter()
        self.seconds[name] = round(now - started, 2)
        return now


@dataclass
class _Parsed:
    """The file read and normalised: arrivals in order with their lead facts, and the rest."""

    arrivals: Arrivals = field(default_factory=Arrivals)
    facts: list[LeadFacts] = field(default_factory=list)
    pending: dict[int, LeadFacts] = field(default_factory=dict)
    rejected: list[RowError] = field(default_factory=list)
    replayed: int = 0


def import_file(
    uow: UnitOfWork,
    *,
    path: Path,
    default_channel: str | None = None,
    workers: int | None = None,
    progress: Progress | None = None,
) -> BulkImport:
    """Import every lead of a CSV, Excel, JSON Lines or ADF file in bulk, in one transaction:
    each valid new row becomes a lead resolved to a customer, each bad row is reported."""
    with _no_cyclic_gc():
        return _import(uow, path, default_channel, workers, progress)


@contextlib.contextmanager
def _no_cyclic_gc() -> Iterator[None]:
    """Millions of small rows live until the commit; the cyclic collector would walk them over
    and over for nothing (they hold no cycles), so it pauses for the import. Forked workers
    inherit the pause: what they make (normalised people, rows) holds no cycles either."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _import(
    uow: UnitOfWork,
    path: Path,
    default_channel: str | None,
    workers: int | None,
    progress: Progress | None,
) -> BulkImport:
    started = time.perf_counter()
    with uow:
        known = bulk_repository.stored_sources(uow.session.connection())
    items = read_leads(path, default_channel=default_channel)
    with forked.processes(workers or os.cpu_count() or 1):
        parsed = _parse(items, known, progress)
        result = BulkImport(replayed=parsed.replayed, rejected=sorted(parsed.rejected, key=_line))
        events = _store(uow, parsed, result, result.phase("read", started), progress)
    for event in events:
        uow.bus.publish(event)
    return result


def _line(error: RowError) -> int:
    return error.line


# --- reading and normalising ------------------------------------------------------------------


def _parse(
    items: Iterator[LeadOrError], known: set[tuple[str, str]], progress: Progress | None
) -> _Parsed:
    """Validate rows here, normalise people on the import's worker processes; keep file
    order."""
    parsed = _Parsed()
    if forked.workers() > 1:
        _warm_up()  # built once here, shared by the forked workers
    chunks = _chunks(items, known, parsed)
    # Only while reading: the workers are forked with the larger memory, and it is let go
    # before the store, where the job holds the most.
    with remembering(REMEMBERED_IN_BULK):
        _collect(forked.forked_map(_normalise_chunk, chunks), parsed, progress)
    return parsed


def _chunks(
    items: Iterator[LeadOrError], known: set[tuple[str, str]], parsed: _Parsed
) -> Iterator[list[tuple[int, str | None, tuple[str | None, ...]]]]:
    """Chunks of (line, source id, person fields) of the new valid rows; replays and bad rows
    are counted on `parsed` as they go by."""
    seen = set(known)
    while batch := list(islice(items, CHUNK)):
        chunk = []
        for item in batch:
            if isinstance(item, RowError):
                parsed.rejected.append(item)
            elif (source := _source(item)) is not None and source in seen:
                parsed.replayed += 1
            else:
                if source is not None:
                    seen.add(source)
                parsed.pending[item.line] = _facts(item.lead)
                lead = item.lead
                chunk.append(
                    (item.line, lead.source_id, tuple(getattr(lead, f) for f in PERSON_FIELDS))
                )
        yield chunk


def _source(item: NumberedLead) -> tuple[str, str] | None:
    lead = item.lead
    return (lead.channel.value, lead.source_id) if lead.source_id else None


def _facts(lead: IncomingLead) -> LeadFacts:
    credit = (lead.campaign_code, lead.utm_source, lead.utm_medium, lead.utm_campaign)
    return LeadFacts(
        lead.channel.value,
        lead.source_id,
        lead.country,
        lead.dealer_code,
        credit,
        lead.model_interest,
        dict(lead.attributes),
        tuple(lead.consents),
        lead.created_at,
    )


def _normalise_chunk(
    chunk: list[tuple[int, str | None, tuple[str | None, ...]]],
) -> list[tuple[int, PersonRow | tuple[str | None, str]]]:
    """Normalise each person of a chunk (in a worker): its row, or (field, reason)."""
    out: list[tuple[int, PersonRow | tuple[str | None, str]]] = []
    for line, source_id, values in chunk:
        try:
            fields = dict(zip(PERSON_FIELDS, values, strict=True))
            person = normalise_person(record_id=source_id or "new", **fields)
            out.append((line, person_row(person)))
        except InvalidInput as exc:
            out.append((line, (str(exc.details.get("field", "")) or None, exc.message)))
    return out


def _collect(
    results: Iterable[list[tuple[int, Any]]], parsed: _Parsed, progress: Progress | None
) -> None:
    """Turn normalised rows into arrivals (in file order) and failures into row errors."""
    done = 0
    for chunk in results:
        for line, outcome in chunk:
            facts = parsed.pending.pop(line)
            if isinstance(outcome, PersonRow):
                parsed.arrivals.add(facts.channel, facts.source_id, outcome)
                parsed.facts.append(facts)
            else:
                parsed.rejected.append(RowError(line, outcome[0], outcome[1], facts.source_id))
        done += len(chunk)
        if progress is not None:
            progress("reading", done, None)


def _warm_up() -> None:
    """Build the gazetteer and the Chinese converters before forking, not once per worker."""
    normalise_person(record_id="warm-up", full_name="張偉", phone="13800138000", city="上海")


# --- storing -----------------------------------------------------------------------------------


def _store(
    uow: UnitOfWork,
    parsed: _Parsed,
    result: BulkImport,
    started: float,
    progress: Progress | None,
) -> list[LeadCaptured]:
    """Resolve and store every arrival with its lead, consents and event, in one transaction."""

    def storing(step: int) -> None:
        if progress is not None:
            progress("storing", step, STORE_STEPS)

    def resolving(done: int, total: int) -> None:
        if progress is not None:
            progress("resolving", done, total)
        if done >= total:
            result.phase("resolve", started)
            storing(0)

    with uow:
        conn = loading_connection(uow.session)
        with roomy_cache(conn), indexes_built_after(conn, LOADED_TABLES, len(parsed.facts)):
            placed = customers_bulk.store_arrivals(
                uow, arrivals=parsed.arrivals, progress=resolving
            )
            storing(1)
            events = _write_leads(uow, parsed, placed)
            storing(2)
        uow.commit()
        storing(STORE_STEPS)
    result.phase("store", started + result.seconds.get("resolve", 0.0))
    result.created = len(events)
    for item in placed:
        result.resolutions[item.outcome] = result.resolutions.get(item.outcome, 0) + 1
    return events


def _write_leads(uow: UnitOfWork, parsed: _Parsed, placed: Sequence[Placed]) -> list[LeadCaptured]:
    """Credit campaigns, record consents, insert the leads and their `lead.captured` events."""
    now = uow.clock.now()
    credits = _credits(uow, parsed.facts)
    _consents(uow, parsed, placed, now)
    lead_ids, event_ids = new_ids(len(placed)), new_ids(len(placed))
    events = _events(parsed, placed, credits, lead_ids, event_ids)
    conn = uow.session.connection()
    leads = functools.partial(_lead_rows, parsed, placed, credits, lead_ids, now)
    bulk_repository.insert_leads(conn, LazyRows(len(placed), leads))
    outbox = functools.partial(_outbox_rows, events, now)
    bulk_repository.insert_outbox(conn, LazyRows(len(events), outbox))
    return events


def _credits(uow: UnitOfWork, facts: Sequence[LeadFacts]) -> dict[tuple[Any, ...], Attribution]:
    """The campaign credit of each distinct code and UTM tags (asked once each)."""
    credits: dict[tuple[Any, ...], Attribution] = {}
    for key in {f.credit_key for f in facts}:
        code, source, medium, name = key
        credits[key] = campaigns.attribute(
            uow, campaign_code=code, utm_source=source, utm_medium=medium, utm_campaign=name
        )
    return credits


def _consents(uow: UnitOfWork, parsed: _Parsed, placed: Sequence[Placed], now: datetime) -> None:
    """Record the consents given with each lead, for its customer and identity."""
    given = [
        customers_bulk.ConsentRow(
            item.customer_id,
            item.identity_id,
            c.channel.value,
            c.purpose.value,
            c.granted,
            c.source or f"lead:{facts.channel}",
            c.at or now,
        )
        for facts, item in zip(parsed.facts, placed, strict=True)
        for c in facts.consents
    ]
    if given:
        customers_bulk.record_consents(uow, consents=given)


def _events(
    parsed: _Parsed,
    placed: Sequence[Placed],
    credits: dict[tuple[Any, ...], Attribution],
    lead_ids: Sequence[uuid.UUID],
    event_ids: Sequence[uuid.UUID],
) -> list[LeadCaptured]:
    """The `lead.captured` event of each arrival's lead, as `capture_lead` publishes it."""
    return [
        LeadCaptured(
            event_id=event_ids[n],
            lead_id=lead_ids[n],
            customer_id=item.customer_id,
            channel=facts.channel,
            market_code=person.country or facts.country,
            resolution=item.outcome,
            campaign_id=credits[facts.credit_key].campaign_id,
        )
        for n, (facts, person, item) in enumerate(
            zip(parsed.facts, parsed.arrivals.rows, placed, strict=True)
        )
    ]


def _lead_rows(
    parsed: _Parsed,
    placed: Sequence[Placed],
    credits: dict[tuple[Any, ...], Attribution],
    lead_ids: Sequence[uuid.UUID],
    now: datetime,
    start: int,
    stop: int,
) -> list[tuple[Any, ...]]:
    """The lead rows of arrivals start … stop - 1, as `capture_lead` stores them."""
    rows = []
    for n in range(start, stop):
        facts, person, item = parsed.facts[n], parsed.arrivals.rows[n], placed[n]
        credit = credits[facts.credit_key]
        issues = list(person.issues) + (
            ["campaign.unknown"] if credit.matched_by == "unknown_code" else []
        )
        rows.append(
            (
                lead_ids[n],
                facts.channel,
                facts.source_id,
                None,
                item.customer_id,
                item.identity_id,
                item.outcome,
                person.country or facts.country,
                None,
                facts.dealer_code,
                credit.campaign_id,
                credit.campaign_code,
                credit.matched_by,
                _utm(facts.credit_key),
                facts.model_interest,
                "new",
                issues,
                facts.attributes,
                facts.created_at or now,
                now,
                person.latitude,
                person.longitude,
            )
        )
    return rows


@functools.cache
def _utm(credit_key: tuple[str | None, ...]) -> dict[str, str]:
    """The UTM tags as the lead stores them (one shared, never mutated, map per tag set)."""
    _, source, medium, name = credit_key
    return {k: v for k, v in (("source", source), ("medium", medium), ("campaign", name)) if v}


def _outbox_rows(
    events: Sequence[LeadCaptured], now: datetime, start: int, stop: int
) -> list[tuple[Any, ...]]:
    return [_outbox_row(event, now) for event in events[start:stop]]


def _outbox_row(event: LeadCaptured, now: datetime) -> tuple[Any, ...]:
    payload = {
        "lead_id": str(event.lead_id),
        "customer_id": str(event.customer_id),
        "channel": event.channel,
        "market_code": event.market_code,
        "resolution": event.resolution,
        "campaign_id": None if event.campaign_id is None else str(event.campaign_id),
    }
    return (event.event_id, event.name, event.version, payload, event.occurred_at or now, None)


# `Event.payload` deep-copies the event through `dataclasses.asdict`, tens of microseconds a
# lead; the fields of `lead.captured` are flat, so `_outbox_row` writes the same payload
# directly. Should the event gain a field, importing this module fails instead of dropping it.
_PAYLOAD_FIELDS = {"lead_id", "customer_id", "channel", "market_code", "resolution", "campaign_id"}
if {f.name for f in dataclasses.fields(LeadCaptured)} - {"event_id", "occurred_at"} != (
    _PAYLOAD_FIELDS
):
    raise RuntimeError("lead.captured changed: update lead.bulk._outbox_row")


# --- re-clustering -------------------------------------------------------------------------------


def recluster(
    uow: UnitOfWork, *, workers: int | None = None, progress: Progress | None = None
) -> Reclustered:
    """Re-decide every identity's customer in bulk (`customer.bulk.recluster`, scoring on
    `workers` processes, all cores by default) and move each lead with its identity, in one
    transaction."""
    with uow, forked.processes(workers or os.cpu_count() or 1):

        def resolving(done: int, total: int) -> None:
            if progress is not None:
                progress("resolving", done, total)

        result = customers_bulk.recluster(uow, progress=resolving)
        conn = uow.session.connection()
        rows = [
            (*result.moved[identity], lead)
            for lead, identity in bulk_repository.leads_by_identity(conn, result.moved)
        ]
        bulk_repository.move_leads(conn, rows)
        uow.commit()
        return result
