"""Identifiers: UUIDv7, so primary keys sort by creation time and index well."""

from __future__ import annotations

import uuid

import uuid6


def new_id() -> uuid.UUID:
    """Return a new time-ordered UUIDv7 as a standard `uuid.UUID`."""
    return uuid.UUID(int=uuid6.uuid7().int)
