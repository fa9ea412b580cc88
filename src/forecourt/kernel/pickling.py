"""Frozen, slotted dataclasses that cross between processes quickly.

A dataclass that is both frozen and slotted pickles through the `__getstate__` and
`__setstate__` that `dataclasses` writes for it, which look up the class's fields for every
object. The captures a server process sends its capture writer (`entrypoints.capture_writer`)
hold dozens of such objects each (the person, the plan, each candidate's evidence), and
unpickling them was a tenth of the writer's work. `by_fields` pickles such a class as a call of
its constructor with its fields' values, read in one step.
"""

from __future__ import annotations

import dataclasses
import operator
from typing import Any, TypeVar

T = TypeVar("T")


def by_fields(cls: type[T]) -> type[T]:
    """Class decorator, above `@dataclass`: pickle the class as `cls(*values of its fields)`.
    Every field must be an argument of the constructor, and `__post_init__` must not change
    what it is given (it runs again on unpickling)."""
    fields = dataclasses.fields(cls)  # type: ignore[arg-type]
    if not all(field.init for field in fields):
        raise TypeError(f"{cls.__name__} has fields its constructor does not take")
    values = operator.attrgetter(*(field.name for field in fields))
    single = len(fields) == 1

    def __reduce__(self: Any) -> tuple[type[T], tuple[Any, ...]]:  # noqa: N807
        found = values(self)
        return cls, (found,) if single else found

    cls.__reduce__ = __reduce__  # type: ignore[method-assign]
    return cls
