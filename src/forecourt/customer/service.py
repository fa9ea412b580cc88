"""Use cases of the customer feature: resolve a captured person, read and search profiles, consent."""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from forecourt.customer import golden, model_store, repository
from forecourt.customer.matching import blocking
from forecourt.customer.matching.blocking import KEY_LIMITS, blocking_keys
from forecourt.customer.matching.decide import CandidateScore, OpenQuestions, Resolution, resolve
from forecourt.customer.matching.normalise import NormalisedPerson, normalise_person
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.models import Customer
from forecourt.customer.schemas import (
    ConsentRecord,
    CustomerContact,
    CustomerProfile,
    CustomerSummary,
    IdentityOutcome,
    IdentityRead,
)
from forecourt.kernel import pickling
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.market.cities import countries

OUTCOMES = {"link": "linked", "new": "new", "review": "review"}


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class PersonPlan:
    """A resolution worked out before the write transaction, on a reader (`plan_person`): the
    blocking keys, the candidate rows seen, the decision taken on them, and whether it consulted
    the candidates' open reviews (`asked`)."""

    keys: tuple[str, ...]
    found: list[tuple[Any, ...]]
    decision: Resolution
    asked: bool


def plan_person(uow: UnitOfWork, *, person: NormalisedPerson) -> PersonPlan:
    """Resolve a captured person without writing anything: what `resolve_person` would decide on
    the data as it is now. Capture does this before it queues for the write lock, so the lock
    is held for the writing only."""
    with uow:
        keys = blocking_keys(person.record)
        found = repository.candidates(uow.session, keys, KEY_LIMITS) if keys else []
        decision, asked = _decision(uow, person.record, found)
        return PersonPlan(tuple(keys), found, decision, asked)


def resolve_person(
    uow: UnitOfWork,
    *,
    person: NormalisedPerson,
    channel: str,
    source_id: str | None,
    plan: PersonPlan | None = None,
    plan_current: bool = False,
) -> IdentityOutcome:
    """Store a captured person as a source identity and link it to a customer: the same person
    already known (linked), a new customer, or a new customer queued for review against a likely
    match. A (channel, source id) is stored once: a second one violates a unique constraint, so
    callers check for replays first (lead capture does, before anything else). With a `plan`
    made before the transaction, its decision stands when the candidates read now are the ones
    it saw (the same identities of the same customers, the same model) and it consulted no open
    review (reviews change without touching candidate rows); else it is taken again.
    `plan_current`: the caller knows that nobody wrote under the plan's keys since it was made
    and that no review was decided meanwhile (`lead.intake` does), so its candidates and its
    decision stand without being read again."""
    with uow:
        record = person.record
        keys = list(plan.keys) if plan else blocking_keys(record)
        if plan is not None and plan_current:
            found = plan.found
        else:
            found = repository.candidates(uow.session, keys, KEY_LIMITS) if keys else []
        decision = _planned(uow, plan, found, plan_current)
        if decision is None:
            decision, _ = _decision(uow, record, found)
        outcome = _apply(uow, person, Source(channel, source_id), keys, decision)
        uow.commit()
        return outcome


def _planned(
    uow: UnitOfWork, plan: PersonPlan | None, found: list[tuple[Any, ...]], current: bool
) -> Resolution | None:
    """The plan's decision if it still holds: nothing it was taken on has changed since."""
    if plan is None:
        return None
    # Compared as sets: the statement has no order, and rows in another order are the same.
    if not current and (plan.asked or set(plan.found) != set(found)):
        return None
    if plan.decision.model_version != model_store.active(uow.session).version:
        return None
    return plan.decision


def _decision(
    uow: UnitOfWork, record: PersonRecord, found: list[tuple[Any, ...]]
) -> tuple[Resolution, bool]:
    """The decision on the candidate rows `found`, and whether open reviews were consulted."""
    candidates, clusters = _candidate_records(found)
    asked: list[str] = []
    questions = _open_questions(uow, clusters)

    def noted(customer: str) -> Collection[str]:
        asked.append(customer)
        return questions(customer)

    model = model_store.active(uow.session)
    decision = resolve(model, record, candidates, clusters=clusters, questions=noted)
    return decision, bool(asked)


