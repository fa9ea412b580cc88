"""Scoring one pair of records with a model: match weight, probability and the evidence.

The hot path is `match_weight` (levels, then table lookups; no allocation beyond the level
calls); `score_pair` adds one `Evidence` per comparison for the reviewer and the audit trail.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from forecourt.customer.matching.comparisons import NULL, PERSON_COMPARISONS, Comparison
from forecourt.customer.matching.model import MatchModel
from forecourt.kernel import pickling

R = TypeVar("R")


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class Evidence:
    """What one comparison contributed: its level, which sides had a value, the weight."""

    comparison: str
    level: str
    left_present: bool
    right_present: bool
    bayes_factor: float
    weight: float
    tf_adjusted: bool

    def as_dict(self) -> dict[str, Any]:
        """The evidence as stored with a decision: what `dataclasses.asdict` gives, without
        its deep copy of every field (these are flat values)."""
        return {
            "comparison": self.comparison,
            "level": self.level,
            "left_present": self.left_present,
            "right_present": self.right_present,
            "bayes_factor": self.bayes_factor,
            "weight": self.weight,
            "tf_adjusted": self.tf_adjusted,
        }


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class PairScore:
    """The total match weight (bits, prior included), its probability and the evidence."""

    match_weight: float
    probability: float
    evidence: tuple[Evidence, ...]

    def level(self, comparison: str) -> str:
        """The level label of one comparison, e.g. "phone: exact"."""
        for e in self.evidence:
            if e.comparison == comparison:
                return e.level
        raise KeyError(comparison)


def probability(weight: float) -> float:
    """Match probability from a match weight in bits (a logistic in base 2)."""
    # Beyond ±1000 bits 2**w overflows a float; the probability is 0 or 1 there anyway.
    if weight < -1000.0:
        return 0.0
    if weight > 1000.0:
        return 1.0
    return 1.0 / (1.0 + math.pow(2.0, -weight))


def check_compatible(model: MatchModel, comparisons: Sequence[Comparison[R]]) -> None:
    """Fail loudly when a model was trained for other comparisons (names and level counts)."""
    got = [(c.name, len(c.levels)) for c in model.comparisons]
    want = [(c.name, len(c.levels)) for c in comparisons]
    if got != want:
        raise ValueError(f"model {model.version} has comparisons {got}, expected {want}")


def _level_weight(model: MatchModel, i: int, comp: Comparison[R], a: R, b: R, lvl: int) -> float:
    """The weight of level `lvl` of comparison `i`, TF-adjusted where the model says so."""
    params = model.comparisons[i]
    if comp.tf_value is None or lvl not in params.tf_levels or not params.tf:
        return model.weights[i][lvl]
    va, vb = comp.tf_value(a), comp.tf_value(b)
    if not params.tf_raise and va not in params.tf and vb not in params.tf:
        return model.weights[i][lvl]  # an identifier not known to be shared: trained u
    # The larger of the two frequencies: for variants ("xiaoming"/"xiao ming") be cautious.
    tf = max(params.tf_of(va), params.tf_of(vb))
    w = max(0.0, model.log2_m[i][lvl] - math.log2(tf))
    return w if params.tf_raise else min(w, model.weights[i][lvl])


def match_weight(
    model: MatchModel,
    a: R,
    b: R,
    comparisons: Sequence[Comparison[R]] = PERSON_COMPARISONS,  # type: ignore[assignment]
) -> float:
    """The match weight of a pair, without evidence: the fast path for ranking candidates."""
    w = model.prior_weight
    for i, comp in enumerate(comparisons):
        lvl = comp.level_of(a, b)
        if lvl != NULL:
            w += _level_weight(model, i, comp, a, b, lvl)
    return w


def score_pair(
    model: MatchModel,
    a: R,
    b: R,
    comparisons: Sequence[Comparison[R]] = PERSON_COMPARISONS,  # type: ignore[assignment]
) -> PairScore:
    """Score a pair and explain it: one `Evidence` per comparison, in comparison order."""
    w = model.prior_weight
    evidence = []
    for i, comp in enumerate(comparisons):
        lvl = comp.level_of(a, b)
        lw = 0.0 if lvl == NULL else _level_weight(model, i, comp, a, b, lvl)
        w += lw
        evidence.append(_evidence(model, i, comp, a, b, lvl, lw))
    return PairScore(w, probability(w), tuple(evidence))


def _evidence(
    model: MatchModel, i: int, comp: Comparison[R], a: R, b: R, lvl: int, lw: float
) -> Evidence:
    """One comparison's evidence record."""
    tf_adjusted = lvl != NULL and lw != model.weights[i][lvl]
    present = _presence(comp, a, b, lvl)
    return Evidence(comp.name, comp.label(lvl), *present, 2.0**lw, lw, tf_adjusted)


def _presence(comp: Comparison[R], a: R, b: R, lvl: int) -> tuple[bool, bool]:
    """Which sides had a value (a non-null level means both did)."""
    if lvl != NULL:
        return True, True
    return comp.present(a), comp.present(b)
