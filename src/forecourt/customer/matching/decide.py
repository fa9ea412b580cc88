"""Deciding what a new record is: an existing customer ("link"), a question ("review"), "new".

Precision comes first, because a false merge shows one customer's data to another person:

- LINK_THRESHOLD = 0.995: the best candidate must be at least 99.5 % likely the same person
  (about 7.6 bits of match weight beyond even odds), and it must beat every plausible
  candidate of *another* customer (one reaching REVIEW_THRESHOLD) by that same margin in
  match weight: only then is the best customer 99.5 % likelier than the rival. Rivals that
  score close to the best make the record ambiguous, so it goes to review. A rival far below
  the best is usually the same person stored twice (an earlier lead that could not be linked);
  refusing to link then would split that person further with every new lead. A rival that
  agrees on nothing the best does not agree on as closely, and less somewhere
  (`adds_evidence`), is no rival either: it is a fragment of the same evidence, such as a
  phone-only sign-up of that phone. A rival that agrees exactly as well is a real tie
  (`contests`), as when a person split an identity from the customer it was linked to.
- An open question is no rival: a customer made by a record queued for review against the
  best's customer (or the best's own customer, queued against the rival's) is that same
  question, still open, not a second person. Were it a rival, every later record of a person
  with a pending review would tie with it and go to review too, splitting the person further
  with each one. A question a person answered ("not the same") is closed, and the rival
  counts again.
- REVIEW_THRESHOLD = 0.5: below even odds a person reviewing would mostly see strangers, so
  the record is new; between the thresholds a person decides, unless the best is uncontested.
- Uncontested: from UNCONTESTED_THRESHOLD = 0.9 up, the best links when no candidate of another
  customer comes within the margin of it (whatever that candidate's probability or guard,
  among all the candidates, and an open question of the best's customer aside), the guard
  leaves it alone, and no contact agrees only nearly (an e-mail one edit away, a phone that
  shares only its last digits: mostly someone else's). Such a best is typically a name that
  agrees, its frequency counted, with nobody else stored under it anywhere near. The model
  weighs the pair against a stranger drawn at random and leaves the rest of the store out;
  with nobody near, the store adds the evidence that the one close candidate is the person.
  Below 0.9 the model itself gives another person one chance in ten or more, and the store's
  silence says nothing of namesakes and relatives not stored yet: a person decides.
- The household guard: family members share a phone or an e-mail. When a contact agrees but
  the names clearly disagree, the candidate can never be linked automatically: it goes to
  review when the names share a token (王伟/王芳, a relative or a typo-prone given name) and
  is dropped (new) when they share none. The model alone could link such a pair, since a
  shared phone outweighs a name mismatch; that is exactly the error the guard forbids. For
  the same reason a shared contact goes to review, never to a link, when a side has no name
  (a live-show sign-up with a phone only) or only one name that the other contains (王先生,
  "Mr Wang", against 王伟): nothing there tells the person from a relative on that phone.
- The sole holder: such a record (no name, or a family name alone) is still linked when the
  stored identities tell the person from a relative after all. Its phone must be held by one
  customer only among the stored identities, and by at least one of that customer's named
  identities; the odds are then weighed against the household alternative alone: the
  prior, the phone and the e-mail (what a relative does not share at random), plus one bit
  for each further named identity of that customer on the phone, since a shared phone shows
  up under each of its users about equally often, so every further sighting under one name
  halves the odds that another person uses it. Name and city are left out of these odds:
  relatives share the family name and the city; but a record giving a Chinese family name
  alone that agrees earns one bit, since it rules out the relatives of another family name
  (in China a wife keeps her own). The link threshold then decides.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypeVar

from rapidfuzz.distance import JaroWinkler

from forecourt.customer.matching.comparisons import PERSON_COMPARISONS, Comparison, joined_equal
from forecourt.customer.matching.model import MatchModel
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.matching.scoring import (
    PairScore,
    check_compatible,
    match_weight,
    probability,
    score_pair,
)
from forecourt.kernel import pickling

Outcome = Literal["link", "review", "new"]
#: The customers that open reviews of a customer's identities ask about (customer ids).
OpenQuestions = Callable[[str], Collection[str]]
C = TypeVar("C", str, int)  # a customer: its id online, its cluster label in bulk
LINK_THRESHOLD = 0.995
REVIEW_THRESHOLD = 0.5
#: Two name tokens this similar (Jaro-Winkler) are one token with a typo: "jon"/"john".
TOKEN_SIMILAR = 0.9
NO_NAME = "household guard: shared contact, no name to tell relatives apart"
ONE_NAME = "household guard: shared contact, one name alone (王先生, a family name)"
#: The guard reasons a sole holder of the phone can lift: nothing in the record's own name
#: tells the person from a relative, but the stored identities may.
LIFTABLE = frozenset({NO_NAME, ONE_NAME})
#: The comparisons that tell a person from a relative on the same phone.
PERSONAL = frozenset({"phone", "email"})
#: Each further named identity of the one customer on a phone halves the odds it is shared.
SIGHTING_BITS = 1.0
#: A record's one Chinese family name agreeing (王先生 against 王伟) halves the relatives it
#: could be.
ONE_NAME_BITS = 1.0
UNCONTESTED_THRESHOLD = 0.9
UNCONTESTED = "uncontested: nobody else near the best, no contact agreeing only nearly"
#: Where the contacts sit among a pair's level indices (PERSON_COMPARISONS order), and the
#: level at which each agrees only nearly (an e-mail one edit away, the phone's last digits).
_PHONE, _EMAIL = ([c.name for c in PERSON_COMPARISONS].index(name) for name in ("phone", "email"))
_NEARLY_PHONE = PERSON_COMPARISONS[_PHONE].levels.index("same last 8 digits")
_NEARLY_EMAIL = PERSON_COMPARISONS[_EMAIL].levels.index("same local part or 1 edit")
_CONTACT_AGREES = frozenset(
    {
        "phone: exact",
        "phone: same last 8 digits",
        "email: exact",
        "email: same local part or 1 edit",
    }
)


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class CandidateScore:
    """One scored candidate: which customer it belongs to, its score, and any guard cap."""

    record_id: str
    customer_id: str
    score: PairScore
    cap: Outcome
    guard: str | None

    @property
    def probability(self) -> float:
        """The candidate's match probability."""
        return self.score.probability


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class Resolution:
    """The decision, why, the best candidate with its evidence, and the runner-ups."""

    outcome: Outcome
    reason: str
    best: CandidateScore | None
    runner_ups: tuple[CandidateScore, ...]
    model_version: str


