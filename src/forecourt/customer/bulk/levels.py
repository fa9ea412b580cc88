"""Comparison levels and match weights of many pairs at once, equal to the online scoring.

Equality levels are code comparisons over arrays; the fuzzy levels (Jaro-Winkler on names,
one edit on e-mails) run through rapidfuzz only on the pairs that need them, character by
character as the online comparisons do (DuckDB's string distances count UTF-8 bytes). Weights
follow `scoring.match_weight`: the prior, then each non-null level's weight, term-frequency
adjusted the same way, added in comparison order, so the sums are the same floats.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from rapidfuzz import process
from rapidfuzz.distance import JaroWinkler, Levenshtein

from forecourt.customer.bulk.frame import NONE, Frame, factorise
from forecourt.customer.bulk.pairs import Ints, Pairs
from forecourt.customer.matching.comparisons import NULL, PERSON_COMPARISONS, joined_equal
from forecourt.customer.matching.model import ComparisonParams, MatchModel
from forecourt.customer.matching.scoring import check_compatible

Floats = npt.NDArray[np.float64]
Bools = npt.NDArray[np.bool_]

#: The comparisons this module computes, level by level; a change there must show up here.
EXPECTED_LEVELS = {
    "name": (
        "hanzi exact",
        "exact",
        "same pinyin, different hanzi",
        "joined equal",
        "jaro-winkler >= 0.95",
        "jaro-winkler >= 0.88",
        "subset",
        "else",
    ),
    "phone": ("exact", "same last 8 digits", "else"),
    "email": ("exact", "same local part or 1 edit", "else"),
    "city": ("exact", "same country", "else"),
}


def check_supported(model: MatchModel) -> None:
    """Fail loudly when the comparisons changed since this vectorised copy of them was written."""
    check_compatible(model, PERSON_COMPARISONS)
    found = {c.name: c.levels for c in PERSON_COMPARISONS}
    if found != EXPECTED_LEVELS:
        raise ValueError(f"bulk levels are written for {EXPECTED_LEVELS}, comparisons are {found}")


@dataclass(frozen=True)
class PairLevels:
    """The level of each comparison for each pair (NULL where a side is missing)."""

    name: Ints
    phone: Ints
    email: Ints
    city: Ints

    def matrix(self) -> Ints:
        """One row per pair, one column per comparison, in `PERSON_COMPARISONS` order."""
        stacked: Ints = np.column_stack((self.name, self.phone, self.email, self.city))
        return stacked

    def contact_agrees(self) -> Bools:
        """Phone or e-mail agree (exactly or nearly): what the household guard looks at."""
        agrees: Bools = (
            (self.phone == 0) | (self.phone == 1) | (self.email == 0) | (self.email == 1)
        )
        return agrees


def pair_levels(frame: Frame, pairs: Pairs) -> PairLevels:
    """Every comparison level of every pair; i is the new record, j the stored candidate."""
    return PairLevels(
        _name_levels(frame, pairs),
        _phone_levels(frame, pairs),
        _email_levels(frame, pairs),
        _city_levels(frame, pairs),
    )


def _codes(frame: Frame, column: str, pairs: Pairs) -> tuple[Ints, Ints]:
    codes = frame.codes[column]
    return codes[pairs.i].astype(np.int64), codes[pairs.j].astype(np.int64)


def _name_levels(frame: Frame, pairs: Pairs) -> Ints:
    a, b = _codes(frame, "name", pairs)
    ha, hb = _codes(frame, "hanzi", pairs)
    both_hanzi = (ha != NONE) & (hb != NONE)
    level = np.full(len(pairs), 7, dtype=np.int64)
    level[a == b] = 1
    level[(a == b) & both_hanzi] = 2
    level[both_hanzi & (ha == hb)] = 0
    level[(a == NONE) | (b == NONE)] = NULL
    rest = np.flatnonzero(level == 7)
    la, lb = _codes(frame, "letters", Pairs(pairs.i[rest], pairs.j[rest]))
    joined = rest[la == lb]
    level[joined] = [
        3 if joined_equal(_tokens(frame, i), _tokens(frame, j)) else 7
        for i, j in zip(pairs.i[joined].tolist(), pairs.j[joined].tolist(), strict=True)
    ]
    fuzzy = np.flatnonzero(level == 7)
    level[fuzzy] = _fuzzy_name_levels(frame, pairs.i[fuzzy], pairs.j[fuzzy])
    return level


def _tokens(frame: Frame, position: int) -> tuple[str, ...]:
    key = frame.name_key[position]
    return tuple(key.split()) if key else ()


def _fuzzy_name_levels(frame: Frame, i: Ints, j: Ints) -> Ints:
    """Jaro-Winkler on the joined tokens (≥ 0.95, ≥ 0.88), else token subset, else 'else'."""
    names = frame.name_key
    left, right = [names[x] for x in i.tolist()], [names[x] for x in j.tolist()]
    sim = process.cpdist(
        left, right, scorer=JaroWinkler.similarity, score_cutoff=0.88, dtype=np.float64, workers=-1
    )
    level = np.where(sim >= 0.95, 4, np.where(sim >= 0.88, 5, 7)).astype(np.int64)
    for n in np.flatnonzero(level == 7).tolist():
        sa, sb = set(str(left[n]).split()), set(str(right[n]).split())
        if sa <= sb or sb <= sa:
            level[n] = 6
    return level


def _phone_levels(frame: Frame, pairs: Pairs) -> Ints:
    a, b = _codes(frame, "phone", pairs)
    la, lb = _codes(frame, "last8", pairs)
    level = np.where(a == b, 0, np.where((la != NONE) & (la == lb), 1, 2))
    return np.where((a == NONE) | (b == NONE), NULL, level).astype(np.int64)


def _email_levels(frame: Frame, pairs: Pairs) -> Ints:
    a, b = _codes(frame, "email", pairs)
    la, lb = _codes(frame, "local", pairs)
    level = np.where(a == b, 0, np.where(la == lb, 1, 2)).astype(np.int64)
    level[(a == NONE) | (b == NONE)] = NULL
    edits = np.flatnonzero(level == 2)
    if len(edits):
        mails = frame.email
        distance = process.cpdist(
            [mails[x] for x in pairs.i[edits].tolist()],
            [mails[x] for x in pairs.j[edits].tolist()],
            scorer=Levenshtein.distance,
            score_cutoff=1,
            workers=-1,
        )
        level[edits[distance <= 1]] = 1
    return level


def _city_levels(frame: Frame, pairs: Pairs) -> Ints:
    a, b = frame.city_id[pairs.i], frame.city_id[pairs.j]
    ca, cb = _codes(frame, "country", pairs)
    level = np.where(a == b, 0, np.where((ca != NONE) & (ca == cb), 1, 2))
    return np.where((a == NONE) | (b == NONE), NULL, level).astype(np.int64)


# --- weights ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class TermFrequencies:
    """Per record and comparison: log2 of the value's term frequency, and whether it is listed."""

    log2_tf: dict[str, Floats]
    listed: dict[str, Bools]

    @classmethod
    def of(cls, model: MatchModel, frame: Frame) -> TermFrequencies:
        """Look every distinct value up once in the model's TF tables."""
        values = {
            "name": [h or k for h, k in zip(frame.name_hanzi, frame.name_key, strict=True)],
            "phone": frame.phone,
            "email": frame.email,
            "city": [None if c == NONE else str(c) for c in frame.city_id.tolist()],
        }
        log2_tf, listed = {}, {}
        for params in model.comparisons:
            table: dict[str, int] = {}
            codes = factorise(values[params.name], table)
            distinct = list(table)
            # A last entry for "no value": tf_of(None) is 1, so its log is 0; never listed.
            logs = [math.log2(params.tf_of(v)) for v in distinct] + [0.0]
            known = [v in params.tf for v in distinct] + [False]
            log2_tf[params.name] = np.array(logs, dtype=np.float64)[codes]
            listed[params.name] = np.array(known, dtype=np.bool_)[codes]
        return cls(log2_tf, listed)


