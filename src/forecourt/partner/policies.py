"""Pure rules of partner webhooks: what may be subscribed to, where events may be sent."""

from __future__ import annotations

import re
from collections.abc import Sequence
from urllib.parse import urlsplit

from forecourt.kernel.errors import InvalidInput

# The events partners may subscribe to; their payloads carry ids and codes, never personal data.
PUBLISHED_EVENTS = ("lead.assigned", "lead.status_changed")
_MARKET = re.compile(r"^[A-Z]{2}$")


def checked_url(url: str) -> str:
    """An absolute http(s) URL with a host, or InvalidInput naming the field."""
    parts = urlsplit(url.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInput("the URL must be absolute http:// or https:// with a host", field="url")
    if parts.username or parts.password:
        raise InvalidInput(
            "put no credentials in the URL; the signature authenticates", field="url"
        )
    return url.strip()


def checked_events(events: Sequence[str]) -> list[str]:
    """Known event names, each once, in a stable order; InvalidInput naming the unknown ones."""
    unknown = sorted({e for e in events if e not in PUBLISHED_EVENTS})
    if unknown:
        known = ", ".join(PUBLISHED_EVENTS)
        raise InvalidInput(
            f"unknown event {', '.join(unknown)}; known: {known}", field="events", unknown=unknown
        )
    return sorted(set(events))


def checked_market_codes(codes: Sequence[str]) -> list[str]:
    """Market codes upper-cased, each once; InvalidInput for anything not two letters."""
    upper = sorted({code.strip().upper() for code in codes})
    bad = [code for code in upper if not _MARKET.match(code)]
    if bad:
        raise InvalidInput(f"not a market code: {', '.join(bad)}", field="market_codes")
    return upper


def wants(
    event_names: Sequence[str], market_codes: Sequence[str], name: str, market: str | None
) -> bool:
    """Whether a subscription takes an event of `name` from `market`."""
    return name in event_names and (not market_codes or market in market_codes)


def secret_hint(secret: str) -> str:
    """Enough of a secret to tell two apart, not enough to use."""
    return f"…{secret[-4:]}"
