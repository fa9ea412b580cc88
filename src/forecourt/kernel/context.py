"""What a request handler needs: who is calling and a unit of work acting as them.

The app sets `request.app.state.uow_factory` and, once a credential is verified,
`request.state.principal`; feature routers depend on `request_context` and never
deal with credentials themselves.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from starlette.requests import Request

from forecourt.kernel.errors import Unauthenticated
from forecourt.kernel.principal import Principal
from forecourt.kernel.uow import UnitOfWork

UowFactory = Callable[[Principal], UnitOfWork]


@dataclass(frozen=True)
class RequestContext:
    """The caller and a unit of work acting as them."""

    principal: Principal
    uow: UnitOfWork


async def request_context(request: Request) -> RequestContext:
    """FastAPI dependency: the verified caller of this request and their unit of work.

    Asynchronous because it never blocks: a plain function would be sent to the thread pool,
    a hop every API request would pay for nothing."""
    principal: Principal | None = getattr(request.state, "principal", None)
    if principal is None:
        raise Unauthenticated("a credential is required")
    factory: UowFactory = request.app.state.uow_factory
    return RequestContext(principal=principal, uow=factory(principal))
