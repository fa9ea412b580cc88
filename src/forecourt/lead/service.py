"""Use cases of the lead feature: capture one lead from any channel, exactly once."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from sqlalchemy.exc import IntegrityError

from forecourt.campaign import service as campaigns
from forecourt.campaign.schemas import Attribution
from forecourt.customer import service as customers
from forecourt.customer.matching.normalise import NormalisedPerson, normalise_person
from forecourt.customer.schemas import ConsentRecord, IdentityOutcome
from forecourt.kernel import pickling
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import assignment, repository
from forecourt.lead.adf import parse_adf, write_adf
from forecourt.lead.events import LeadCaptured
from forecourt.lead.incoming import IncomingLead, LeadChannel, NumberedLead, RowError
from forecourt.lead.models import Lead
from forecourt.lead.schemas import BatchResult, Captured, LeadRead, RejectedRow


def capture_lead(
    uow: UnitOfWork, *, data: IncomingLead, idempotency_key: str | None = None
) -> Captured:
    """Capture one lead: normalise the person, resolve them to a customer (linked, new or queued
    for review), credit the campaign, record consent, store the lead and announce it. The same
    (channel, source id) or Idempotency-Key returns the first capture instead of a second lead."""
    try:
        return _capture(uow, data, idempotency_key)
    except IntegrityError as error:
        return _raced(uow, data, idempotency_key, error)


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class Prepared:
    """What a capture works out before it writes (`prepare_capture`): the person normalised,
    the lead captured before under the same source id or key (a replay), the campaign credit,
    and the person's resolution as planned on the data as it was."""

    person: NormalisedPerson
    earlier: Captured | None
    credit: Attribution
    plan: customers.PersonPlan
    snapshot: int | None = None
    """The last batch of captures (`lead.intake`) the reader's data was known to include, if
    any: the writer then knows which of the plan's candidates may have changed since."""


def prepare_capture(
    reader: UnitOfWork,
    *,
    data: IncomingLead,
    idempotency_key: str | None = None,
    snapshot: int | None = None,
) -> Prepared:
    """Everything of a capture that only reads, done before the write transaction: on SQLite
    captures write one at a time, and what is done here does not hold the others up.
    `capture_joined` checks the resolution again as it writes, and a replay that slipped in
    meets the unique constraints; the campaign credit is taken as read (campaigns are
    reference data, and a lead credited a moment before a campaign changed is what a
    capture a moment earlier would have been)."""
    person = _normalised(data)
    with reader:
        earlier = _earlier(reader, data, idempotency_key)
        replay = Captured(lead=LeadRead.model_validate(earlier), created=False) if earlier else None
        return Prepared(
            person=person,
            earlier=replay,
            credit=_credit(reader, data),
            plan=customers.plan_person(reader, person=person),
            snapshot=snapshot,
        )


def capture_joined(
    uow: UnitOfWork,
    *,
    data: IncomingLead,
    idempotency_key: str | None = None,
    prepared: Prepared | None = None,
    guarded: bool = True,
    plan_current: bool = False,
) -> Captured:
    """Capture one lead inside a transaction other captures share (`lead.intake`): in a
    savepoint, so a lead that fails leaves the others' writes and events as they were. With
    what `prepare_capture` worked out, a replay it found is answered at once, and the lead's
    resolution is taken again only if its candidates changed in between: read again, unless
    the caller knows nothing was written under its keys since (`plan_current`). Not `guarded`:
    no savepoint, and any error (a replay that raced in too) is raised for the caller, who then
    keeps nothing of the transaction."""
    if prepared is not None and prepared.earlier is not None:
        return prepared.earlier
    if not guarded:
        return _capture(uow, data, idempotency_key, prepared, plan_current)
    try:
        with uow.savepoint():
            return _capture(uow, data, idempotency_key, prepared, plan_current)
    except IntegrityError as error:
        return _raced(uow, data, idempotency_key, error)


