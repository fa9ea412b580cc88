"""The online decision for many records: rank candidates, apply the guard, walk in arrival order.

`decide.resolve` ranks a record's candidates by match weight, scores the best eight with the
household guard, puts guard-dropped ones last and keeps four; the best then links (≥ 0.995 and
no plausible rival of another customer), goes to review, or stays new. Only candidates that the
guard leaves in and that reach the review threshold can change that outcome, so per record we
keep those (at most four, in the online order) and the probability of the best candidate, which
the identity records whatever the outcome. A candidate the guard caps only for want of a
name (`decide.LIFTABLE`) keeps its household weight, and the record keeps the holders of its
exact phone among all its candidates (not only the shortlisted ones), so that the walk can
apply the sole-holder rule as the online path does. A record whose best lies between the
uncontested and the link threshold keeps every other candidate within the margin of the best,
whatever its rank, probability or guard: their customers decide whether the best is uncontested
(`decide.uncontested`). The walk in arrival order then needs each earlier record's customer, and which customers are open questions about which (a record queued
for review asks about its candidate's customer: `decide.open_question`), which is why it runs
last and record by record.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from forecourt.customer.bulk.pairs import Ints, Pairs
from forecourt.customer.matching.comparisons import NULL, PERSON_COMPARISONS
from forecourt.customer.matching.decide import (
    LIFTABLE,
    LINK_THRESHOLD,
    REVIEW_THRESHOLD,
    UNCONTESTED_THRESHOLD,
    contact_guard,
    contests,
    household_weight,
    one_name_bit,
    open_question,
    sole_holder_odds,
    uncontested,
)
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.matching.scoring import PairScore

Floats = npt.NDArray[np.float64]
SCORED = 8  # the online path scores the best 2 × 4 candidates by weight with evidence
KEPT = 4  # and keeps the best 4 after the guard
LINK, REVIEW, NEW, LIFT = 0, 1, 2, 3  # guard caps; LIFT: review unless a sole holder
#: A rival customer's candidate trails the best by at least this many bits, or it is a rival.
MARGIN = math.log2(LINK_THRESHOLD / (1.0 - LINK_THRESHOLD))
Levels = tuple[int, ...]  # one level index per comparison, a missing value len(levels)
#: (record, weight, probability, cap, levels, household weight: NaN unless the cap is LIFT)
Candidate = tuple[int, float, float, int, Levels, float]
#: The stored records carrying a record's exact phone, each with whether it has a name.
Holders = list[tuple[int, bool]]
_PHONE = 1  # the phone's column in a levels row (PERSON_COMPARISONS order)
_MISSING = np.array([len(c.levels) for c in PERSON_COMPARISONS], dtype=np.int64)


def probabilities(weights: Floats) -> Floats:
    """Match probabilities from weights in bits (`scoring.probability`)."""
    clipped = np.clip(weights, -1000.0, 1000.0)
    result: Floats = 1.0 / (1.0 + np.power(2.0, -clipped))
    return result


@dataclass
class Shortlists:
    """Per decided record: its best candidate's probability and the candidates that matter."""

    best_probability: dict[int, float] = field(default_factory=dict)
    candidates: dict[int, list[Candidate]] = field(default_factory=dict)
    holders: dict[int, Holders] = field(default_factory=dict)
    near: dict[int, list[int]] = field(default_factory=dict)
    """Per record whose best may be uncontested: the other candidates within the margin."""

    def add(
        self,
        pairs: Pairs,
        weights: Floats,
        levels: Ints,
        contact: npt.NDArray[np.bool_],
        record: Callable[[int], PersonRecord],
        score: Callable[[int, int], PairScore],
    ) -> None:
        """Take one chunk of scored pairs (whole records) into the shortlists; `levels` has one
        row per pair and one column per comparison; `score` scores one pair with evidence."""
        order = np.lexsort((pairs.j, -weights, pairs.i))
        i, j, w, agree = pairs.i[order], pairs.j[order], weights[order], contact[order]
        levels = np.where(levels[order] == NULL, _MISSING, levels[order])
        starts = np.flatnonzero(np.r_[True, i[1:] != i[:-1]])
        rank = np.arange(len(i)) - np.repeat(starts, np.diff(np.r_[starts, len(i)]))
        top = np.flatnonzero(rank < SCORED)
        same_phone = (i, j, levels[:, _PHONE] == 0)
        every = (i, j, w)
        i, j, w, agree, rank, levels = i[top], j[top], w[top], agree[top], rank[top], levels[top]
        caps = np.full(len(i), LINK, dtype=np.int64)
        one_name = np.zeros(len(i), dtype=np.bool_)  # a one-name record's bit (online alike)
        for n in np.flatnonzero(agree).tolist():
            new = record(int(i[n]))
            caps[n], why = _cap(new, record(int(j[n])))
            one_name[n] = one_name_bit(new, why)
        household = np.full(len(i), np.nan)
        for n in np.flatnonzero(caps == LIFT).tolist():
            pair = score(int(i[n]), int(j[n]))
            household[n] = household_weight(pair, one_name=bool(one_name[n]))
        self._keep_holders(set(i[caps == LIFT].tolist()), *same_phone, record)
        # Each record's best: its first candidate the guard leaves in (rows, by record).
        left_in = np.flatnonzero(caps != NEW)
        bests = left_in[np.unique(i[left_in], return_index=True)[1]]
        self._keep_near(every, i[bests], j[bests], w[bests])
        self._keep(i, j, w, caps, rank, levels, household, bests)

    def absorb(self, other: Shortlists) -> None:
        """Take in the shortlists of other records (another chunk's)."""
        self.best_probability.update(other.best_probability)
        self.candidates.update(other.candidates)
        self.holders.update(other.holders)
        self.near.update(other.near)

    def _keep_holders(
        self,
        lifted: set[int],
        i: Ints,
        j: Ints,
        same_phone: npt.NDArray[np.bool_],
        record: Callable[[int], PersonRecord],
    ) -> None:
        """For the records with a liftable cap: every candidate carrying their exact phone."""
        if not lifted:
            return
        # Most pairs sharing a phone belong to records with no liftable cap: leave them out in
        # one array operation, not one by one.
        wanted = same_phone & np.isin(i, np.fromiter(lifted, dtype=np.int64, count=len(lifted)))
        for n in np.flatnonzero(wanted).tolist():
            new, stored = int(i[n]), int(j[n])
            named = bool(record(stored).name_tokens)
            self.holders.setdefault(new, []).append((stored, named))

    def _keep_near(
        self, every: tuple[Ints, Ints, Floats], records: Ints, best_j: Ints, best_w: Floats
    ) -> None:
        """For the records whose best (`records`, ascending, with their best candidate and its
        weight) lies between the uncontested and the link threshold: every other candidate
        within the margin of it, among all their pairs (`every`: records, candidates and
        weights, by record)."""
        p = probabilities(best_w)
        chosen = (p >= UNCONTESTED_THRESHOLD) & (p < LINK_THRESHOLD)
        if not chosen.any():
            return
        records, best_w, best_j = records[chosen], best_w[chosen], best_j[chosen]
        all_i, all_j, all_w = every
        at = np.minimum(np.searchsorted(records, all_i), len(records) - 1)
        near = (records[at] == all_i) & (all_w > best_w[at] - MARGIN) & (all_j != best_j[at])
        for n in np.flatnonzero(near).tolist():
            self.near.setdefault(int(all_i[n]), []).append(int(all_j[n]))

    def _keep(
        self,
        i: Ints,
        j: Ints,
        w: Floats,
        caps: Ints,
        rank: Ints,
        levels: Ints,
        household: Floats,
        bests: Ints,
    ) -> None:
        """Record each record's best probability (its first candidate the guard leaves in, row
        `bests`, else its first) and its first KEPT uncapped candidates above review."""
        p = probabilities(w)
        uncapped = caps != NEW
        firsts = np.flatnonzero(rank == 0)
        best = p[firsts].copy()
        best[np.searchsorted(i[firsts], i[bests])] = p[bests]
        self.best_probability.update(zip(i[firsts].tolist(), best.tolist(), strict=True))
        kept = np.flatnonzero(uncapped & (p >= REVIEW_THRESHOLD))
        for n in kept.tolist():
            shortlist = self.candidates.setdefault(int(i[n]), [])
            if len(shortlist) < KEPT:
                levels_n = tuple(levels[n].tolist())
                cap, weight = int(caps[n]), float(household[n])
                shortlist.append((int(j[n]), float(w[n]), float(p[n]), cap, levels_n, weight))