def match_weights(
    model: MatchModel, levels: PairLevels, tf: TermFrequencies, pairs: Pairs
) -> Floats:
    """The match weight of every pair, as `scoring.match_weight` computes it."""
    total = np.full(len(pairs), model.prior_weight, dtype=np.float64)
    for c, params in enumerate(model.comparisons):
        level = getattr(levels, params.name)
        total += _level_weights(model, c, params, level, tf, pairs)
    return total


def _level_weights(
    model: MatchModel,
    c: int,
    params: ComparisonParams,
    level: Ints,
    tf: TermFrequencies,
    pairs: Pairs,
) -> Floats:
    """One comparison's weight per pair: 0 for null, the trained weight, or TF-adjusted."""
    base_table = np.array([*model.weights[c], 0.0], dtype=np.float64)  # index -1: null
    weight = base_table[level]
    if not params.tf or not params.tf_levels:
        return weight
    adjusted = np.isin(level, params.tf_levels)
    if not params.tf_raise:
        listed = tf.listed[params.name]
        adjusted &= listed[pairs.i] | listed[pairs.j]
    rows = np.flatnonzero(adjusted)
    log2_tf = tf.log2_tf[params.name]
    worst = np.maximum(log2_tf[pairs.i[rows]], log2_tf[pairs.j[rows]])
    log2_m = np.array(model.log2_m[c], dtype=np.float64)[level[rows]]
    tf_weight = np.maximum(0.0, log2_m - worst)
    weight[rows] = tf_weight if params.tf_raise else np.minimum(tf_weight, weight[rows])
    return weight