def _open_questions(uow: UnitOfWork, clusters: Mapping[str, str]) -> OpenQuestions:
    """The customers a candidate customer's open reviews ask about, named as in `clusters`.
    Only a lead with a rival asks: on the first question the open reviews of every candidate
    customer are read, in one statement, rather than one statement per customer asked about."""
    answers: dict[str, set[str]] = {}

    def asked(customer: str) -> set[str]:
        if not answers and clusters:
            named = {uuid.UUID(text): text for text in set(clusters.values())}
            answers.update((text, set()) for text in named.values())
            for of, about in repository.open_questions(uow.session, list(named)):
                if about in named:
                    answers[named[of]].add(named[about])
        return answers.get(customer, set())

    return asked


@dataclass(frozen=True, slots=True)
class Source:
    """Where a captured person came from: the channel and that channel's own id."""

    channel: str
    source_id: str | None


def _apply(
    uow: UnitOfWork,
    person: NormalisedPerson,
    source: Source,
    keys: Sequence[str],
    decision: Resolution,
) -> IdentityOutcome:
    """Write the decision: the identity and its keys, the customer, and a review if one is due."""
    outcome = OUTCOMES[decision.outcome]
    now = uow.clock.now()
    identity = _identity_values(person, source, outcome, decision, now)
    if outcome == "linked":
        identity["customer_id"] = _linked_customer(decision)
        repository.insert_identity(uow.session, identity, keys)
        _refresh_golden(uow, identity["customer_id"], now)
    else:
        identity["customer_id"] = new_id()
        _insert_customer(uow, identity, now)
        repository.insert_identity(uow.session, identity, keys)
    evidence = _evidence(decision)
    if outcome == "review" and decision.best:
        repository.insert_review(uow.session, _review(identity["id"], decision.best, evidence, now))
    return IdentityOutcome(
        customer_id=identity["customer_id"],
        identity_id=identity["id"],
        outcome=outcome,
        probability=identity["match_probability"],
        evidence=evidence,
    )


def _evidence(decision: Resolution) -> list[dict[str, Any]]:
    """The best candidate's evidence, field by field, as stored with the decision."""
    return [item.as_dict() for item in decision.best.score.evidence] if decision.best else []


def _linked_customer(decision: Resolution) -> uuid.UUID:
    assert decision.best is not None  # a link always has its candidate
    # Candidates come from identities, and a merge moves identities to the surviving customer,
    # so the customer found here is live.
    return uuid.UUID(decision.best.customer_id)


def _insert_customer(uow: UnitOfWork, identity: dict[str, Any], now: datetime) -> None:
    """A new customer whose golden record is its only identity's values."""
    golden_values = {field: identity[field] for field in golden.FIELDS}
    repository.insert_customer(
        uow.session,
        {
            "id": identity["customer_id"],
            "market_code": identity["country"],
            "created_at": now,
            "updated_at": now,
            **golden_values,
        },
    )


def _refresh_golden(uow: UnitOfWork, customer_id: uuid.UUID, now: datetime) -> None:
    values = golden.best_values(repository.golden_sources(uow.session, customer_id))
    if not repository.update_golden(uow.session, customer_id, {**values, "updated_at": now}):
        raise NotFound("the matched customer no longer exists")


def _identity_values(
    person: NormalisedPerson,
    source: Source,
    outcome: str,
    decision: Resolution,
    now: datetime,
) -> dict[str, Any]:
    record = person.record
    return {
        "id": new_id(),
        "channel": source.channel,
        "source_id": source.source_id,
        "display_name": person.display_name,
        "name_key": " ".join(record.name_tokens) or None,
        "name_hanzi": record.name_hanzi,
        "phone_raw": person.phone_raw,
        "phone": record.phone,
        "email": record.email,
        "city_id": record.city_id,
        "city_name": person.city_name,
        "country": person.market_code,
        "city_tier": person.city_tier,
        "flags": list(person.issues),
        "match_outcome": outcome,
        "match_probability": decision.best.score.probability if decision.best else None,
        "created_at": now,
    }


