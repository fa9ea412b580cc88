"""HTTP routes of customers: search, the 360° profile, reviews, merge and unmerge, consent."""

from __future__ import annotations

import uuid
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Query

from forecourt.customer import curation, service
from forecourt.customer.schemas import (
    ConsentRecord,
    CustomerSummary,
    MergeRequest,
    ReviewDecision,
    ReviewRead,
    UnmergeRequest,
)
from forecourt.kernel.context import RequestContext, request_context
from forecourt.lead import service as leads

router = APIRouter(tags=["customers"])
Ctx = Annotated[RequestContext, Depends(request_context)]


@router.get("/customers")
def search_customers(
    ctx: Ctx,
    q: Annotated[
        str, Query(min_length=2, description="A phone, an e-mail or a name in any script")
    ],
    country: Annotated[str | None, Query(pattern=r"^[A-Za-z]{2}$")] = None,
) -> list[CustomerSummary]:
    """Find customers by phone, e-mail or name (Hanzi, pinyin, Latin or Cyrillic)."""
    return service.search_customers(ctx.uow, q=q, country=country)


@router.get("/customers/reviews")
def list_reviews(ctx: Ctx) -> list[ReviewRead]:
    """Matches waiting for a person's decision, with their evidence."""
    return curation.list_reviews(ctx.uow)


@router.post("/customers/reviews/{review_id}/decision")
def decide_review(ctx: Ctx, review_id: uuid.UUID, body: ReviewDecision) -> ReviewRead:
    """Decide a review: the same person (merge) or two people (keep apart)."""
    return curation.decide_review(
        ctx.uow, review_id=review_id, same_person=body.same_person, reason=body.reason
    )


@router.post("/customers/unmerge", status_code=201)
def unmerge(ctx: Ctx, body: UnmergeRequest) -> dict[str, str]:
    """Split a source identity off into a customer of its own."""
    new_id = curation.unmerge_identity(ctx.uow, identity_id=body.identity_id, reason=body.reason)
    return {"customer_id": str(new_id)}


@router.get("/customers/{customer_id}")
def get_customer(ctx: Ctx, customer_id: uuid.UUID) -> dict[str, Any]:
    """The golden profile, its source identities, consent and the timeline of its leads."""
    profile = service.get_customer(ctx.uow, customer_id=customer_id)
    timeline = leads.leads_of_customer(ctx.uow, customer_ids=[profile.id])
    return {
        **profile.model_dump(mode="json"),
        "leads": [lead.model_dump(mode="json") for lead in timeline],
    }


@router.post("/customers/{customer_id}/merge", status_code=204)
def merge(ctx: Ctx, customer_id: uuid.UUID, body: MergeRequest) -> None:
    """Merge this customer into another (a person's decision, audited)."""
    curation.merge_customers(
        ctx.uow, customer_id=customer_id, into_customer_id=body.into_customer_id, reason=body.reason
    )


@router.post("/customers/{customer_id}/consents", status_code=204)
def record_consent(ctx: Ctx, customer_id: uuid.UUID, body: ConsentRecord) -> None:
    """Record a consent or an opt-out; the newest per purpose is in force at once."""
    service.record_consent_for(ctx.uow, customer_id=customer_id, consent=body)