def resolve(
    model: MatchModel,
    record: PersonRecord,
    candidates: Sequence[PersonRecord],
    *,
    clusters: Mapping[str, str] | None = None,
    questions: OpenQuestions | None = None,
    link_threshold: float = LINK_THRESHOLD,
    review_threshold: float = REVIEW_THRESHOLD,
    max_runner_ups: int = 3,
) -> Resolution:
    """Resolve a new record against its candidates (`clusters`: record_id → customer_id;
    `questions`: asked only when there is a rival, the customers a customer's open reviews
    concern)."""
    check_compatible(model, PERSON_COMPARISONS)
    scored, every = _rank(model, record, candidates, clusters or {}, max_runner_ups + 1)
    if not scored:
        return Resolution("new", "no candidates", None, (), model.version)
    best, others = scored[0], tuple(scored[1:])
    holders = phone_holders(record, candidates, clusters or {})
    sole = sole_holder(best, holders, link_threshold, one_name=one_name_bit(record, best.guard))
    outcome, reason = _decide(
        scored, link_threshold, review_threshold, sole=sole, questions=questions, every=every
    )
    return Resolution(outcome, reason, best, others, model.version)


def phone_holders(
    record: PersonRecord, candidates: Sequence[PersonRecord], clusters: Mapping[str, str]
) -> list[tuple[str, bool]]:
    """The stored identities carrying the record's exact phone: (customer, has a name) each."""
    if record.phone is None:
        return []
    return [
        (clusters.get(c.record_id, c.record_id), bool(c.name_tokens))
        for c in candidates
        if c.phone == record.phone and c.record_id != record.record_id
    ]


