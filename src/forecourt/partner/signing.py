"""Signing webhook bodies, and checking a signature the way a partner's receiver should.

Header: `X-Forecourt-Signature: t=<unix seconds>,v1=<hex>` where
`hex = HMAC-SHA256(key=secret as UTF-8, message=f"{t}." as UTF-8 + raw body bytes)`.
The timestamp is part of what is signed, so a captured request cannot be replayed later than
the receiver's tolerance (five minutes by default); receivers also dedupe on the event id.
"""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-Forecourt-Signature"
TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """The hex HMAC-SHA256 of `{timestamp}.{body}` under `secret`."""
    message = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def signature_header(secret: str, timestamp: int, body: bytes) -> str:
    """The value of the X-Forecourt-Signature header."""
    return f"t={timestamp},v1={signature(secret, timestamp, body)}"


def verify(
    secret: str, header: str, body: bytes, *, now: float, tolerance_s: int = TOLERANCE_S
) -> bool:
    """Whether `header` signs `body` with `secret` and its timestamp is within the tolerance."""
    parts = [item.partition("=") for item in header.split(",")]
    stamps = [value for key, _, value in parts if key.strip() == "t"]
    candidates = [value.strip() for key, _, value in parts if key.strip() == "v1"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit() or not candidates:
        return False
    timestamp = int(stamps[0])
    if abs(now - timestamp) > tolerance_s:
        return False
    expected = signature(secret, timestamp, body)
    return any(hmac.compare_digest(expected, candidate) for candidate in candidates)
