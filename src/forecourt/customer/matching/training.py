"""Estimating a `MatchModel` from stored records, unsupervised, as Splink does.

1. Term frequencies: counted over all records, for the comparisons that use them.
2. u: the level distribution of random pairs (nearly all non-matches), sampled.
3. m: expectation–maximisation over blocked pairs, with u held fixed, in *sessions*: each
   session blocks on some fields and leaves those comparisons out (their agreement is forced by
   the block, so it says nothing there); every other comparison's m is estimated, and the
   estimates are averaged over sessions.
4. λ (the probability two random records match): each session's EM gives the share of matches
   among its pairs; divided by the block's recall (from the m of the fields it forces, learnt
   in the other sessions) and by the number of possible pairs, that is λ. The median over
   sessions is kept.

Safeguards: u is fixed during EM; every probability is clamped; a level never seen among random
pairs counts as seen once; a comparison with fewer than `min_count` non-null pairs in a session
is not estimated there; pairs are sampled so a million records train in seconds.
"""

from __future__ import annotations

import random
import statistics
import time
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

import numpy as np
import numpy.typing as npt

from forecourt.customer.matching.blocking import block_pairs, build_blocks
from forecourt.customer.matching.comparisons import PERSON_COMPARISONS, Comparison
from forecourt.customer.matching.model import (
    P_MAX,
    P_MIN,
    ComparisonParams,
    MatchModel,
    TrainingInfo,
    build_model,
)
from forecourt.customer.matching.records import PersonRecord

R = TypeVar("R")
Levels = npt.NDArray[np.int8]
#: An identifier (phone, e-mail) seen fewer times than this is not TF-adjusted at all.
IDENTIFIER_TF_MIN_COUNT = 10
#: The smallest m a trained level keeps (see `_params`).
M_FLOOR = 1e-3
Floats = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class EmSession(Generic[R]):
    """One EM pass: pairs sharing a key of `keys_of`; `implied` = comparisons the block forces,
    with the levels it forces them to (left out of this session, used for its recall).

    Blocks larger than `max_block` are skipped: a huge block (王伟 in Beijing) is almost all
    non-matches and drowns the matches EM must find. Such a session then misses matches, so
    it does not take part in estimating λ (`for_prior` False).
    """

    name: str
    keys_of: Callable[[R], Iterable[str]]
    implied: Mapping[str, tuple[int, ...]]
    max_block: int | None = None
    for_prior: bool = True


@dataclass(frozen=True, slots=True)
class EmResult:
    """The outcome of one EM run."""

    m: tuple[Floats, ...]
    prior: float
    iterations: int
    estimated: tuple[bool, ...]


PERSON_SESSIONS: tuple[EmSession[PersonRecord], ...] = (
    EmSession("phone", lambda r: [r.phone] if r.phone else [], {"phone": (0,)}),
    EmSession("email", lambda r: [r.email] if r.email else [], {"email": (0,)}),
    EmSession(
        "name+city",
        lambda r: (
            [f"{' '.join(r.name_tokens)}|{r.city_id}"]
            if r.name_tokens and r.city_id is not None
            else []
        ),
        # Equal tokens: "hanzi exact", "exact" or "same pinyin, different hanzi".
        {"name": (0, 1, 2), "city": (0,)},
        max_block=50,
        for_prior=False,
    ),
)


def train_model(
    records: Sequence[PersonRecord],
    *,
    comparisons: tuple[Comparison[PersonRecord], ...] = PERSON_COMPARISONS,
    sessions: tuple[EmSession[PersonRecord], ...] = PERSON_SESSIONS,
    max_pairs: int = 300_000,
    u_pairs: int = 1_000_000,
    seed: int = 0,
) -> MatchModel:
    """Train the customer model on stored person records."""
    return train_model_generic(
        records, comparisons, sessions, max_pairs=max_pairs, u_pairs=u_pairs, seed=seed
    )


