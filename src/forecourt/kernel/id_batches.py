"""Many UUIDv7 at once, for bulk writes: one clock reading, then a counter.

`ids.new_id` reads the clock and draws randomness for every id, a few microseconds each; a
million rows need a million ids. Here the first id is a real `new_id`, and the rest continue
its random part as a counter (RFC 9562 §6.2, method 2), so the batch stays valid UUIDv7,
strictly increasing and time-ordered after every id made before it.
"""

from __future__ import annotations

import uuid

from forecourt.kernel.ids import new_id

_RAND_B = 62
_RAND_A = 12
_HEAD = 76  # the 48-bit time and the 4-bit version above rand_a
_VARIANT = 0b10 << _RAND_B
# Counting starts with the counter's top two bits clear: room for 2**72 ids without a carry.
_COUNTER = (1 << (_RAND_A + _RAND_B - 2)) - 1


def new_ids(count: int) -> list[uuid.UUID]:
    """`count` new time-ordered UUIDv7, increasing."""
    first = new_id().int
    head = first >> _HEAD << _HEAD
    counter = (((first >> 64) & 0xFFF) << _RAND_B | (first & ((1 << _RAND_B) - 1))) & _COUNTER
    low = (1 << _RAND_B) - 1
    return [
        _uuid(head | ((c >> _RAND_B) << 64) | _VARIANT | (c & low))
        for c in range(counter, counter + count)
    ]


def _uuid(value: int) -> uuid.UUID:
    """A UUID from a 128-bit int known to be valid: `uuid.UUID(int=…)` re-checks every argument
    in Python, which is half the cost of a batch; the object built here compares, hashes and
    pickles the same."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made