def _raced(
    uow: UnitOfWork, data: IncomingLead, idempotency_key: str | None, error: IntegrityError
) -> Captured:
    # Two deliveries of the same lead raced past the replay check; the unique constraints let
    # one commit, and the other answers with that capture.
    with uow:
        if (earlier := _earlier(uow, data, idempotency_key)) is None:
            raise error
        return Captured(lead=LeadRead.model_validate(earlier), created=False)


def _capture(
    uow: UnitOfWork,
    data: IncomingLead,
    idempotency_key: str | None,
    prepared: Prepared | None = None,
    plan_current: bool = False,
) -> Captured:
    # Normalising needs no database: done before the transaction, it does not hold the write
    # lock (on SQLite, every other capture waits for that lock).
    person = prepared.person if prepared else _normalised(data)
    with uow:
        # A prepared capture checked for a replay already; one that slipped in since meets the
        # unique constraints on (channel, source id) and the key, and `_raced` answers it.
        if prepared is None and (earlier := _earlier(uow, data, idempotency_key)) is not None:
            return Captured(lead=LeadRead.model_validate(earlier), created=False)
        # The new lead's rows go in with Core INSERTs (kernel.rows): the lead object stays
        # outside the session, and what routing sets on it is written by one UPDATE at the end.
        identity = customers.resolve_person(
            uow,
            person=person,
            channel=data.channel.value,
            source_id=data.source_id,
            plan=prepared.plan if prepared else None,
            plan_current=plan_current,
        )
        credit = prepared.credit if prepared else _credit(uow, data)
        lead = _new_lead(uow, data, idempotency_key, person, identity, credit)
        _record_consents(uow, data, identity)
        uow.emit(
            LeadCaptured(
                lead_id=lead.id,
                customer_id=identity.customer_id,
                channel=lead.channel,
                market_code=lead.market_code,
                resolution=identity.outcome,
                campaign_id=lead.campaign_id,
            )
        )
        assignment.assign_new(uow, lead=lead)
        repository.save_routing(uow.session, lead)
        uow.commit()
        return Captured(
            lead=LeadRead.model_validate(lead),
            created=True,
            match_probability=identity.probability,
            match_evidence=identity.evidence,
        )


def _earlier(uow: UnitOfWork, data: IncomingLead, key: str | None) -> Lead | None:
    lead_id = repository.id_by_idempotency_key(uow.session, key) if key else None
    if lead_id is None and data.source_id:
        lead_id = repository.id_by_source(uow.session, data.channel.value, data.source_id)
    return repository.get(uow.session, lead_id) if lead_id else None


def _credit(uow: UnitOfWork, data: IncomingLead) -> Attribution:
    return campaigns.attribute(
        uow,
        campaign_code=data.campaign_code,
        utm_source=data.utm_source,
        utm_medium=data.utm_medium,
        utm_campaign=data.utm_campaign,
    )


def _normalised(data: IncomingLead) -> NormalisedPerson:
    return normalise_person(
        record_id=data.source_id or "new",
        first_name=data.first_name,
        last_name=data.last_name,
        full_name=data.full_name,
        phone=data.phone,
        email=data.email,
        city=data.city,
        country=data.country,
    )


def _new_lead(
    uow: UnitOfWork,
    data: IncomingLead,
    key: str | None,
    person: NormalisedPerson,
    identity: IdentityOutcome,
    credit: Attribution,
) -> Lead:
    now = uow.clock.now()
    issues = list(person.issues) + (
        ["campaign.unknown"] if credit.matched_by == "unknown_code" else []
    )
    utm = {
        k: v
        for k, v in (
            ("source", data.utm_source),
            ("medium", data.utm_medium),
            ("campaign", data.utm_campaign),
        )
        if v
    }
    lead = Lead(
        id=new_id(),
        channel=data.channel.value,
        source_id=data.source_id,
        idempotency_key=key,
        customer_id=identity.customer_id,
        identity_id=identity.identity_id,
        resolution=identity.outcome,
        market_code=person.market_code or data.country,
        requested_dealer_code=data.dealer_code,
        campaign_id=credit.campaign_id,
        campaign_code=credit.campaign_code,
        attribution=credit.matched_by,
        utm=utm,
        model_interest=data.model_interest,
        issues=issues,
        attributes=dict(data.attributes),
        # Where the person is: routing measures distances from here.
        latitude=person.latitude,
        longitude=person.longitude,
        created_at=data.created_at or now,
        received_at=now,
    )
    uow.insert(lead)
    return lead