_CAPS = {"link": LINK, "review": REVIEW, "new": NEW}


def _cap(a: PersonRecord, b: PersonRecord) -> tuple[int, str | None]:
    """The household guard for a pair whose contact agrees: the online `contact_guard`, with
    the caps a sole holder of the phone may lift told apart; and why."""
    cap, why = contact_guard(a, b)
    return (LIFT if cap == "review" and why in LIFTABLE else _CAPS[cap]), why


@dataclass(frozen=True)
class Decision:
    """What one record became: 'link', 'review' or 'new', and the candidate it concerns."""

    outcome: str
    candidate: int | None


NEW_DECISION = Decision("new", None)
#: Per customer (its label), the customers its open reviews ask about.
Questions = Mapping[int, Collection[int]]
_NONE: frozenset[int] = frozenset()


def decide(
    shortlist: list[Candidate],
    customer_of: list[int],
    holders: Holders | None = None,
    questions: Questions | None = None,
    near: list[int] | None = None,
) -> Decision:
    """The online outcome from a shortlist (best first), the customers of earlier records, the
    holders of the record's phone and the open questions: a rival is a candidate of another
    customer scoring within MARGIN of the best (every one kept is above review) that agrees as
    well or more closely than the best somewhere (`decide.contests`), unless the two customers
    are one open question; a liftable cap links when the best's customer is the sole holder;
    below the link threshold an uncontested best links (`decide.uncontested`, on `near`: the
    other candidates within the margin of the best, `Shortlists.near`)."""
    if not shortlist:
        return NEW_DECISION
    best, best_w, best_p, best_cap, best_levels, household = shortlist[0]
    owner = customer_of[best]
    known = questions or {}

    def asked(customer: int) -> Collection[int]:
        return known.get(customer, _NONE)

    if any(
        customer_of[j] != owner
        and w > best_w - MARGIN
        and contests(levels, best_levels)
        and not open_question(customer_of[j], owner, asked)
        for j, w, _, _, levels, _ in shortlist[1:]
    ):
        return Decision("review", best)
    if best_cap == LIFT:
        held = [(customer_of[j], named) for j, named in holders or []]
        sole = sole_holder_odds(household, held, owner, LINK_THRESHOLD)
        return Decision("link" if sole else "review", best)
    if best_cap == REVIEW:
        return Decision("review", best)
    others = (customer_of[j] for j in near or [])
    if best_p >= LINK_THRESHOLD or uncontested(best_levels, best_p, others, owner, asked):
        return Decision("link", best)
    return Decision("review", best)
