"""An in-process message bus: handlers subscribe to event types and run after commit."""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Callable
from typing import Any

from forecourt.kernel.events import Event

log = logging.getLogger(__name__)

Handler = Callable[[Any], None]


class MessageBus:
    """Dispatches committed events to their handlers; one failing handler never stops the rest."""

    def __init__(self) -> None:
        self._handlers: dict[type[Event], list[Handler]] = defaultdict(list)

    def subscribe(self, event_type: type[Event], handler: Handler) -> None:
        self._handlers[event_type].append(handler)

    def publish(self, event: Event) -> None:
        for handler in self._handlers.get(type(event), []):
            try:
                handler(event)
            except (
                Exception
            ):  # a handler's failure is logged; the outbox keeps the event for replay
                log.exception("handler %r failed on %s %s", handler, event.name, event.event_id)
