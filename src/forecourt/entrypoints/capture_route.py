"""The busiest request, `POST /api/v1/leads`, answered before the framework's routing when it is
an ordinary one.

Every lead captured over HTTP passes FastAPI's layers: the router's matching, the dependencies
(the credential, the request context, the Idempotency-Key header), the body's validation and
the response's wrapping, each of them general machinery that costs more per request than the
capture's own reading and deciding on this path. `CaptureFastPath` sits in front of the
framework and answers a capture itself when everything about it is plain: a bearer token this
process verified a moment ago (`auth.service.recall_token`), a JSON body that is a valid lead,
and an Idempotency-Key within its length. The lead goes to the same intake the route uses, and
the answer is the one the route gives: the same JSON and status, and a domain error as the
app's error handlers turn it into a response.

Anything else goes to the app as it came (a body already read is handed on to it): a token to
check against the database, a body that does not validate, another content type. So the route
in `lead.api` stays the one definition of this endpoint: its documentation, its validation
errors and every case this class does not answer itself.
"""

from __future__ import annotations

import json

from pydantic import ValidationError
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from forecourt.auth import service as auth
from forecourt.entrypoints.errors import domain_error_response
from forecourt.kernel.clock import Clock
from forecourt.kernel.errors import DomainError
from forecourt.kernel.principal import Principal
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.intake import Intake

IDEMPOTENCY_KEY_MAX = 200
"""As the route declares the header (`lead.api.capture_lead`)."""


class CaptureFastPath:
    """ASGI middleware answering plain lead captures at `path` (module docstring)."""

    def __init__(self, app: ASGIApp, *, path: str, intake: Intake, clock: Clock) -> None:
        self.app = app
        self._path = path
        self._intake = intake
        self._clock = clock

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST" or scope["path"] != self._path:
            await self.app(scope, receive, send)
            return
        headers = _headers(scope)
        principal = _recalled(headers.get(b"authorization"), self._clock)
        if principal is None or not _json(headers.get(b"content-type")):
            await self.app(scope, receive, send)
            return
        body = await _body(receive)
        lead, key = _lead(body), headers.get(b"idempotency-key")
        if lead is None or (key is not None and len(key) > IDEMPOTENCY_KEY_MAX):
            await self.app(scope, _replaying(body, receive), send)
            return
        response: Response
        try:
            captured = await self._intake.capture(
                principal, lead, None if key is None else key.decode("latin-1")
            )
        except DomainError as exc:
            response = domain_error_response(exc)
        else:
            response = Response(
                captured.model_dump_json(),
                media_type="application/json",
                status_code=201 if captured.created else 200,
            )
        await response(scope, receive, send)


def _headers(scope: Scope) -> dict[bytes, bytes]:
    """The request's headers by lower-case name (the server gives them so); of a repeated
    header, the last."""
    return dict(scope["headers"])


def _json(content_type: bytes | None) -> bool:
    return content_type is not None and content_type.split(b";")[0].strip() == b"application/json"


def _recalled(authorization: bytes | None, clock: Clock) -> Principal | None:
    """The principal of a bearer token this process verified a moment ago, else None."""
    if authorization is None:
        return None
    scheme, _, token = authorization.decode("latin-1").partition(" ")
    if scheme.lower() != "bearer" or not token:
        return None
    return auth.recall_token(token, clock.now())


async def _body(receive: Receive) -> bytes:
    chunks = []
    while True:
        message = await receive()
        if message["type"] != "http.request":  # the client went away
            break
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            break
    return b"".join(chunks)


def _lead(body: bytes) -> IncomingLead | None:
    """The lead, parsed and validated as the route does (JSON, then the model); None when it
    is not one, for the route to say why."""
    try:
        return IncomingLead.model_validate(json.loads(body))
    except (ValueError, ValidationError):  # JSON's errors are ValueErrors
        return None


def _replaying(body: bytes, receive: Receive) -> Receive:
    """A `receive` that gives the body already read, then whatever comes next."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replay
