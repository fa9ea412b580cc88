"""The FastAPI application: the versioned API, its docs, and the web console."""

from __future__ import annotations

import contextlib
import gc
import logging
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from sqlalchemy.exc import SQLAlchemyError
from starlette.middleware.sessions import SessionMiddleware
from starlette.staticfiles import StaticFiles

from forecourt import __version__
from forecourt.auth import api as auth_api
from forecourt.bootstrap import Container
from forecourt.campaign import api as campaign_api
from forecourt.catalog import api as catalog_api
from forecourt.comms import api as comms_api
from forecourt.customer import api as customer_api
from forecourt.customer import model_store
from forecourt.customer.matching.normalise import normalise_person
from forecourt.dealer import api as dealer_api
from forecourt.entrypoints import web
from forecourt.entrypoints.capture_route import CaptureFastPath
from forecourt.entrypoints.capture_writer import RemoteIntake
from forecourt.entrypoints.errors import install_error_handlers
from forecourt.entrypoints.security import authenticate_api
from forecourt.lead import api as lead_api
from forecourt.lead import network as networks
from forecourt.lead import workspace_api
from forecourt.lead.intake import CaptureIntake, Intake
from forecourt.market import api as market_api
from forecourt.partner import api as partner_api

log = logging.getLogger(__name__)

API_PREFIX = "/api/v1"
PUBLIC_PATHS = frozenset(
    {f"{API_PREFIX}/health", "/api/docs", "/api/redoc", "/api/docs/oauth2-redirect"}
)


def create_app(container: Container) -> FastAPI:
    """Build the app around a wired container; nothing global, so tests build their own."""
    batching = container.engine.dialect.name == "sqlite"  # see lead.intake
    intake = _intake(container, batching=batching)

    @contextlib.asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        intake.close()  # the captures already handed to the writer are written first

    app = FastAPI(
        lifespan=lifespan,
        title="Forecourt",
        version=__version__,
        summary="One customer across every channel: network, catalogue, leads and service.",
        docs_url="/api/docs",
        redoc_url="/api/redoc",
        openapi_url=f"{API_PREFIX}/openapi.json",
    )
    app.state.container = container
    app.state.uow_factory = container.uow
    app.state.reader_factory = container.reader
    app.state.capture_intake = intake
    install_error_handlers(app)
    app.add_exception_handler(web.SignInRequired, _to_signin)
    app.include_router(_health_router(), prefix=API_PREFIX)
    app.include_router(_api_router(), prefix=API_PREFIX)
    app.include_router(web.router)
    app.mount("/static", StaticFiles(packages=[("forecourt.entrypoints", "static")]), name="static")
    app.add_middleware(
        CaptureFastPath, path=f"{API_PREFIX}/leads", intake=intake, clock=container.clock
    )
    app.add_middleware(
        SessionMiddleware,
        secret_key=container.settings.secret_key,
        max_age=container.settings.session_max_age_s,
        same_site="lax",
        session_cookie="forecourt_session",
    )
    return app


def _intake(container: Container, *, batching: bool) -> Intake:
    """Where this process's captures are written: by the capture writer process when `serve`
    started one (SQLite), else in this process."""
    local = CaptureIntake(container.uow, batching=batching, reader_factory=container.reader)
    address = container.settings.capture_writer
    if not (batching and address):
        return local
    return RemoteIntake(address, reader_factory=container.reader, local=local)


async def _to_signin(request: Request, _exc: Exception) -> Response:
    if web.from_htmx(request):
        # HTMX would swap a redirect's page into the fragment it polls: send it to sign in.
        return Response(status_code=401, headers={"HX-Redirect": "/signin"})
    return RedirectResponse("/signin", status_code=303)


def _api_router() -> APIRouter:
    # Every API route sits behind this one dependency: there is no way to add an open route by mistake.
    api = APIRouter(dependencies=[Depends(authenticate_api)])
    # Routes are tried in this order: lead capture, the busiest by far, comes first.
    features = (
        lead_api,
        market_api,
        dealer_api,
        catalog_api,
        campaign_api,
        workspace_api,
        customer_api,
        comms_api,
        partner_api,
        auth_api,
    )
    for feature in features:
        api.include_router(feature.router)
    return api


def _health_router() -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/health")
    def health() -> dict[str, str]:
        """Liveness: answers without a credential and without touching the database."""
        return {"status": "ok", "version": __version__}

    return router


def app_from_environment() -> FastAPI:
    """Factory for ASGI servers: `uvicorn --factory forecourt.entrypoints.app:app_from_environment`."""
    from forecourt.bootstrap import bootstrap  # noqa: PLC0415 - built when the server starts

    container = bootstrap()
    warm_up(container)
    app = create_app(container)
    # The reference tables just loaded (gazetteer, pinyin, phone metadata, the routing
    # snapshot) are millions of long-lived objects: moved out of the collector's sight, a full
    # collection no longer walks them all while every request waits.
    gc.freeze()
    return app


def warm_up(container: Container) -> None:
    """Load now what the first lead would otherwise wait seconds for: the gazetteer, the pinyin
    and traditional-Chinese tables, phone metadata, the match model and the routing snapshot."""
    normalise_person(
        record_id="warm-up",
        full_name="張偉",
        phone="+86 138 0013 8000",
        email="warm-up@example.com",
        city="上海",
        country="CN",
    )
    uow = container.uow()
    try:
        with uow:
            model_store.active(uow.session)
            networks.current(uow)
    except SQLAlchemyError:  # a database not migrated yet: the first request will say so
        log.warning("warm-up skipped: the database is not ready", exc_info=True)
