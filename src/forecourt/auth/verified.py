"""Bearer tokens this process verified a moment ago, so most API calls skip the token query.

Every API request carries a token; looking it up is a query and, in the server, a hop to the
thread pool before the request's own work starts. A token verified against the database is
trusted for `TRUST_S` seconds in this process (never past its expiry). A revocation takes effect
at once in the process that made it, which forgets the token, and within `TRUST_S` in the
server's other processes.
"""

from __future__ import annotations

import threading
import time
from datetime import datetime

from forecourt.kernel.principal import Principal

TRUST_S = 5.0
MAX_KNOWN = 10_000

_known: dict[str, tuple[float, datetime, Principal]] = {}
_lock = threading.Lock()


def recall(token_hash: str, now: datetime) -> Principal | None:
    """The principal of a token verified less than `TRUST_S` ago and not expired, else None."""
    found = _known.get(token_hash)
    if found is None:
        return None
    verified_at, expires_at, principal = found
    if time.monotonic() - verified_at > TRUST_S or now >= expires_at:
        return None
    return principal


def remember(token_hash: str, expires_at: datetime, principal: Principal) -> None:
    """Trust a token just verified against the database for the next `TRUST_S` seconds."""
    with _lock:
        if len(_known) >= MAX_KNOWN:
            _known.clear()  # a bound, not an eviction policy: the next calls verify again
        _known[token_hash] = (time.monotonic(), expires_at, principal)


def forget(token_hash: str | None = None) -> None:
    """Stop trusting one token (it was revoked), or every token."""
    with _lock:
        if token_hash is None:
            _known.clear()
        else:
            _known.pop(token_hash, None)