def sole_holder(
    best: CandidateScore,
    holders: Sequence[tuple[str, bool]],
    link: float = LINK_THRESHOLD,
    *,
    one_name: bool = False,
) -> bool:
    """Whether the best candidate's customer is the sole holder of the record's phone, with
    odds against a relative on that phone reaching the link threshold (module docstring);
    `one_name`: the record earns the one-name bit (`one_name_bit`)."""
    if best.cap != "review" or best.guard not in LIFTABLE:
        return False
    weight = household_weight(best.score, one_name=one_name)
    return sole_holder_odds(weight, holders, best.customer_id, link)


def one_name_bit(record: PersonRecord, guard: str | None) -> bool:
    """Whether a record capped by the guard (`guard`, why) earns the one-name bit: the cap is
    for one name alone, and it is the record that gives one name, in China (王先生): its
    family name, which a wife there keeps, so relatives by marriage do not share it."""
    return guard == ONE_NAME and len(record.name_tokens) == 1 and record.country == "CN"


def sole_holder_odds(
    weight: float, holders: Sequence[tuple[Hashable, bool]], owner: Hashable, link: float
) -> bool:
    """The sole-holder test on a pair's `household_weight` and the phone's holders (customer,
    has a name): one customer holds the phone, under a name at least once, and the weight
    plus one bit per further named sighting reaches the link threshold."""
    if any(customer != owner for customer, _ in holders):
        return False
    sightings = sum(1 for _, named in holders if named)
    if sightings == 0:
        return False
    return probability(weight + SIGHTING_BITS * (sightings - 1)) >= link


def household_weight(score: PairScore, *, one_name: bool = False) -> float:
    """The pair's match weight with only the prior and the personal contacts counted, and a bit
    more when the record's one Chinese family name agrees (`one_name`): it rules out the
    relatives of another family name on the phone."""
    contacts = score.match_weight - sum(
        e.weight for e in score.evidence if e.comparison not in PERSONAL
    )
    return contacts + (ONE_NAME_BITS if one_name else 0.0)


def _rank(
    model: MatchModel,
    record: PersonRecord,
    candidates: Sequence[PersonRecord],
    clusters: Mapping[str, str],
    keep: int,
) -> tuple[list[CandidateScore], Iterator[tuple[float, str]]]:
    """Candidates by match weight (fast path), the top `keep` scored with evidence and guard;
    and every candidate's (match weight, customer), heaviest first.

    A candidate capped to "new" by the guard sorts after every other candidate.
    """
    others = [c for c in candidates if c.record_id != record.record_id]
    weights = sorted(((match_weight(model, record, c), c) for c in others), key=lambda t: -t[0])
    ranked = [_candidate(model, record, c, clusters) for _, c in weights[: keep * 2]]
    ranked.sort(key=lambda s: (s.cap == "new", -s.score.match_weight))
    # Read only for a best the uncontested rule may link, and only down to the margin: a
    # generator, so that the common case pays nothing for it.
    every = ((w, clusters.get(c.record_id, c.record_id)) for w, c in weights)
    return ranked[:keep], every


def _candidate(
    model: MatchModel, record: PersonRecord, other: PersonRecord, clusters: Mapping[str, str]
) -> CandidateScore:
    """Score one candidate with evidence and apply the household guard."""
    score = score_pair(model, record, other)
    cap, why = household_guard(record, other, score)
    customer = clusters.get(other.record_id, other.record_id)
    return CandidateScore(other.record_id, customer, score, cap, why)


