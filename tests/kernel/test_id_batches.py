"""Batches of UUIDv7: valid, strictly increasing, after every id made before them."""

from __future__ import annotations

import itertools
import pickle
import uuid

from forecourt.kernel.id_batches import new_ids
from forecourt.kernel.ids import new_id


def test_a_batch_is_increasing_valid_uuid7_after_earlier_ids() -> None:
    before = new_id()
    batch = new_ids(10_000)
    after = new_id()

    assert all(a < b for a, b in itertools.pairwise(batch))
    assert before < batch[0]
    assert batch[-1] < after
    assert {(i.version, i.variant) for i in batch} == {(7, uuid.RFC_4122)}
    assert len(set(batch)) == len(batch)


def test_batch_ids_behave_like_any_uuid() -> None:
    (made,) = new_ids(1)
    same = uuid.UUID(str(made))

    assert made == same
    assert hash(made) == hash(same)
    assert pickle.loads(pickle.dumps(made)) == made
    assert made.hex == same.hex