def _review(
    identity_id: uuid.UUID, best: CandidateScore, evidence: list[dict[str, Any]], now: datetime
) -> dict[str, Any]:
    return {
        "id": new_id(),
        "identity_id": identity_id,
        "candidate_customer_id": uuid.UUID(best.customer_id),
        "probability": best.score.probability,
        "evidence": evidence,
        "status": "open",
        "created_at": now,
    }


class Candidate(Protocol):
    """What scoring reads of a stored identity (an entity or a fetched row)."""

    @property
    def id(self) -> uuid.UUID | str: ...
    @property
    def name_key(self) -> str | None: ...
    @property
    def name_hanzi(self) -> str | None: ...
    @property
    def phone(self) -> str | None: ...
    @property
    def email(self) -> str | None: ...
    @property
    def city_id(self) -> int | None: ...
    @property
    def country(self) -> str | None: ...


def _record_of(identity: Candidate) -> PersonRecord:
    """The matching view of a stored identity (the same fields the online path scores)."""
    return PersonRecord(
        record_id=str(identity.id),
        name_tokens=tuple(identity.name_key.split()) if identity.name_key else (),
        name_hanzi=identity.name_hanzi,
        phone=identity.phone,
        email=identity.email,
        city_id=identity.city_id,
        country=identity.country,
    )


def _candidate_records(
    rows: Iterable[Sequence[Any]],
) -> tuple[list[PersonRecord], dict[str, str]]:
    """The matching view of fetched candidate rows (`repository.CANDIDATE_COLUMNS`, in that
    order), as `_record_of` makes it, and the customer of each (record id → customer id).
    Columns are read by position: by name, a row's attribute lookups cost more per candidate
    than building the record."""
    records: list[PersonRecord] = []
    clusters: dict[str, str] = {}
    for identity_id, customer_id, name_key, name_hanzi, phone, email, city_id, country in rows:
        record_id = str(identity_id)
        tokens = tuple(name_key.split()) if name_key else ()
        records.append(PersonRecord(record_id, tokens, name_hanzi, phone, email, city_id, country))
        clusters[record_id] = str(customer_id)
    return records, clusters


def record_consents(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    identity_id: uuid.UUID | None,
    consents: Sequence[ConsentRecord],
) -> None:
    """Append consents as given; the newest per purpose is the one in force."""
    with uow:
        rows = [
            {"id": new_id(), "customer_id": customer_id, "identity_id": identity_id}
            | consent.model_dump()
            for consent in consents
        ]
        repository.insert_consents(uow.session, rows)
        uow.commit()


def marketing_allowed(consents: Sequence[ConsentRecord]) -> bool:
    """Marketing only with a marketing consent in force: the newest one must be a yes."""
    marketing = [c for c in consents if c.purpose == "marketing"]
    return bool(marketing) and max(marketing, key=lambda c: c.at).granted


def get_customer(
    uow: UnitOfWork, *, customer_id: uuid.UUID, through_lead_of_dealer: uuid.UUID | None = None
) -> CustomerProfile:
    """The golden profile with its source identities and consent state (merged ids follow
    through). Dealer staff reach a customer only through a lead assigned to their dealer: the
    lead feature checks the lead and passes its dealer as `through_lead_of_dealer`."""
    with uow:
        customer = _visible_customer(uow, customer_id, through_lead_of_dealer)
        consents = [
            ConsentRecord.model_validate(c, from_attributes=True)
            for c in repository.consents_of(uow.session, customer.id)
        ]
        return CustomerProfile(
            **CustomerSummary.model_validate(customer).model_dump(),
            identities=[
                IdentityRead.model_validate(i)
                for i in repository.identities_of(uow.session, customer.id)
            ],
            consents=consents,
            marketing_allowed=marketing_allowed(consents),
            open_reviews=repository.open_review_count(uow.session, customer.id),
        )


def get_contact(uow: UnitOfWork, *, customer_id: uuid.UUID) -> CustomerContact:
    """The golden record and consents of a customer the caller may see (merged ids follow
    through): what messaging and the interaction log need, without the source identities and
    reviews of the full profile."""
    with uow:
        customer = _visible_customer(uow, customer_id)
        consents = [
            ConsentRecord.model_validate(c, from_attributes=True)
            for c in repository.consents_of(uow.session, customer.id)
        ]
        return CustomerContact(
            **CustomerSummary.model_validate(customer).model_dump(),
            consents=consents,
            marketing_allowed=marketing_allowed(consents),
        )


