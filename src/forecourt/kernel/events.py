"""Domain events: facts that happened, named on the wire as "feature.fact" with a version."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field, fields
from datetime import datetime
from typing import Any, ClassVar

from forecourt.kernel.ids import new_id


@dataclass(frozen=True, kw_only=True)
class Event:
    """Base of every domain event; subclasses set `name` and `version`."""

    name: ClassVar[str] = "event"
    version: ClassVar[int] = 1
    event_id: uuid.UUID = field(default_factory=new_id)
    occurred_at: datetime | None = None

    def payload(self) -> dict[str, Any]:
        """The event's own fields, JSON-ready (ids and times as strings). Fields hold plain
        values (ids, text, numbers, times, tuples of them), so they are read as they are:
        `dataclasses.asdict` would deep-copy each one first, for every event written."""
        return {
            item.name: _jsonable(getattr(self, item.name))
            for item in fields(self)
            if item.name not in _ENVELOPE
        }


#: Fields every event has, carried beside the payload rather than in it.
_ENVELOPE = frozenset({"event_id", "occurred_at"})


def _jsonable(value: Any) -> Any:
    if isinstance(value, uuid.UUID | datetime):
        return str(value) if isinstance(value, uuid.UUID) else value.isoformat()
    if isinstance(value, list | tuple):
        return [_jsonable(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return value
