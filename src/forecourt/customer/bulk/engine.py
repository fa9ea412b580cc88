"""Resolve a frame of records in arrival order: pairs, levels, weights, shortlists, the walk."""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from forecourt.customer.bulk.decide import NEW_DECISION as NEW
from forecourt.customer.bulk.decide import Decision, Questions, Shortlists, decide
from forecourt.customer.bulk.frame import Frame
from forecourt.customer.bulk.levels import (
    TermFrequencies,
    check_supported,
    match_weights,
    pair_levels,
)
from forecourt.customer.bulk.pairs import (
    CHUNK_PAIRS,
    Ints,
    KeyTable,
    candidate_chunks,
    chunk_pairs,
)
from forecourt.customer.matching.blocking import KEY_LIMITS
from forecourt.customer.matching.model import MatchModel
from forecourt.customer.matching.scoring import score_pair
from forecourt.db import forked

#: Pairs per chunk when chunks are shared out to forked workers.
FORKED_CHUNK_PAIRS = 1_000_000
#: Reports progress: (records resolved so far, records to resolve).
Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class Resolved:
    """Per record: its customer (the position of the record that founded it) and, for the
    records decided here, the online outcome, the candidate it concerns and the best
    candidate's probability."""

    customer: list[int]
    decisions: dict[int, Decision]
    probability: dict[int, float]


def resolve_frame(
    model: MatchModel,
    frame: Frame,
    keys: Sequence[str],
    key_records: Ints,
    *,
    fixed: Mapping[int, int],
    first_decided: int = 0,
    questions: Questions | None = None,
    limits: Mapping[str, int] = KEY_LIMITS,
    progress: Progress | None = None,
) -> Resolved:
    """Decide every record from `first_decided` on that is not `fixed` (record → customer
    position), as the online path would had the records arrived one by one in this order;
    `questions`: the open reviews of the fixed records (customer → customers asked about)."""
    check_supported(model)
    shortlists = _shortlists(model, frame, keys, key_records, first_decided, limits, progress)
    customer = list(range(len(frame)))
    for record, owner in fixed.items():
        customer[record] = owner
    decided = (r for r in range(first_decided, len(frame)) if r not in fixed)
    decisions = dict.fromkeys(decided, NEW)  # no candidate worth a decision: new
    asked: dict[int, set[int]] = {c: set(about) for c, about in (questions or {}).items()}
    for record in sorted(shortlists.candidates):
        if record not in decisions:
            continue
        holders = shortlists.holders.get(record)
        near = shortlists.near.get(record)
        decision = decide(shortlists.candidates[record], customer, holders, asked, near)
        decisions[record] = decision
        if decision.candidate is None:
            continue
        if decision.outcome == "link":
            customer[record] = customer[decision.candidate]
        elif decision.outcome == "review":  # a new customer asking about the candidate's
            asked.setdefault(customer[record], set()).add(customer[decision.candidate])
    return Resolved(customer, decisions, shortlists.best_probability)


def _shortlists(
    model: MatchModel,
    frame: Frame,
    keys: Sequence[str],
    key_records: Ints,
    first_decided: int,
    limits: Mapping[str, int],
    progress: Progress | None,
) -> Shortlists:
    """Score every candidate pair chunk by chunk, keeping only what the decisions need."""
    shortlists = Shortlists()
    total = len(frame) - first_decided
    if len(keys) == 0:
        if progress is not None:
            progress(total, total)
        return shortlists
    # Chunks are scored independently (each holds whole records), in forked workers if the
    # bulk job has some: smaller chunks then keep both busy to the end.
    size = CHUNK_PAIRS if forked.workers() <= 1 else FORKED_CHUNK_PAIRS

    def plan() -> tuple[KeyTable, list[Ints]]:
        return candidate_chunks(
            keys, key_records, first_decided=first_decided, limits=limits, chunk_pairs=size
        )

    tf, (table, chunks) = forked.side_by_side(lambda: TermFrequencies.of(model, frame), plan)

    def scored(chunk: int) -> tuple[Shortlists, int]:
        """The shortlists of one chunk's records, and the record after its last."""
        pairs = chunk_pairs(table, chunks[chunk])
        levels = pair_levels(frame, pairs)
        part = Shortlists()
        part.add(
            pairs,
            match_weights(model, levels, tf, pairs),
            levels.matrix(),
            levels.contact_agrees(),
            frame.record,
            lambda i, j: score_pair(model, frame.record(i), frame.record(j)),
        )
        return part, int(np.max(pairs.i)) + 1

    for part, reached in forked.forked_map(scored, range(len(chunks))):
        shortlists.absorb(part)
        if progress is not None:
            progress(reached - first_decided, total)
    if progress is not None:
        progress(total, total)
    return shortlists
