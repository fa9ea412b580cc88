"""Use cases of the customer feature: resolve a captured person, read and search profiles, consent."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from forecourt.customer import golden, model_store, repository
from forecourt.customer.matching.blocking import KEY_LIMITS, blocking_keys, usable_keys
from forecourt.customer.matching.decide import CandidateScore, Resolution, resolve
from forecourt.customer.matching.normalise import NormalisedPerson, normalise_person
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.models import BlockingKey, Consent, Customer, MatchReview, SourceIdentity
from forecourt.customer.schemas import (
    ConsentRecord,
    CustomerProfile,
    CustomerSummary,
    IdentityOutcome,
    IdentityRead,
)
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork

OUTCOMES = {"link": "linked", "new": "new", "review": "review"}


def resolve_person(
    uow: UnitOfWork, *, person: NormalisedPerson, channel: str, source_id: str | None
) -> IdentityOutcome:
    """Store a captured person as a source identity and link it to a customer: the same person
    already known (linked), a new customer, or a new customer queued for review against a likely
    match. A (channel, source id) is stored once: a second one violates a unique constraint, so
    callers check for replays first (lead capture does, before anything else)."""
    with uow:
        record = person.record
        keys = blocking_keys(record)
        found = _candidates(uow, keys)
        decision = resolve(
            model_store.active(uow.session),
            record,
            [_record_of(i) for i in found],
            clusters={str(i.id): str(i.customer_id) for i in found},
        )
        outcome = _apply(uow, person, channel, source_id, keys, decision)
        uow.commit()
        return outcome


def _candidates(uow: UnitOfWork, keys: Sequence[str]) -> Sequence[SourceIdentity]:
    """Stored identities sharing a usable blocking key; keys shared by too many are skipped."""
    if not keys:
        return []
    members = repository.key_members(uow.session, keys, KEY_LIMITS)
    usable = usable_keys(keys, {key: len(ids) for key, ids in members.items()}, KEY_LIMITS)
    ids = {identity_id for key in usable for identity_id in members[key]}
    return repository.identities_of_ids(uow.session, list(ids)) if ids else []


def _apply(
    uow: UnitOfWork,
    person: NormalisedPerson,
    channel: str,
    source_id: str | None,
    keys: Sequence[str],
    decision: Resolution,
) -> IdentityOutcome:
    outcome = OUTCOMES[decision.outcome]
    evidence = _evidence(decision)
    probability = decision.best.score.probability if decision.best else None
    customer = _target_customer(uow, decision) if outcome == "linked" else _new_customer(uow)
    identity = _new_identity(uow, person, channel, source_id, customer.id, outcome, decision)
    # No ORM relationships link these rows, so flush in foreign-key order ourselves.
    uow.session.flush()
    uow.session.add_all(
        [BlockingKey(key=key, identity_id=identity.id) for key in dict.fromkeys(keys)]
    )
    if outcome == "review" and decision.best:
        uow.session.add(_review(uow, identity.id, decision.best, evidence))
    # A new customer's only identity is this one: no need to read it back.
    known = (
        repository.identities_of(uow.session, customer.id) if outcome == "linked" else [identity]
    )
    golden.refresh(customer, known)
    return IdentityOutcome(
        customer_id=customer.id,
        identity_id=identity.id,
        outcome=outcome,
        probability=probability,
        evidence=evidence,
    )


def _evidence(decision: Resolution) -> list[dict[str, Any]]:
    """The best candidate's evidence, field by field, as stored with the decision."""
    return [asdict(item) for item in decision.best.score.evidence] if decision.best else []


def _target_customer(uow: UnitOfWork, decision: Resolution) -> Customer:
    assert decision.best is not None  # a link always has its candidate
    # Candidates come from identities, and a merge moves identities to the surviving customer,
    # so the customer found here is live.
    customer = repository.customer(uow.session, uuid.UUID(decision.best.customer_id))
    if customer is None:
        raise NotFound("the matched customer no longer exists")
    customer.updated_at = uow.clock.now()
    return customer


def _new_customer(uow: UnitOfWork) -> Customer:
    now = uow.clock.now()
    customer = Customer(id=new_id(), created_at=now, updated_at=now)
    uow.session.add(customer)
    uow.session.flush()
    return customer


