"""Domain errors. They carry no transport codes; each entrypoint maps them once."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """Base of every error a use case raises on purpose."""

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    """The thing asked for does not exist (or is not visible to the caller)."""


class Conflict(DomainError):
    """The request clashes with the current state (duplicate key, stale version)."""


class InvalidInput(DomainError):
    """The request breaks a rule; `details` name the field or rule."""


class Malformed(InvalidInput):
    """A document that cannot be read at all (broken XML, not JSON); `details` say where."""


class Unauthenticated(DomainError):
    """No credential, or one that is malformed, unknown, expired or revoked."""


class Forbidden(DomainError):
    """The caller is known but may not do this."""
