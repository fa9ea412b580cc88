"""Verifying callers: bearer tokens for the API, the signed session cookie for the web console."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from starlette.concurrency import run_in_threadpool

from forecourt.auth import service as auth
from forecourt.kernel.errors import Unauthenticated
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.uow import UnitOfWork

bearer = HTTPBearer(auto_error=False, description="An API token: `Authorization: Bearer fct_…`")


def _system_uow(request: Request) -> UnitOfWork:
    # Checking a credential only reads: it must not queue behind a capture for the write lock.
    uow: UnitOfWork = request.app.state.reader_factory(SYSTEM)
    return uow


async def authenticate_api(
    request: Request,
    credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)],
) -> Principal:
    """Verify the bearer token (or, for the console's own calls, the session) and remember who it is.

    A token this process verified a moment ago is trusted without a query, on the event loop;
    anything else is checked against the database in the thread pool."""
    if credentials is not None:
        token, uow = credentials.credentials, _system_uow(request)
        principal = auth.recall_token(token, uow.clock.now())
        if principal is None:
            principal = await run_in_threadpool(auth.authenticate_token, uow, token=token)
    elif request.headers.get("authorization"):
        raise Unauthenticated("malformed authorization header")
    else:
        principal = await run_in_threadpool(session_principal, request)
    request.state.principal = principal
    return principal


def session_principal(request: Request) -> Principal:
    """The user signed in to the web console, from the signed session cookie."""
    user_id = request.session.get("user_id")
    if not user_id:
        raise Unauthenticated("not signed in")
    principal = auth.principal_for_session(_system_uow(request), user_id=str(user_id))
    request.state.principal = principal
    return principal
