"""API token format: `fct_` and 43 URL-safe characters (256 random bits), stored as SHA-256."""

from __future__ import annotations

import hashlib
import re
import secrets

PREFIX = "fct_"
_SHAPE = re.compile(r"^fct_[A-Za-z0-9_-]{43}$")


def new_token() -> str:
    return PREFIX + secrets.token_urlsafe(32)


def is_well_formed(token: str) -> bool:
    return bool(_SHAPE.match(token))


def token_hash(token: str) -> str:
    # A fast hash is right here: tokens carry 256 random bits, unlike passwords.
    return hashlib.sha256(token.encode()).hexdigest()