def _decide(
    scored: Sequence[CandidateScore],
    link: float,
    review: float,
    *,
    sole: bool = False,
    questions: OpenQuestions | None = None,
    every: Iterable[tuple[float, str]] = (),
) -> tuple[Outcome, str]:
    """The outcome from the ranked candidates (best first, guard-dropped last); `sole`: the
    best's customer is the sole holder of the phone, which lifts a nameless guard's cap;
    `every`: each candidate's (match weight, customer), heaviest first, for the uncontested
    rule."""
    best = scored[0]
    if best.cap == "new" or best.probability < review:
        return "new", best.guard or "best candidate below the review threshold"
    # The margin a rival must trail by: the link threshold's odds, in bits (7.6 at 0.995).
    margin = math.log2(link / (1.0 - link))
    rivals = [
        s
        for s in scored[1:]
        if s.customer_id != best.customer_id
        and s.cap != "new"
        and s.probability >= review
        and s.score.match_weight > best.score.match_weight - margin
        and contests(_level_indices(s.score), _level_indices(best.score))
    ]
    asked = _asked(questions) if questions is not None else None
    if rivals and asked is not None:
        rivals = [s for s in rivals if not open_question(s.customer_id, best.customer_id, asked)]
    if rivals:
        return "review", f"ambiguous: customers {best.customer_id} and {rivals[0].customer_id}"
    if sole:
        return "link", "sole holder of the phone, above the link threshold"
    if best.cap == "review":
        return "review", best.guard or "capped to review"
    return _unguarded(best, every, link, margin, asked)


def _unguarded(
    best: CandidateScore,
    every: Iterable[tuple[float, str]],
    link: float,
    margin: float,
    asked: OpenQuestions | None,
) -> tuple[Outcome, str]:
    """The outcome for a best above review that no guard caps and no rival contests."""
    if best.probability >= link:
        return "link", "best candidate above the link threshold"
    floor = best.score.match_weight - margin
    near = (customer for _, customer in itertools.takewhile(lambda t: t[0] > floor, every))
    levels = _level_indices(best.score)
    if uncontested(levels, best.probability, near, best.customer_id, asked or _no_questions):
        return "link", UNCONTESTED
    return "review", "best candidate between the review and link thresholds"


def uncontested(
    best: Sequence[int],
    best_probability: float,
    near: Iterable[C],
    owner: C,
    asked: Callable[[C], Collection[C]],
) -> bool:
    """The uncontested rule (module docstring) for an unguarded best below the link threshold,
    on its level indices and probability, and `near`: the customers of the candidates within
    the margin of it, of any probability or guard. Its own customer (`owner`) and the
    customers that are an open question with it (`asked`) are no one else."""
    if best_probability < UNCONTESTED_THRESHOLD:
        return False
    if best[_PHONE] == _NEARLY_PHONE or best[_EMAIL] == _NEARLY_EMAIL:
        return False
    return all(customer == owner or open_question(customer, owner, asked) for customer in near)


def _no_questions(_customer: str) -> Collection[str]:
    return ()


def open_question(a: C, b: C, asked: Callable[[C], Collection[C]]) -> bool:
    """Whether customers `a` and `b` are one open question: a review of one's identities
    asks whether it is the other (`asked`: the customers a customer's open reviews concern)."""
    return b in asked(a) or a in asked(b)


def _asked(questions: OpenQuestions) -> OpenQuestions:
    """`questions`, asked at most once per customer."""
    known: dict[str, Collection[str]] = {}

    def asked(customer: str) -> Collection[str]:
        if customer not in known:
            known[customer] = questions(customer)
        return known[customer]

    return asked


def contests(rival: Sequence[int], best: Sequence[int]) -> bool:
    """Whether another customer's candidate contests the best one, on level indices (one per
    comparison, 0 strongest, a missing value `len(levels)`): it agrees exactly as well (a real
    tie between two customers), or more closely somewhere (`adds_evidence`). A fragment that
    agrees only where the best does, and less, does not."""
    return list(rival) == list(best) or closer_somewhere(rival, best)