def _visible_customer(
    uow: UnitOfWork, customer_id: uuid.UUID, through_lead_of_dealer: uuid.UUID | None = None
) -> Customer:
    customer = repository.customer(uow.session, customer_id)
    while customer is not None and customer.merged_into_id is not None:
        customer = repository.customer(uow.session, customer.merged_into_id)
    if customer is None:
        raise NotFound("no such customer", field="customer_id")
    actor = uow.actor
    own_lead = actor.role is Role.DEALER_STAFF and actor.dealer_id == through_lead_of_dealer
    if not own_lead:
        _require_sees(actor, customer.market_code)
    return customer


def _require_sees(actor: Principal, market_code: str | None) -> None:
    if actor.role is Role.DEALER_STAFF:
        raise Forbidden("dealer staff reach customers through their leads")
    if actor.role is Role.MARKET_MANAGER and market_code not in actor.market_codes:
        raise Forbidden("this customer is outside your markets")


def search_customers(
    uow: UnitOfWork, *, q: str, country: str | None = None, limit: int = 20
) -> list[CustomerSummary]:
    """Find customers by a phone, an e-mail or a name in any script (Hanzi, pinyin, Latin, Cyrillic)."""
    query = q.strip()
    if len(query) < 2:
        raise InvalidInput("search for at least two characters", field="q")
    probe = _probe(query, country)
    with uow:
        found = repository.search(uow.session, keys=_search_keys(probe.record), limit=limit)
        return [CustomerSummary.model_validate(c) for c in found if _sees(uow.actor, c.market_code)]


def _probe(query: str, country: str | None) -> NormalisedPerson:
    """Read a search string as whatever it looks like: an e-mail, a phone, or a name."""
    if "@" in query:
        return normalise_person(record_id="q", email=query)
    if sum(ch.isdigit() for ch in query) >= 6:
        return normalise_person(record_id="q", phone=query, country=country)
    return normalise_person(record_id="q", full_name=query)


def _search_keys(record: PersonRecord) -> list[str]:
    """The blocking keys a search looks under: the phone's, the e-mail's, and the name's in every
    country (a name in any script reads as the same tokens, so 张小明 finds Zhang Xiaoming)."""
    keys = [blocking.phone_key(record.phone)] if record.phone else []
    keys += [blocking.email_key(record.email)] if record.email else []
    if record.name_tokens:
        keys += blocking.name_keys_in(record.name_tokens, countries())
    return keys


def _sees(actor: Principal, market_code: str | None) -> bool:
    try:
        _require_sees(actor, market_code)
    except Forbidden:
        return False
    return True


def record_consent_for(uow: UnitOfWork, *, customer_id: uuid.UUID, consent: ConsentRecord) -> None:
    """Record a consent or opt-out for a customer the caller may see; audited."""
    with uow:
        customer = _visible_customer(uow, customer_id)
        record_consents(uow, customer_id=customer.id, identity_id=None, consents=[consent])
        uow.audit(
            "customer.consent",
            "customer",
            customer.id,
            changes=consent.model_dump(mode="json"),
            market_code=customer.market_code,
        )
        uow.commit()


def identities_of_leads(
    uow: UnitOfWork, *, identity_ids: Sequence[uuid.UUID]
) -> list[IdentityRead]:
    """The source identities behind leads the caller already read within their scope (a lead
    feed), in one query; ids not found are left out."""
    if not identity_ids:
        return []
    with uow:
        found = repository.identities_of_ids(uow.session, list(dict.fromkeys(identity_ids)))
        return [IdentityRead.model_validate(i) for i in found]


def get_identity(
    uow: UnitOfWork, *, identity_id: uuid.UUID, through_lead_of_dealer: uuid.UUID | None = None
) -> IdentityRead:
    """One source identity, if its customer is within the caller's scope (dealer staff: through
    a lead of their dealer, as in `get_customer`)."""
    with uow:
        found = repository.identities_of_ids(uow.session, [identity_id])
        if not found:
            raise NotFound("no such identity", field="identity_id")
        _visible_customer(uow, found[0].customer_id, through_lead_of_dealer)
        return IdentityRead.model_validate(found[0])
