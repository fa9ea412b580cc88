"""Frozen, slotted dataclasses pickled as a call of their constructor."""

from __future__ import annotations

import pickle
from dataclasses import dataclass, field

import pytest

from forecourt.customer.matching.normalise import normalise_person
from forecourt.kernel import pickling


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class Pair:
    left: str
    right: tuple[int, ...] = ()


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class Alone:
    only: int


def test_an_object_comes_back_equal_and_through_its_constructor() -> None:
    pair = Pair("a", (1, 2))
    assert pickle.loads(pickle.dumps(pair)) == pair
    assert pickle.loads(pickle.dumps(Alone(3))) == Alone(3)
    assert pair.__reduce__() == (Pair, ("a", (1, 2)))


def test_a_normalised_person_crosses_whole() -> None:
    person = normalise_person(
        record_id="r1", full_name="張偉", phone="138 0013 8000", city="上海", country="CN"
    )
    assert pickle.loads(pickle.dumps(person)) == person


def test_a_field_the_constructor_does_not_take_is_refused() -> None:
    with pytest.raises(TypeError, match="constructor"):

        @pickling.by_fields
        @dataclass(frozen=True, slots=True)
        class Derived:
            base: int
            twice: int = field(init=False, default=0)
