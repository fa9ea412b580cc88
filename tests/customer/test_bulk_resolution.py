"""Bulk resolution reaches the online path's decisions: same customers, outcomes and reviews."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pytest
from sqlalchemy import Connection, select
from tests.bulk_people import leads

from forecourt.customer import curation, model_store
from forecourt.customer import service as customers
from forecourt.customer.bulk import engine
from forecourt.customer.bulk import service as bulk
from forecourt.customer.bulk.arrivals import Arrivals, person_row
from forecourt.customer.bulk.engine import resolve_frame
from forecourt.customer.bulk.frame import Frame
from forecourt.customer.matching import blocking
from forecourt.customer.matching.blocking import blocking_keys
from forecourt.customer.matching.comparisons import PERSON_COMPARISONS
from forecourt.customer.matching.decide import (
    LINK_THRESHOLD,
    UNCONTESTED,
    UNCONTESTED_THRESHOLD,
    resolve,
    uncontested,
)
from forecourt.customer.matching.model import ComparisonParams, MatchModel, default_model
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.matching.scoring import score_pair
from forecourt.customer.models import MatchReview, SourceIdentity, StoredMatchModel
from forecourt.db import forked
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service as leads_service
from forecourt.lead.incoming import IncomingLead

# Small limits so that a population of a few hundred leads already has keys that grow too
# common part-way through (the desk phone, 王伟 in Shanghai).
SMALL_LIMITS = {"p": 3, "p8": 3, "e": 3, "n": 4, "a": 4, "h": 4}
PERSON = ("first_name", "last_name", "full_name", "phone", "email", "city", "country")


def _model_with_tf() -> MatchModel:
    """The default model with name and phone term frequencies, as a trained one has."""
    base = default_model()
    name, phone, email, city = base.comparisons
    names = {"王伟": 0.01, "wang wei": 0.01, "张伟": 0.008, "anna nowak": 0.01, "王芳": 0.002}
    phones = {"+862155550101": 0.02}
    params = (
        ComparisonParams(name.name, name.levels, name.m, name.u, (0, 1, 3), names, 1e-4),
        ComparisonParams(phone.name, phone.levels, phone.m, phone.u, (0,), phones, 1e-6, False),
        email,
        ComparisonParams(city.name, city.levels, city.m, city.u, (0,), {}, 1e-4),
    )
    assert [p.name for p in params] == [c.name for c in PERSON_COMPARISONS]
    return MatchModel(base.prior, params, "test-tf-model")


def _activate(uow: UnitOfWork, model: MatchModel) -> None:
    """Make `model` the one resolution scores with."""
    with uow:
        for stored in uow.session.scalars(select(StoredMatchModel)):
            stored.active = False
        uow.session.add(
            StoredMatchModel(
                version=model.version,
                trained_at=datetime.now(UTC),
                records=0,
                model_json=model.to_json(),
                active=True,
            )
        )
        uow.commit()
    model_store.forget()


@pytest.fixture
def tf_model(uow: UnitOfWork) -> Iterator[MatchModel]:
    model = _model_with_tf()
    _activate(uow, model)
    yield model
    model_store.forget()


@pytest.fixture
def small_limits(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(blocking, "KEY_LIMITS", SMALL_LIMITS)
    monkeypatch.setattr("forecourt.customer.service.KEY_LIMITS", SMALL_LIMITS)


def _capture_online(uow: UnitOfWork, rows: list[dict[str, Any]]) -> None:
    for row in rows:
        leads_service.capture_lead(uow, data=IncomingLead.model_validate(row))


def _state(connection: Connection) -> dict[str, Any]:
    """Who is with whom (by source id), each outcome, and each open review's two sides."""
    identities = connection.execute(
        select(
            SourceIdentity.id,
            SourceIdentity.source_id,
            SourceIdentity.customer_id,
            SourceIdentity.match_outcome,
        )
    ).all()
    members: dict[Any, set[str]] = {}
    for _, source, customer, _ in identities:
        members.setdefault(customer, set()).add(source)
    source_of = {identity: source for identity, source, _, _ in identities}
    reviews = connection.execute(
        select(MatchReview.identity_id, MatchReview.candidate_customer_id).where(
            MatchReview.status == "open"
        )
    ).all()
    return {
        "partition": {frozenset(group) for group in members.values()},
        "outcomes": {source: outcome for _, source, _, outcome in identities},
        "reviews": {
            (source_of[identity], frozenset(members[candidate])) for identity, candidate in reviews
        },
        "customers": {source: customer for _, source, customer, _ in identities},
    }