def _new_identity(
    uow: UnitOfWork,
    person: NormalisedPerson,
    channel: str,
    source_id: str | None,
    customer_id: uuid.UUID,
    outcome: str,
    decision: Resolution,
) -> SourceIdentity:
    record = person.record
    identity = SourceIdentity(
        id=new_id(),
        customer_id=customer_id,
        channel=channel,
        source_id=source_id,
        display_name=person.display_name,
        name_key=" ".join(record.name_tokens) or None,
        name_hanzi=record.name_hanzi,
        phone_raw=person.phone_raw,
        phone=record.phone,
        email=record.email,
        city_id=record.city_id,
        city_name=person.city_name,
        country=person.market_code,
        city_tier=person.city_tier,
        flags=list(person.issues),
        match_outcome=outcome,
        match_probability=decision.best.score.probability if decision.best else None,
        created_at=uow.clock.now(),
    )
    uow.session.add(identity)
    return identity


def _review(
    uow: UnitOfWork, identity_id: uuid.UUID, best: CandidateScore, evidence: list[dict[str, Any]]
) -> MatchReview:
    return MatchReview(
        id=new_id(),
        identity_id=identity_id,
        candidate_customer_id=uuid.UUID(best.customer_id),
        probability=best.score.probability,
        evidence=evidence,
        status="open",
        created_at=uow.clock.now(),
    )


def _record_of(identity: SourceIdentity) -> PersonRecord:
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


def record_consents(
    uow: UnitOfWork,
    *,
    customer_id: uuid.UUID,
    identity_id: uuid.UUID | None,
    consents: Sequence[ConsentRecord],
) -> None:
    """Append consents as given; the newest per purpose is the one in force."""
    with uow:
        for consent in consents:
            uow.session.add(
                Consent(
                    id=new_id(),
                    customer_id=customer_id,
                    identity_id=identity_id,
                    **consent.model_dump(),
                )
            )
        uow.commit()


def marketing_allowed(consents: Sequence[ConsentRecord]) -> bool:
    """Marketing only with a marketing consent in force: the newest one must be a yes."""
    marketing = [c for c in consents if c.purpose == "marketing"]
    return bool(marketing) and max(marketing, key=lambda c: c.at).granted


def get_customer(uow: UnitOfWork, *, customer_id: uuid.UUID) -> CustomerProfile:
    """The golden profile with its source identities and consent state (merged ids follow through)."""
    with uow:
        customer = _visible_customer(uow, customer_id)
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


def _visible_customer(uow: UnitOfWork, customer_id: uuid.UUID) -> Customer:
    customer = repository.customer(uow.session, customer_id)
    while customer is not None and customer.merged_into_id is not None:
        customer = repository.customer(uow.session, customer.merged_into_id)
    if customer is None:
        raise NotFound("no such customer", field="customer_id")
    _require_sees(uow.actor, customer.market_code)
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
        found = repository.search(
            uow.session,
            phone=probe.record.phone,
            email=probe.record.email,
            name_key=" ".join(probe.record.name_tokens) or None,
            name_hanzi=probe.record.name_hanzi,
            limit=limit,
        )
        return [CustomerSummary.model_validate(c) for c in found if _sees(uow.actor, c.market_code)]


def _probe(query: str, country: str | None) -> NormalisedPerson:
    """Read a search string as whatever it looks like: an e-mail, a phone, or a name."""
    if "@" in query:
        return normalise_person(record_id="q", email=query)
    if sum(ch.isdigit() for ch in query) >= 6:
        return normalise_person(record_id="q", phone=query, country=country)
    return normalise_person(record_id="q", full_name=query)


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


def get_identity(uow: UnitOfWork, *, identity_id: uuid.UUID) -> IdentityRead:
    """One source identity, if its customer is within the caller's scope."""
    with uow:
        found = repository.identities_of_ids(uow.session, [identity_id])
        if not found:
            raise NotFound("no such identity", field="identity_id")
        _visible_customer(uow, found[0].customer_id)
        return IdentityRead.model_validate(found[0])