def adds_evidence(rival: PairScore, best: PairScore) -> bool:
    """True when the rival agrees more closely than the best on some field.

    A rival that agrees only where the best agrees too (a phone-only sign-up beside a customer
    with that phone and the name) is a fragment of the same evidence, not another person's
    claim: it may well be the same person stored apart, and it cannot make the record more
    likely someone else. A rival that holds the e-mail while the best holds the phone can.
    """
    return closer_somewhere(_level_indices(rival), _level_indices(best))


def _level_indices(score: PairScore) -> list[int]:
    return [
        _level_index(comp, e.level)
        for comp, e in zip(PERSON_COMPARISONS, score.evidence, strict=True)
    ]


def closer_somewhere(rival: Sequence[int], best: Sequence[int]) -> bool:
    """`adds_evidence` on level indices, one per comparison (0 strongest, a missing value
    `len(levels)`): the rival is stronger than the best somewhere the best is not "else"."""
    return any(
        r < min(b, len(comp.levels) - 1)
        for comp, r, b in zip(PERSON_COMPARISONS, rival, best, strict=True)
    )


def _level_index(comparison: Comparison[PersonRecord], label: str) -> int:
    """A level's index from its evidence label (0 strongest); a missing value ranks last."""
    level = label.partition(": ")[2]
    return len(comparison.levels) if level == "null" else comparison.levels.index(level)


def household_guard(
    a: PersonRecord, b: PersonRecord, score: PairScore
) -> tuple[Outcome, str | None]:
    """Cap a pair whose contact agrees but whose names do not tell the person from a relative."""
    if not any(e.level in _CONTACT_AGREES for e in score.evidence):
        return "link", None
    return contact_guard(a, b)


def contact_guard(a: PersonRecord, b: PersonRecord) -> tuple[Outcome, str | None]:
    """The household guard for a pair known to share a phone or an e-mail: the cap ("link" =
    none) and why."""
    if not a.name_tokens or not b.name_tokens:
        return "review", NO_NAME
    if _one_name_only(a.name_tokens, b.name_tokens):
        return "review", ONE_NAME
    conflict = name_conflict(a, b)
    if conflict == "strong":
        return "new", "household guard: shared contact, names share nothing"
    if conflict == "mild":
        return "review", "household guard: shared contact, different given names"
    return "link", None


def name_conflict(a: PersonRecord, b: PersonRecord) -> Literal["strong", "mild"] | None:
    """How clearly two names belong to different people.

    None when they may be one person (same Hanzi, same letters, or one name's tokens all found
    in the other's); "mild" when each side has a token the other lacks but some token is
    shared (王伟/王芳: same surname); "strong" when no token is shared at all. The same pinyin
    under other Hanzi (章伟 for 张伟) is no conflict: it is how a name is mistyped through a
    pinyin input method, while relatives sharing a phone do not share a whole name.
    """
    ta, tb = a.name_tokens, b.name_tokens
    if not ta or not tb or (a.name_hanzi and a.name_hanzi == b.name_hanzi):
        return None
    if ta == tb or joined_equal(ta, tb):
        return None
    only_a = [t for t in ta if not _has_similar(t, tb)]
    only_b = [t for t in tb if not _has_similar(t, ta)]
    if not only_a or not only_b:
        return None
    shared = len(only_a) < len(ta) or len(only_b) < len(tb)
    return "mild" if shared else "strong"


def _one_name_only(ta: tuple[str, ...], tb: tuple[str, ...]) -> bool:
    """True when one side is a single name found in the other's longer name: "wang" (王先生)
    against "wang wei". Relatives share the family name, so it cannot tell them apart."""
    short, long = (ta, tb) if len(ta) <= len(tb) else (tb, ta)
    return len(short) == 1 < len(long) and _has_similar(short[0], long)


def _has_similar(token: str, tokens: tuple[str, ...]) -> bool:
    """True when some token is the same or a near-typo of `token`."""
    return any(t == token or JaroWinkler.similarity(t, token) >= TOKEN_SIMILAR for t in tokens)