def train_model_generic(
    records: Sequence[R],
    comparisons: Sequence[Comparison[R]],
    sessions: Sequence[EmSession[R]],
    *,
    pair_filter: Callable[[R, R], bool] | None = None,
    max_pairs: int = 300_000,
    u_pairs: int = 1_000_000,
    tf_max_values: int = 100_000,
    min_count: int = 50,
    max_iterations: int = 50,
    seed: int = 0,
) -> MatchModel:
    """Train a model for any record type: TF, u by sampling, m and λ by EM sessions.

    `pair_filter` restricts which pairs exist at all (for linking two files: one from each).
    """
    started = time.perf_counter()
    rng = random.Random(seed)
    random_levels, total_pairs = random_pair_levels(records, comparisons, u_pairs, rng, pair_filter)
    u, n_random = u_of(random_levels, comparisons), len(random_levels)
    m = [initial_m(len(c.levels)) for c in comparisons]
    estimates: list[list[Floats]] = [[] for _ in comparisons]
    share: list[tuple[EmSession[R], float, float]] = []
    n_pairs = iterations = 0
    for session in sessions:
        levels, n_total = session_levels(records, comparisons, session, max_pairs, rng, pair_filter)
        active = np.array([c.name not in session.implied for c in comparisons])
        result = expectation_maximisation(
            levels, m, u, 0.1, active=active, min_count=min_count, max_iterations=max_iterations
        )
        for i, ok in enumerate(result.estimated):
            if ok:
                estimates[i].append(result.m[i])
        if session.for_prior:
            share.append((session, result.prior, n_total))
        n_pairs += len(levels)
        iterations += result.iterations
    m = [np.mean(e, axis=0) if e else m[i] for i, e in enumerate(estimates)]
    present = presence_of(random_levels).tolist()
    prior = random_match_probability(comparisons, m, share, total_pairs, present)
    u = [remove_matches_from_u(u[i], m[i], prior, n_random) for i in range(len(comparisons))]
    params = tuple(
        _params(c, m[i], u[i], records, tf_max_values) for i, c in enumerate(comparisons)
    )
    info = TrainingInfo(
        len(records),
        n_pairs,
        n_random,
        iterations,
        round(time.perf_counter() - started, 3),
        tuple(s.name for s in sessions),
    )
    return build_model(prior, params, info)


def initial_m(k: int) -> Floats:
    """Starting m: most matches agree exactly, a few at each fuzzy level, 5 % disagree."""
    if k == 2:
        return np.array([0.9, 0.1])
    return np.array([0.7, *([0.25 / (k - 2)] * (k - 2)), 0.05])


def level_matrix(
    records: Sequence[R], pairs: Iterable[tuple[int, int]], comparisons: Sequence[Comparison[R]]
) -> Levels:
    """The (pairs × comparisons) matrix of levels, NULL = -1: the input of EM and of u."""
    funcs = [c.level_of for c in comparisons]
    rows = [[f(records[i], records[j]) for f in funcs] for i, j in pairs]
    return np.array(rows, dtype=np.int8).reshape(-1, len(funcs))