@pytest.mark.usefixtures("tf_model", "small_limits")
def test_a_recluster_of_online_decisions_changes_nothing(
    uow: UnitOfWork, connection: Connection
) -> None:
    _capture_online(uow, leads(people=90, seed=5))
    online = _state(connection)
    assert any(outcome == "linked" for outcome in online["outcomes"].values())
    assert online["reviews"]

    result = bulk.recluster(uow)

    again = _state(connection)
    assert again["partition"] == online["partition"]
    assert again["outcomes"] == online["outcomes"]
    assert again["reviews"] == online["reviews"]
    assert again["customers"] == online["customers"]  # customer ids are kept
    assert result.moved == {}


@pytest.mark.usefixtures("tf_model", "small_limits")
@pytest.mark.parametrize(("seed", "workers"), [(5, 1), (11, 1), (5, 2), (11, 2)])
def test_bulk_arrivals_reach_the_online_partition_and_review_queue(
    uow: UnitOfWork,
    connection: Connection,
    seed: int,
    workers: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # With two workers, pairs are scored in forked processes, chunks small enough to be many.
    monkeypatch.setattr(engine, "FORKED_CHUNK_PAIRS", 40)
    rows = leads(people=90, seed=seed)
    savepoint = connection.begin_nested()
    _capture_online(uow, rows)
    online = _state(connection)
    savepoint.rollback()

    arrivals = Arrivals()
    for row in rows:
        person = normalise_person(record_id=row["source_id"], **{k: row.get(k) for k in PERSON})
        arrivals.add(row["channel"], row["source_id"], person_row(person))
    with forked.processes(workers):
        placed = bulk.store_arrivals(uow, arrivals=arrivals)

    bulk_state = _state(connection)
    assert len(placed) == len(rows)
    assert bulk_state["partition"] == online["partition"]
    assert bulk_state["outcomes"] == online["outcomes"]
    assert bulk_state["reviews"] == online["reviews"]


def _source_ids(connection: Connection) -> dict[str, Any]:
    rows = connection.execute(select(SourceIdentity.source_id, SourceIdentity.id)).all()
    return dict(rows)


@pytest.mark.usefixtures("tf_model", "small_limits")
def test_a_recluster_keeps_what_people_merged_split_and_reviewed(
    uow: UnitOfWork, connection: Connection
) -> None:
    _capture_online(uow, leads(people=90, seed=5))
    before = _state(connection)
    customers = before["customers"]
    singles = sorted(s for s, o in before["outcomes"].items() if o == "new")
    linked = sorted(s for s, o in before["outcomes"].items() if o == "linked")
    # A person merges two customers the model keeps apart, and splits off a linked identity.
    curation.merge_customers(
        uow,
        customer_id=customers[singles[1]],
        into_customer_id=customers[singles[0]],
        reason="same",
    )
    split = curation.unmerge_identity(
        uow, identity_id=_source_ids(connection)[linked[0]], reason="two people"
    )
    review = curation.list_reviews(uow)[0]
    curation.decide_review(uow, review_id=review.id, same_person=False, reason="different")

    bulk.recluster(uow)

    after = _state(connection)["customers"]
    assert after[singles[0]] == after[singles[1]] == customers[singles[0]]
    assert after[linked[0]] == split
    assert sum(1 for c in after.values() if c == split) == 1
    still = connection.execute(
        select(MatchReview.status).where(MatchReview.id == review.id)
    ).scalar_one()
    assert still == "separate"


def _frame_of(records: list[PersonRecord]) -> tuple[Frame, list[str], Any]:
    """The bulk engine's view of `records`: the frame, and each blocking key with its record."""
    keys, owners = [], []
    for n, record in enumerate(records):
        for key in dict.fromkeys(blocking_keys(record)):
            keys.append(key)
            owners.append(n)
    frame = Frame.of(
        [" ".join(r.name_tokens) or None for r in records],
        [r.name_hanzi for r in records],
        [r.phone for r in records],
        [r.email for r in records],
        [r.city_id for r in records],
        [r.country for r in records],
    )
    return frame, keys, np.array(owners, dtype=np.int64)


def _bulk_and_online(
    records: list[PersonRecord],
    fixed: dict[int, int] | None = None,
    model: MatchModel | None = None,
    questions: dict[str, set[str]] | None = None,
) -> tuple[str, str]:
    """The last record's outcome in bulk and online, given the customers of the earlier ones
    (and, when given, the open questions between them: customer label → labels asked about)."""
    model = model or default_model()
    frame, keys, owners = _frame_of(records)
    asked = {int(c): {int(a) for a in about} for c, about in (questions or {}).items()}
    result = resolve_frame(
        model,
        frame,
        keys,
        owners,
        fixed=fixed or {},
        first_decided=len(records) - 1 if questions is not None else 0,
        questions=asked,
    )
    clusters = {str(n): str(result.customer[n]) for n in range(len(records) - 1)}
    online = resolve(
        model,
        records[-1],
        records[:-1],
        clusters=clusters,
        questions=None if questions is None else lambda c: (questions or {}).get(c, set()),
    )
    return result.decisions[len(records) - 1].outcome, online.outcome


WANG = PersonRecord("0", ("wang", "wei"), "王伟", "+8613800138000", "ww@example.com", 1, "CN")
LI_NA = PersonRecord("0", ("li", "na"), None, "+8613900139000", "lina@example.com", 2, "CN")


@pytest.mark.parametrize(
    ("records", "fixed"),
    [
        # the household guard: a shared contact with no name, or a family name only
        ([WANG, PersonRecord("1", (), None, WANG.phone, WANG.email, 1, "CN")], None),
        ([WANG, PersonRecord("1", ("wang",), None, WANG.phone, WANG.email, 1, "CN")], None),
        # the rival rule: a phone-only fragment of another customer adds no evidence
        (
            [
                LI_NA,
                PersonRecord("1", (), None, LI_NA.phone, None, None, "CN"),
                PersonRecord("2", ("li", "na"), None, LI_NA.phone, LI_NA.email, 2, "CN"),
            ],
            {0: 0, 1: 1},
        ),
    ],
)
def test_bulk_applies_the_online_guard_and_rival_rule(
    records: list[PersonRecord], fixed: dict[int, int] | None
) -> None:
    bulk, online = _bulk_and_online(records, fixed)
    assert bulk == online


def test_a_recluster_does_not_freeze_its_own_merges(
    uow: UnitOfWork, connection: Connection
) -> None:
    base = default_model()
    _activate(uow, base)
    arrivals = Arrivals()
    for source_id, phone in (("twice-a", "+8613800138001"), ("twice-b", "+8613900139002")):
        person = normalise_person(
            record_id=source_id, full_name="王伟", phone=phone, city="Beijing", country="CN"
        )
        arrivals.add("web", source_id, person_row(person))
    bulk.store_arrivals(uow, arrivals=arrivals)
    owners = _owners(connection)
    assert owners["twice-a"] != owners["twice-b"]

    _activate(uow, MatchModel(0.5, base.comparisons, "eager"))  # joins the two namesakes
    bulk.recluster(uow)
    owners = _owners(connection)
    assert owners["twice-a"] == owners["twice-b"]

    _activate(uow, MatchModel(base.prior, base.comparisons, "default-again"))
    result = bulk.recluster(uow)
    model_store.forget()
    owners = _owners(connection)
    assert owners["twice-a"] != owners["twice-b"]  # the model, not a person, had joined them
    assert result.kept_by_people == 0


def _owners(connection: Connection) -> dict[str, Any]:
    rows = connection.execute(select(SourceIdentity.source_id, SourceIdentity.customer_id))
    return {source_id: customer_id for source_id, customer_id in rows if source_id}


def _sightings(count: int) -> list[PersonRecord]:
    """A customer's identities under one name and phone (record ids 0..count-1)."""
    return [
        PersonRecord(str(n), ("wang", "wei"), "王伟", WANG.phone, None, 1, "CN")
        for n in range(count)
    ]


def _phone_only(rid: int, tokens: tuple[str, ...] = ()) -> PersonRecord:
    return PersonRecord(str(rid), tokens, None, WANG.phone, None, None, "CN")


@pytest.mark.parametrize(
    ("records", "fixed", "expected"),
    [
        # the sole holder: three sightings under one name link a phone-only sign-up
        ([*_sightings(3), _phone_only(3)], {0: 0, 1: 0, 2: 0}, "link"),
        ([*_sightings(3), _phone_only(3, ("wang",))], {0: 0, 1: 0, 2: 0}, "link"),
        # the family name alone that agrees earns a bit: two sightings are enough for it, ...
        ([*_sightings(2), _phone_only(2, ("wang",))], {0: 0, 1: 0}, "link"),
        # ... not for a sign-up with no name, nor for a full name against a customer known
        # by the family name alone (王芳 against 王先生: she may be his wife or daughter)
        ([*_sightings(2), _phone_only(2)], {0: 0, 1: 0}, "review"),
        (
            [_phone_only(0, ("wang",)), _phone_only(1, ("wang",)), replace(WANG, record_id="2")],
            {0: 0, 1: 0},
            "review",
        ),
        # one sighting does not; nor do three when another customer shares the phone
        ([*_sightings(1), _phone_only(1)], None, "review"),
        (
            [
                *_sightings(3),
                PersonRecord("3", ("fang", "li"), "李芳", WANG.phone, None, 1, "CN"),
                _phone_only(4),
            ],
            {0: 0, 1: 0, 2: 0, 3: 3},
            "review",
        ),
    ],
)
def test_bulk_applies_the_online_sole_holder_rule(
    records: list[PersonRecord], fixed: dict[int, int] | None, expected: str
) -> None:
    phone_trusting = MatchModel(2e-5, default_model().comparisons, "phone-trusting")
    bulk, online = _bulk_and_online(records, fixed, phone_trusting)
    assert bulk == online == expected


def _cautious() -> MatchModel:
    """The default model at a tenth of its prior, to which an e-mail agreeing only nearly is a
    bit against: strong evidence still links, and a record whose e-mail agrees only nearly goes
    to review (it is never uncontested), so it can be queued against a customer it is most
    likely part of."""
    base = default_model()
    n = base.index("email")
    email = base.comparisons[n]
    nearly_against = replace(email, m=(email.m[0], email.u[1] / 2, *email.m[2:]))
    comparisons = (*base.comparisons[:n], nearly_against, *base.comparisons[n + 1 :])
    return MatchModel(base.prior / 10, comparisons, "cautious")


SONG = PersonRecord("0", ("song", "yanmin"), "宋燕敏", "+8613800138000", "ym@example.com", 1, "CN")
#: Queued for review against SONG: same name and phone, an e-mail that agrees only nearly (the
#: same local part at another domain), another city.
SONG_ELSEWHERE = PersonRecord(
    "1", SONG.name_tokens, SONG.name_hanzi, SONG.phone, "ym@example.org", 2, "CN"
)
#: Agrees with both exactly as well: name and phone, nothing else.
SONG_AGAIN = PersonRecord("2", SONG.name_tokens, SONG.name_hanzi, SONG.phone, None, None, "CN")


def _walk_questions(records: list[PersonRecord], model: MatchModel) -> dict[str, set[str]]:
    """The open questions the bulk walk leaves: each reviewed record's customer asks about its
    candidate's customer (by customer label, as text)."""
    frame, keys, owners = _frame_of(records)
    result = resolve_frame(model, frame, keys, owners, fixed={})
    questions: dict[str, set[str]] = {}
    for n, decision in result.decisions.items():
        if decision.outcome == "review" and decision.candidate is not None:
            customer = str(result.customer[n])
            questions.setdefault(customer, set()).add(str(result.customer[decision.candidate]))
    return questions


def test_an_open_question_is_no_rival_in_bulk_and_online() -> None:
    model = _cautious()
    records = [SONG, SONG_ELSEWHERE, SONG_AGAIN]
    # The walk itself queues the second record against the first ...
    questions = _walk_questions(records[:2], model)
    assert questions == {"1": {"0"}}
    # ... so the third, tying with both, links instead of going to review as well.
    bulk, online = _bulk_and_online(records, model=model, questions=questions)
    assert bulk == online == "link"


def test_an_answered_question_leaves_a_real_tie() -> None:
    # A person kept the second record apart: no open question, the two customers tie.
    bulk, online = _bulk_and_online(
        [SONG, SONG_ELSEWHERE, SONG_AGAIN], {0: 0, 1: 1}, _cautious(), questions={}
    )
    assert bulk == online == "review"


def _song(source_id: str, email: str | None = None, city: str | None = None) -> Any:
    """宋燕敏 on one phone, with the given e-mail and city, normalised."""
    return normalise_person(
        record_id=source_id,
        full_name="宋燕敏",
        phone="13800138000",
        email=email,
        city=city,
        country="CN",
    )


def test_a_lead_tying_with_its_own_pending_review_links_online(uow: UnitOfWork) -> None:
    _activate(uow, _cautious())

    def resolve_lead(source_id: str, email: str | None, city: str | None) -> Any:
        person = _song(source_id, email, city)
        return customers.resolve_person(uow, person=person, channel="web", source_id=source_id)

    first = resolve_lead("song-1", "ym@example.com", "Beijing")
    queued = resolve_lead("song-2", "ym@example.org", "Shanghai")
    assert (first.outcome, queued.outcome) == ("new", "review")

    again = resolve_lead("song-3", None, None)
    assert again.outcome == "linked"
    assert again.customer_id in {first.customer_id, queued.customer_id}

    # Once a person answers "not the same", the two customers are a real tie again.
    (review,) = curation.list_reviews(uow)
    curation.decide_review(uow, review_id=review.id, same_person=False, reason="two people")
    assert resolve_lead("song-4", None, None).outcome == "review"
    model_store.forget()


def test_bulk_arrivals_see_the_stored_open_questions(uow: UnitOfWork) -> None:
    _activate(uow, _cautious())
    people = [("song-1", "ym@example.com", "Beijing"), ("song-2", "ym@example.org", "Shanghai")]
    for source_id, email, city in people:
        person = _song(source_id, email, city)
        customers.resolve_person(uow, person=person, channel="web", source_id=source_id)
    arrivals = Arrivals()
    arrivals.add("web", "song-3", person_row(_song("song-3")))

    (placed,) = bulk.store_arrivals(uow, arrivals=arrivals)

    assert placed.outcome == "linked"  # the stored review is an open question, not a rival
    model_store.forget()


def _name_trusting() -> MatchModel:
    """The default model at 200 times its prior: a name agreeing in the same city, and nothing
    else known, comes out between 0.9 and the link threshold."""
    base = default_model()
    return MatchModel(base.prior * 200, base.comparisons, "name-trusting")


SONG_KNOWN = PersonRecord("0", ("song", "yanmin"), "宋燕敏", "+8613800138000", None, 1, "CN")
#: The same name in the same city, nothing else: p ≈ 0.96 against SONG_KNOWN.
SONG_IN_TOWN = PersonRecord("2", SONG_KNOWN.name_tokens, "宋燕敏", None, None, 1, "CN")
#: Another 宋燕敏, in another city of the country: p ≈ 0.13, but within the margin of the best.
SONG_ELSEWHERE_TOO = PersonRecord("1", SONG_KNOWN.name_tokens, "宋燕敏", None, None, 2, "CN")
#: The name in Latin letters only, in the same city: p ≈ 0.79, below the uncontested threshold.
SONG_IN_LATIN = PersonRecord("2", SONG_KNOWN.name_tokens, None, None, None, 1, "CN")
SONG_NO_PHONE = PersonRecord("0", SONG_KNOWN.name_tokens, "宋燕敏", None, None, 1, "CN")
LI_NA_ON_PHONE = PersonRecord("1", ("li", "na"), "李娜", "+8613900139000", None, 1, "CN")
SONG_IN_TOWN_ON_PHONE = PersonRecord(
    "2", SONG_KNOWN.name_tokens, "宋燕敏", LI_NA_ON_PHONE.phone, None, 1, "CN"
)


def _renumbered(record: PersonRecord, rid: int) -> PersonRecord:
    return replace(record, record_id=str(rid))


def _known_in_town(count: int) -> list[PersonRecord]:
    """SONG_KNOWN stored `count` times (record ids 0..count-1)."""
    return [_renumbered(SONG_KNOWN, n) for n in range(count)]


@pytest.mark.parametrize(
    ("records", "fixed", "expected"),
    [
        # nobody else stored under the name anywhere near: the best links
        ([SONG_KNOWN, SONG_IN_TOWN], None, "link"),
        # another customer of that name, however unlikely itself, is near enough to contest
        ([SONG_KNOWN, SONG_ELSEWHERE_TOO, SONG_IN_TOWN], {0: 0, 1: 1}, "review"),
        # below 0.9 a person decides
        ([SONG_KNOWN, SONG_IN_LATIN], None, "review"),
        # the best's own customer stored under the name elsewhere contests nothing
        ([SONG_KNOWN, SONG_ELSEWHERE_TOO, SONG_IN_TOWN], {0: 0, 1: 0}, "link"),
        # another customer is seen however many candidates the best's own customer has
        (
            [*_known_in_town(4), _renumbered(SONG_ELSEWHERE_TOO, 4), _renumbered(SONG_IN_TOWN, 5)],
            {0: 0, 1: 0, 2: 0, 3: 0, 4: 4},
            "review",
        ),
        # and whatever its guard: 李娜 on the record's phone, kept apart by the guard
        ([SONG_NO_PHONE, LI_NA_ON_PHONE, SONG_IN_TOWN_ON_PHONE], {0: 0, 1: 1}, "review"),
    ],
)
def test_an_uncontested_best_links_in_bulk_as_online(
    records: list[PersonRecord], fixed: dict[int, int] | None, expected: str
) -> None:
    model = _name_trusting()
    best = score_pair(model, records[-1], records[0]).probability
    if records[-1] is not SONG_IN_LATIN:  # the rule's ground, not the thresholds'
        assert UNCONTESTED_THRESHOLD <= best < LINK_THRESHOLD
    bulk, online = _bulk_and_online(records, fixed, model)
    assert bulk == online == expected


def test_an_open_question_near_the_best_leaves_it_uncontested() -> None:
    # The other 宋燕敏 was queued for review against the best's customer: the same question,
    # still open, not someone else.
    records = [SONG_KNOWN, SONG_ELSEWHERE_TOO, SONG_IN_TOWN]
    asked = {"1": {"0"}}
    assert _bulk_and_online(records, {0: 0, 1: 1}, _name_trusting(), asked) == ("link", "link")
    assert _bulk_and_online(records, {0: 0, 1: 1}, _name_trusting(), {}) == ("review", "review")


def test_an_uncontested_link_says_why() -> None:
    resolution = resolve(_name_trusting(), SONG_IN_TOWN, [SONG_KNOWN])
    assert (resolution.outcome, resolution.reason) == ("link", UNCONTESTED)


def test_a_contact_agreeing_only_nearly_is_never_uncontested() -> None:
    # Level indices (name, phone, e-mail, city): the same Hanzi, and a phone or an e-mail that
    # agrees only nearly, with nobody else near.
    def none_asked(_customer: str) -> set[str]:
        return set()

    assert uncontested((0, 2, 3, 0), 0.95, [], "best", none_asked)
    assert not uncontested((0, 1, 3, 0), 0.95, [], "best", none_asked)
    assert not uncontested((0, 2, 1, 0), 0.95, [], "best", none_asked)
    assert not uncontested((0, 2, 3, 0), 0.95, ["another customer"], "best", none_asked)
    assert not uncontested((0, 2, 3, 0), 0.85, [], "best", none_asked)
