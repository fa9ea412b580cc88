"""Reviews, merge and unmerge by a person, audited; the cross-reference export."""

from __future__ import annotations

from typing import Any

import pytest

from forecourt.auth import service as auth
from forecourt.customer import curation
from forecourt.customer import service as customers
from forecourt.kernel.errors import Conflict, Forbidden
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service as leads
from forecourt.lead.incoming import IncomingLead


def capture(uow: UnitOfWork, **fields: Any) -> Any:
    return leads.capture_lead(
        uow, data=IncomingLead.model_validate({"channel": "web", **fields})
    ).lead


def test_merge_then_unmerge_restores_two_customers(uow: UnitOfWork) -> None:
    a = capture(
        uow,
        source_id="mu-1",
        first_name="Lukas",
        last_name="Meier",
        email="lukas.meier@example.com",
        country="DE",
    )
    b = capture(
        uow,
        source_id="mu-2",
        first_name="Lucas",
        last_name="Mayer",
        email="l.mayer@example.org",
        country="DE",
    )
    assert a.customer_id != b.customer_id
    curation.merge_customers(
        uow,
        customer_id=b.customer_id,
        into_customer_id=a.customer_id,
        reason="same person, called in",
    )
    merged = customers.get_customer(
        uow, customer_id=b.customer_id
    )  # the merged id leads to the survivor
    assert merged.id == a.customer_id
    assert {i.source_id for i in merged.identities} == {"mu-1", "mu-2"}
    split = curation.unmerge_identity(uow, identity_id=b.identity_id, reason="two brothers")
    assert {i.source_id for i in customers.get_customer(uow, customer_id=split).identities} == {
        "mu-2"
    }
    assert {
        i.source_id for i in customers.get_customer(uow, customer_id=a.customer_id).identities
    } == {"mu-1"}
    actions = [e.action for e in auth.audit_trail(uow, entity_type="customer")]
    assert "customer.merged" in actions
    assert "customer.unmerged" in actions


def test_a_customer_cannot_merge_into_itself(uow: UnitOfWork) -> None:
    a = capture(uow, source_id="self-1", email="self@example.com")
    with pytest.raises(Conflict):
        curation.merge_customers(
            uow, customer_id=a.customer_id, into_customer_id=a.customer_id, reason="oops"
        )


def test_xref_has_one_row_per_source_record(uow: UnitOfWork) -> None:
    a = capture(uow, source_id="x-1", email="x1@example.com")
    rows = {(c, s): cid for c, s, cid in curation.xref(uow)}
    assert rows[("web", "x-1")] == a.customer_id


def test_dealer_staff_cannot_curate(container, uow: UnitOfWork, make_caller) -> None:
    from forecourt.dealer import service as dealers
    from forecourt.kernel.principal import Role

    staff = make_caller(Role.DEALER_STAFF, dealer_code=dealers.list_dealers(uow)[0].code)
    principal = auth.authenticate_token(uow, token=staff.token)
    with pytest.raises(Forbidden):
        curation.list_reviews(container.uow(principal))


def test_training_stores_a_new_active_model_version(uow: UnitOfWork) -> None:
    for n in range(30):
        capture(
            uow,
            source_id=f"t-{n}",
            full_name=f"Person{n} Test",
            email=f"p{n}@example.com",
            country="DE",
        )
    version = curation.train_model(uow)
    again = curation.train_model(uow)
    assert version
    assert again


def test_an_uncertain_match_is_queued_with_evidence_and_a_person_decides(uow: UnitOfWork) -> None:
    a = capture(uow, source_id="rv-1", full_name="Anna Berg", email="a.berg@example.com")
    b = capture(uow, source_id="rv-2", full_name="Anne Berg", email="a.berg@example.com")
    assert b.resolution == "review"
    assert b.customer_id != a.customer_id
    review = next(r for r in curation.list_reviews(uow) if r.identity_id == b.identity_id)
    assert review.candidate_customer_id == a.customer_id
    assert {e["comparison"] for e in review.evidence} >= {"name", "email"}
    decided = curation.decide_review(
        uow, review_id=review.id, same_person=True, reason="confirmed by phone"
    )
    assert decided.status == "merged"
    profile = customers.get_customer(uow, customer_id=a.customer_id)
    assert {i.source_id for i in profile.identities} == {"rv-1", "rv-2"}
    with pytest.raises(Conflict):
        curation.decide_review(uow, review_id=review.id, same_person=False, reason="again")
