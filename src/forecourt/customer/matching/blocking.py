"""Blocking: the persistent keys under which records are stored, and candidate pairs.

A new lead is compared only with stored records that share at least one key. Keys are strings
with a kind prefix so that the customer feature can index them in one table and count them:

- ``p:<e164>``, ``p8:<last 8 digits>``: the phone, and the phone when a country code or trunk
  prefix was mis-parsed on one side.
- ``e:<email>``: the address.
- ``n:<tokens>|c:<city>``, ``a:<sorted letters>|c:<city>``, ``h:<hanzi>|c:<city>``: the name in
  its city; the sorted-letters form also catches "xiaoming" / "xiao ming".
- ``n:<tokens>|<country>``: the name in its country, for a lead whose city differs or is unknown.

Contact keys find almost every true match (people keep their number); name keys find the rest.
Common names in big cities (王伟 in Beijing) make huge blocks that cost time and can hardly
ever reach a link on the name alone, so the caller drops any key whose stored count exceeds the
limit of its kind (`usable_keys`); a phone shared by hundreds of records is not personal either.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import TypeVar

from forecourt.customer.matching.records import PersonRecord

R = TypeVar("R")

#: The most stored records a key may have and still be used to fetch candidates, per kind.
KEY_LIMITS: Mapping[str, int] = {"p": 50, "p8": 50, "e": 50, "n": 200, "a": 200, "h": 200}
DEFAULT_KEY_LIMIT = 200


def blocking_keys(record: PersonRecord) -> list[str]:
    """Every blocking key of one record (empty when it has nothing to block on)."""
    return _contact_keys(record) + _name_keys(record)


def _contact_keys(r: PersonRecord) -> list[str]:
    """Phone and e-mail keys."""
    keys = []
    if r.phone:
        keys.append(phone_key(r.phone))
        if len(r.phone) >= 9:
            keys.append(f"p8:{r.phone[-8:]}")
    if r.email:
        keys.append(email_key(r.email))
    return keys


def phone_key(phone: str) -> str:
    """The key of every identity with this E.164 phone."""
    return f"p:{phone}"


def email_key(email: str) -> str:
    """The key of every identity with this (case-folded) e-mail address."""
    return f"e:{email}"


def name_keys_in(tokens: Sequence[str], countries: Iterable[str]) -> list[str]:
    """The name-in-country keys of these name tokens in each of the countries: every identity
    with the name and a market (its own, or its city's) is under one of them."""
    name = " ".join(tokens)
    return [f"n:{name}|{country}" for country in countries]


def _name_keys(r: PersonRecord) -> list[str]:
    """Name-in-city and name-in-country keys."""
    if not r.name_tokens:
        return []
    tokens = " ".join(r.name_tokens)
    keys = []
    if r.city_id is not None:
        letters = "".join(sorted("".join(r.name_tokens)))
        keys += [f"n:{tokens}|c:{r.city_id}", f"a:{letters}|c:{r.city_id}"]
        if r.name_hanzi:
            keys.append(f"h:{r.name_hanzi}|c:{r.city_id}")
    if r.country:
        keys += name_keys_in(r.name_tokens, (r.country,))
    return keys


def key_kind(key: str) -> str:
    """The kind of a key: its prefix before the first colon."""
    return key.partition(":")[0]


def usable_keys(
    keys: Iterable[str], counts: Mapping[str, int], limits: Mapping[str, int] = KEY_LIMITS
) -> list[str]:
    """The keys worth fetching candidates by: those not shared by too many stored records."""
    return [k for k in keys if counts.get(k, 0) <= limits.get(key_kind(k), DEFAULT_KEY_LIMIT)]


# --- generic blocking for batch work (training, benchmarks) --------------------------------


def build_blocks(
    records: Sequence[R], keys_of: Callable[[R], Iterable[str]]
) -> dict[str, list[int]]:
    """Record positions grouped by key; keys held by a single record are left out."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for i, r in enumerate(records):
        for k in keys_of(r):
            blocks[k].append(i)
    return {k: v for k, v in blocks.items() if len(v) > 1}


def block_pairs(members: list[int], rate: float, rng: random.Random) -> Iterator[tuple[int, int]]:
    """The pairs of one block: all of them, or about `rate` of them drawn at random."""
    n = len(members)
    if rate >= 1.0:
        for x in range(n):
            for y in range(x + 1, n):
                yield members[x], members[y]
        return
    total = n * (n - 1) // 2
    # Binomial thinning without enumerating a block of thousands: draw the count, then pairs.
    k = int(total * rate + rng.random())
    for _ in range(k):
        x, y = rng.sample(members, 2)
        yield (x, y) if x < y else (y, x)


def candidate_pairs(
    records: Sequence[R],
    keys_of: Callable[[R], Iterable[str]],
    *,
    pair_filter: Callable[[R, R], bool] | None = None,
    max_block: int | None = None,
) -> list[tuple[int, int]]:
    """All distinct pairs sharing a key (blocks above `max_block` skipped), in a stable order."""
    seen: set[tuple[int, int]] = set()
    rng = random.Random(0)
    for members in build_blocks(records, keys_of).values():
        if max_block is not None and len(members) > max_block:
            continue
        for i, j in block_pairs(members, 1.0, rng):
            if pair_filter is None or pair_filter(records[i], records[j]):
                seen.add((i, j))
    return sorted(seen)
