"""Use cases a person performs on identities: decide reviews, merge, unmerge; train the model."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

from forecourt.customer import golden, model_store, repository
from forecourt.customer.matching.model import MatchModel
from forecourt.customer.matching.training import train_model as fit
from forecourt.customer.models import Customer, MatchReview, StoredMatchModel
from forecourt.customer.schemas import ReviewRead
from forecourt.customer.service import _record_of
from forecourt.kernel.errors import Conflict, Forbidden, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork

CURATORS = (Role.HQ, Role.MARKET_MANAGER, Role.CALL_CENTRE)


def _require_curator(uow: UnitOfWork) -> None:
    if uow.actor.role not in CURATORS:
        raise Forbidden("only HQ, market managers and the call centre curate identities")


def list_reviews(uow: UnitOfWork, *, limit: int = 100) -> list[ReviewRead]:
    """Open match reviews, oldest first."""
    _require_curator(uow)
    with uow:
        return [ReviewRead.model_validate(r) for r in repository.open_reviews(uow.session, limit)]


def decide_review(
    uow: UnitOfWork, *, review_id: uuid.UUID, same_person: bool, reason: str
) -> ReviewRead:
    """Close a review: the same person merges the identity's customer into the candidate."""
    _require_curator(uow)
    with uow:
        review = _open_review(uow, review_id)
        review.status = "merged" if same_person else "separate"
        review.decided_by, review.decided_at = uow.actor.email, uow.clock.now()
        if same_person:
            identity_customer = _identity_customer(uow, review)
            merge_customers(
                uow,
                customer_id=identity_customer,
                into_customer_id=review.candidate_customer_id,
                reason=reason,
            )
        uow.audit(
            "customer.review_decided",
            "match_review",
            review.id,
            changes={"same_person": same_person, "reason": reason},
        )
        uow.commit()
        return ReviewRead.model_validate(review)


def _open_review(uow: UnitOfWork, review_id: uuid.UUID) -> MatchReview:
    review = repository.review(uow.session, review_id)
    if review is None:
        raise NotFound("no such review", field="review_id")
    if review.status != "open":
        raise Conflict(f"review already decided ({review.status})", field="review_id")
    return review


def _identity_customer(uow: UnitOfWork, review: MatchReview) -> uuid.UUID:
    (identity,) = repository.identities_of_ids(uow.session, [review.identity_id])
    return identity.customer_id


def merge_customers(
    uow: UnitOfWork, *, customer_id: uuid.UUID, into_customer_id: uuid.UUID, reason: str
) -> None:
    """Move every identity of one customer to another; the emptied one points to the survivor."""
    _require_curator(uow)
    if customer_id == into_customer_id:
        raise Conflict("a customer cannot be merged into itself", field="into_customer_id")
    with uow:
        source, target = _live(uow, customer_id), _live(uow, into_customer_id)
        moved = repository.identities_of(uow.session, source.id)
        for identity in moved:
            identity.customer_id = target.id
        source.merged_into_id, source.updated_at = target.id, uow.clock.now()
        uow.session.flush()
        golden.refresh(target, repository.identities_of(uow.session, target.id))
        uow.audit(
            "customer.merged",
            "customer",
            target.id,
            changes={
                "from": str(source.id),
                "identities": [str(i.id) for i in moved],
                "reason": reason,
            },
            market_code=target.market_code,
        )
        uow.commit()


def unmerge_identity(uow: UnitOfWork, *, identity_id: uuid.UUID, reason: str) -> uuid.UUID:
    """Split one source identity off into a new customer of its own; returns the new customer id."""
    _require_curator(uow)
    with uow:
        identities = repository.identities_of_ids(uow.session, [identity_id])
        if not identities:
            raise NotFound("no such identity", field="identity_id")
        identity = identities[0]
        old = _live(uow, identity.customer_id)
        if len(repository.identities_of(uow.session, old.id)) == 1:
            raise Conflict("the identity is already a customer on its own", field="identity_id")
        now = uow.clock.now()
        fresh = Customer(id=new_id(), created_at=now, updated_at=now)
        uow.session.add(fresh)
        identity.customer_id, identity.match_outcome = fresh.id, "new"
        uow.session.flush()
        golden.refresh(fresh, [identity])
        golden.refresh(old, repository.identities_of(uow.session, old.id))
        uow.audit(
            "customer.unmerged",
            "customer",
            old.id,
            changes={"identity": str(identity.id), "new_customer": str(fresh.id), "reason": reason},
            market_code=old.market_code,
        )
        uow.commit()
        return fresh.id


def _live(uow: UnitOfWork, customer_id: uuid.UUID) -> Customer:
    customer = repository.customer(uow.session, customer_id)
    if customer is None or customer.merged_into_id is not None:
        raise NotFound("no such live customer", field="customer_id")
    return customer


def train_model(uow: UnitOfWork) -> str:
    """Estimate the model's parameters from the stored identities, store it as the new active
    version, and return its version."""
    if not uow.actor.is_hq:
        raise Forbidden("only HQ retrains the identity model")
    with uow:
        records = [_record_of(i) for i in repository.all_identities(uow.session)]
        model = fit(records)
        for old in repository.active_models(uow.session):
            old.active = False
        _store(uow, model, len(records))
        uow.audit(
            "customer.model_trained",
            "match_model",
            model.version,
            changes={"records": len(records)},
        )
        uow.commit()
    model_store.forget()
    return model.version


def _store(uow: UnitOfWork, model: MatchModel, records: int) -> None:
    """Keep the model as the active version; the same parameters again reactivate that version."""
    uow.session.flush()
    stored = uow.session.get(StoredMatchModel, model.version)
    if stored is None:
        stored = StoredMatchModel(
            version=model.version,
            trained_at=uow.clock.now(),
            records=records,
            model_json=model.to_json(),
        )
        uow.session.add(stored)
    stored.active = True


def xref(uow: UnitOfWork) -> Iterator[tuple[str, str | None, uuid.UUID]]:
    """(channel, source_id, customer_id) for every source record; merges move identities, so the
    customer id is always the surviving one."""
    with uow:
        yield from repository.xref(uow.session)