def random_pair_levels(
    records: Sequence[R],
    comparisons: Sequence[Comparison[R]],
    n: int,
    rng: random.Random,
    pair_filter: Callable[[R, R], bool] | None,
) -> tuple[Levels, float]:
    """The level matrix of up to `n` random pairs, and how many pairs `pair_filter` allows."""
    size = len(records)
    n = min(n, size * (size - 1) // 2)
    gen = np.random.default_rng(rng.randrange(2**32))
    left = gen.integers(0, size, n)
    right = gen.integers(0, size - 1, n)
    right += right >= left  # a record is never paired with itself
    draws = zip(left.tolist(), right.tolist(), strict=True)
    pairs = [(i, j) for i, j in draws if pair_filter is None or pair_filter(records[i], records[j])]
    total = size * (size - 1) / 2 * (len(pairs) / max(n, 1))
    return level_matrix(records, pairs, comparisons), total


def u_of(levels: Levels, comparisons: Sequence[Comparison[R]]) -> list[Floats]:
    """u per comparison: the level shares among random pairs."""
    return [_level_shares(levels[:, c], len(comp.levels)) for c, comp in enumerate(comparisons)]


def presence_of(levels: Levels) -> Floats:
    """Per comparison, the share of pairs where both records have a value (level not NULL)."""
    shares: Floats = (levels >= 0).mean(axis=0) if len(levels) else np.ones(levels.shape[1])
    return shares


def _level_shares(column: Levels, k: int) -> Floats:
    """Share of each level among non-null values; an unseen level counts as seen once."""
    counts = np.bincount(column[column >= 0], minlength=k).astype(np.float64)
    counts = np.maximum(counts, 1.0)
    shares: Floats = np.clip(counts / counts.sum(), P_MIN, P_MAX)
    return shares


def session_levels(
    records: Sequence[R],
    comparisons: Sequence[Comparison[R]],
    session: EmSession[R],
    max_pairs: int,
    rng: random.Random,
    pair_filter: Callable[[R, R], bool] | None,
) -> tuple[Levels, float]:
    """Levels of a uniform sample of a session's blocked pairs, and how many pairs it has."""
    limit = session.max_block or len(records)
    blocks = [b for b in build_blocks(records, session.keys_of).values() if len(b) <= limit]
    total = sum(len(b) * (len(b) - 1) // 2 for b in blocks)
    rate = min(1.0, max_pairs / max(total, 1))
    pairs: set[tuple[int, int]] = set()
    for members in blocks:
        pairs.update(block_pairs(members, rate, rng))
    kept = sorted(
        p for p in pairs if pair_filter is None or pair_filter(records[p[0]], records[p[1]])
    )
    return level_matrix(records, kept, comparisons), len(kept) / rate


def expectation_maximisation(
    levels: Levels,
    m0: Sequence[Floats],
    u: Sequence[Floats],
    prior0: float,
    *,
    active: npt.NDArray[np.bool_] | None = None,
    min_count: int = 50,
    max_iterations: int = 50,
    tolerance: float = 1e-5,
) -> EmResult:
    """Fellegi–Sunter EM on a level matrix with u fixed; inactive comparisons are ignored."""
    n_comp = levels.shape[1]
    act = np.ones(n_comp, dtype=bool) if active is None else active
    counts = (levels >= 0).sum(axis=0)
    estimated = tuple(bool(act[c] and counts[c] >= min_count) for c in range(n_comp))
    log_u = _log_table(u)
    m, prior = [x.copy() for x in m0], prior0
    iterations = 0
    while iterations < max_iterations:
        iterations += 1
        w = _posterior(levels, _log_table(m), log_u, prior, act)
        new_m = [_m_step(levels[:, c], w, m[c]) if estimated[c] else m[c] for c in range(n_comp)]
        new_prior = float(np.clip(w.mean(), P_MIN, P_MAX)) if len(w) else prior
        delta = max(
            abs(new_prior - prior),
            *(float(np.abs(a - b).max()) for a, b in zip(new_m, m, strict=True)),
        )
        m, prior = new_m, new_prior
        if delta < tolerance:
            break
    return EmResult(tuple(m), prior, iterations, estimated)


def _log_table(ps: Sequence[Floats]) -> Floats:
    """log(p) per comparison and level, padded; the last column (index -1 = NULL) is 0."""
    width = max(len(p) for p in ps) + 1
    table = np.zeros((len(ps), width))
    for c, p in enumerate(ps):
        table[c, : len(p)] = np.log(np.clip(p, P_MIN, P_MAX))
    return table


def _posterior(
    levels: Levels, log_m: Floats, log_u: Floats, prior: float, active: npt.NDArray[np.bool_]
) -> Floats:
    """E-step: the probability each pair is a match under the current parameters."""
    logit = np.full(len(levels), np.log(prior) - np.log1p(-prior))
    for c in np.flatnonzero(active):
        col = levels[:, c]
        logit += log_m[c][col] - log_u[c][col]
    posterior: Floats = 1.0 / (1.0 + np.exp(-np.clip(logit, -700, 700)))
    return posterior


def _m_step(column: Levels, w: Floats, current: Floats) -> Floats:
    """M-step for one comparison: weighted level shares among the matches, clamped."""
    mask = column >= 0
    sums = np.bincount(column[mask], weights=w[mask], minlength=len(current))
    if sums.sum() <= 0:
        return current
    m: Floats = np.clip(sums / sums.sum(), P_MIN, P_MAX)
    return m


def random_match_probability(
    comparisons: Sequence[Comparison[R]],
    m: Sequence[Floats],
    share: Sequence[tuple[EmSession[R], float, float]],
    total_pairs: float,
    present: Sequence[float] | None = None,
) -> float:
    """λ: matches found by each session / that block's recall / all possible pairs (median).

    A block on a field finds only the matches where both records have that field, so its
    recall is m of the forced levels (which is conditional on both values being there) times
    `present`, the share of pairs where they are. Leaving that out takes a field missing on
    a third of the records for a perfect block, and λ comes out too small by as much.
    """
    index = {c.name: i for i, c in enumerate(comparisons)}
    estimates = []
    for session, prior, n_total in share:
        recall = 1.0
        for name, lv in session.implied.items():
            c = index[name]
            recall *= float(sum(m[c][list(lv)])) * (1.0 if present is None else present[c])
        if n_total > 0 and recall > 0:
            estimates.append(prior * n_total / recall / max(total_pairs, 1.0))
    return float(np.clip(statistics.median(estimates), P_MIN, 0.5)) if estimates else 1e-6


def remove_matches_from_u(u: Floats, m: Floats, prior: float, n_random: int) -> Floats:
    """u without the true matches that random pairs contain: r = λm + (1-λ)u, solved for u.

    Negligible on a million records; on small data (and for identifiers such as phones, where
    a chance agreement is rarer than a match) it stops u from being inflated by the matches.
    """
    floor = 1.0 / max(n_random, 1)
    corrected = np.maximum(u - prior * m, floor) / (1.0 - prior)
    shares: Floats = np.clip(corrected / corrected.sum(), P_MIN, P_MAX)
    return shares


def term_frequencies(
    records: Sequence[R], value_of: Callable[[R], str | None], max_values: int
) -> tuple[dict[str, float], float]:
    """Relative frequency of the commonest values, and the floor used for every other value.

    Values seen once are not stored (the floor, 1/n, is their frequency already); when the
    table is cut at `max_values`, the floor rises to the largest frequency left out, so an
    unstored value is never treated as rarer than it may be.
    """
    counts = Counter(v for v in map(value_of, records) if v)
    n = max(sum(counts.values()), 1)
    common = [(v, c) for v, c in counts.most_common() if c > 1]
    kept, dropped = common[:max_values], common[max_values:]
    floor = max(1.0 / n, dropped[0][1] / n if dropped else 0.0)
    return {v: c / n for v, c in kept}, floor


def _params(
    comp: Comparison[R], m: Floats, u: Floats, records: Sequence[R], tf_max_values: int
) -> ComparisonParams:
    """A comparison's trained parameters, with its TF table when it uses one."""
    tf: dict[str, float] = {}
    floor, tf_levels = 1e-6, tuple[int, ...]()
    if comp.tf_value is not None:
        tf, floor = term_frequencies(records, comp.tf_value, tf_max_values)
        tf_levels = comp.tf_levels
        if not comp.tf_raise:
            # Identifiers: one person's own repeated leads also repeat the value, so only a
            # value seen many times (a shared desk phone) is worth a table entry.
            tf = {v: f for v, f in tf.items() if f * len(records) >= IDENTIFIER_TF_MIN_COUNT}
    # No level is impossible for a true match (people change numbers, mistype names): an m of
    # 1e-9 would veto a link by itself, so every m keeps at least M_FLOOR.
    floored = np.maximum(m, M_FLOOR)
    mm = tuple(float(x) for x in np.clip(floored / floored.sum(), P_MIN, P_MAX))
    uu = tuple(float(x) for x in u)
    return ComparisonParams(comp.name, comp.levels, mm, uu, tf_levels, tf, floor, comp.tf_raise)