def _record_consents(uow: UnitOfWork, data: IncomingLead, identity: IdentityOutcome) -> None:
    if not data.consents:
        return
    now = uow.clock.now()
    records = [
        ConsentRecord(
            channel=c.channel.value,
            purpose=c.purpose.value,
            granted=c.granted,
            source=c.source or f"lead:{data.channel.value}",
            at=c.at or now,
        )
        for c in data.consents
    ]
    customers.record_consents(
        uow, customer_id=identity.customer_id, identity_id=identity.identity_id, consents=records
    )


def get_lead(uow: UnitOfWork, *, lead_id: uuid.UUID) -> LeadRead:
    """One lead, if the caller may see it: dealer staff only their dealer's leads."""
    with uow:
        lead = repository.get(uow.session, lead_id)
        if lead is None:
            raise NotFound("no such lead", field="lead_id")
        _require_sees(uow, lead)
        return LeadRead.model_validate(lead)


def _require_sees(uow: UnitOfWork, lead: Lead) -> None:
    if not uow.actor.sees_dealer(lead.dealer_id, lead.market_code):
        raise Forbidden("this lead is outside your scope")


def leads_of_customer(uow: UnitOfWork, *, customer_ids: Sequence[uuid.UUID]) -> list[LeadRead]:
    """A customer's leads in the order they came: the timeline of their enquiries."""
    with uow:
        return [
            LeadRead.model_validate(lead)
            for lead in repository.of_customer(uow.session, customer_ids)
        ]


def capture_batch(
    uow: UnitOfWork, *, items: Iterable[NumberedLead | RowError]
) -> Iterator[Captured | RowError]:
    """Capture each lead of a batch in its own transaction, so one bad record loses nothing else;
    yields each capture or the row's error, in order."""
    for item in items:
        if isinstance(item, RowError):
            yield item
            continue
        try:
            yield capture_lead(uow, data=item.lead)
        except InvalidInput as exc:
            field = str(exc.details.get("field", "")) or None
            yield RowError(item.line, field, exc.message, item.lead.source_id)


def capture_adf(uow: UnitOfWork, *, document: bytes) -> BatchResult:
    """Capture every prospect of an ADF document; broken XML raises Malformed with line and column."""
    batch = parse_adf(document)
    accepted: list[Captured] = []
    rejected = [RejectedRow.of(error) for error in batch.rejected]
    for outcome in capture_batch(uow, items=batch.numbered):
        if isinstance(outcome, RowError):
            rejected.append(RejectedRow.of(outcome))
        else:
            accepted.append(outcome)
    return BatchResult(accepted=accepted, rejected=sorted(rejected, key=lambda r: r.line))


def lead_as_adf(uow: UnitOfWork, *, lead_id: uuid.UUID) -> str:
    """The lead as an ADF 1.0 document, with the person as they gave their details."""
    lead = get_lead(uow, lead_id=lead_id)  # dealer staff: only their dealer's leads
    identity = customers.get_identity(
        uow, identity_id=lead.identity_id, through_lead_of_dealer=lead.dealer_id
    )
    incoming = IncomingLead(
        channel=LeadChannel(lead.channel),
        source_id=lead.source_id,
        full_name=identity.display_name,
        phone=identity.phone_raw,
        email=identity.email,
        city=identity.city_name,
        country=identity.country,
        model_interest=lead.model_interest,
        created_at=lead.created_at,
        campaign_code=lead.campaign_code,
    )
    return write_adf([incoming])
