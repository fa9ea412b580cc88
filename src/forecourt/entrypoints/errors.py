"""Maps domain errors to HTTP once, for the whole API."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from forecourt.kernel.errors import (
    Conflict,
    DomainError,
    Forbidden,
    InvalidInput,
    Malformed,
    NotFound,
    Unauthenticated,
)

# The first entry an error is an instance of wins, so subclasses come before their bases.
STATUS: dict[type[DomainError], int] = {
    Malformed: 400,
    NotFound: 404,
    Conflict: 409,
    InvalidInput: 422,
    Unauthenticated: 401,
    Forbidden: 403,
}


def error_body(exc: DomainError) -> dict[str, object]:
    """The JSON body of an error: a stable type, a sentence, and the details naming what broke."""
    kind = type(exc).__name__
    return {"error": {"type": kind, "message": exc.message, "details": exc.details}}


def status_of(exc: DomainError) -> int:
    """The HTTP status of a domain error (the first matching class in STATUS)."""
    return next(code for cls, code in STATUS.items() if isinstance(exc, cls))


async def _domain_error(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_error_response(exc)


def domain_error_response(exc: DomainError) -> JSONResponse:
    """The response to a domain error, as every API route gives it."""
    status = status_of(exc)
    if isinstance(exc, Unauthenticated):
        # Say nothing about why: a malformed, unknown and expired token look the same.
        body = {"error": {"type": "Unauthenticated", "message": "valid credentials required"}}
        return JSONResponse(body, status_code=401, headers={"WWW-Authenticate": "Bearer"})
    return JSONResponse(error_body(exc), status_code=status)


def install_error_handlers(app: FastAPI) -> None:
    """Register the domain-error mapping on `app`."""
    for cls in STATUS:
        app.add_exception_handler(cls, _domain_error)
