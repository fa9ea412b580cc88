"""The web console: sign-in and the operations overview, rendered on the server (Jinja2 + HTMX)."""

from __future__ import annotations

import secrets
import uuid
from collections import Counter
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from forecourt.auth import service as auth
from forecourt.catalog import service as catalog
from forecourt.dealer import service as dealer
from forecourt.entrypoints.errors import status_of
from forecourt.entrypoints.security import session_principal
from forecourt.kernel.errors import DomainError, Forbidden, Unauthenticated
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import activity, escalation, explain
from forecourt.market import service as market

templates = Jinja2Templates(directory=Path(__file__).parent / "templates")
router = APIRouter(include_in_schema=False)


class SignInRequired(Exception):
    """Raised by page dependencies; the app turns it into a redirect to the sign-in page."""


def _uow(request: Request, principal: Principal) -> UnitOfWork:
    uow: UnitOfWork = request.app.state.uow_factory(principal)
    return uow


def _reader(request: Request, principal: Principal) -> UnitOfWork:
    """The pages only read: they never wait for the write lock a capture holds."""
    uow: UnitOfWork = request.app.state.reader_factory(principal)
    return uow


def page_principal(request: Request) -> Principal:
    """The signed-in user of a page, or a redirect to sign in."""
    try:
        return session_principal(request)
    except Unauthenticated as exc:
        raise SignInRequired from exc


Viewer = Annotated[Principal, Depends(page_principal)]


ACTIVITY_ROWS = 20  # the latest leads the overview's live activity shows


def from_htmx(request: Request) -> bool:
    """Whether HTMX sent the request (for a fragment of a page, not the page)."""
    return request.headers.get("HX-Request") == "true"


def csrf_token(request: Request) -> str:
    """The session's anti-forgery token, made on first use; every form posts it back."""
    token = request.session.get("csrf")
    if not token:
        token = request.session["csrf"] = secrets.token_urlsafe(24)
    return str(token)


def _check_csrf(request: Request, token: str) -> None:
    if not secrets.compare_digest(token, csrf_token(request)):
        raise Forbidden("the form has expired; reload the page")


@router.get("/signin", response_class=HTMLResponse)
def signin_page(request: Request) -> Response:
    """The sign-in form."""
    return _render(request, "signin.html", {"error": None, "email": ""})


@router.post("/signin", response_class=HTMLResponse)
def signin(
    request: Request,
    email: Annotated[str, Form()],
    password: Annotated[str, Form()],
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """Check the password; on success start a session and go to the overview."""
    _check_csrf(request, csrf)
    try:
        principal = auth.authenticate_password(
            _uow(request, SYSTEM), email=email, password=password
        )
    except Unauthenticated:
        context = {"error": "Wrong e-mail or password.", "email": email}
        return _render(request, "signin.html", context, status_code=401)
    request.session.clear()
    request.session["user_id"] = str(principal.user_id)
    return RedirectResponse("/", status_code=303)


@router.post("/signout")
def signout(request: Request, csrf: Annotated[str, Form()] = "") -> Response:
    """End the session."""
    _check_csrf(request, csrf)
    request.session.clear()
    return RedirectResponse("/signin", status_code=303)


@router.get("/", response_class=HTMLResponse)
def overview(request: Request, viewer: Viewer) -> Response:
    """The network and the catalogue at a glance, within the viewer's scope."""
    uow = _reader(request, viewer)
    with uow:  # one transaction: the services join it
        dealers = dealer.list_dealers(uow)
        context = {
            "viewer": viewer,
            "markets": market.list_markets(uow),
            "dealers": dealers,
            "dealer_counts": Counter((d.market_code, d.kind) for d in dealers),
            "catalog": catalog.get_catalog(uow),
            "activity": activity.recent_activity(uow, limit=ACTIVITY_ROWS),
        }
    return _render(request, "overview.html", context)


@router.get("/console/activity", response_class=HTMLResponse)
def activity_feed(request: Request, viewer: Viewer) -> Response:
    """HTMX fragment, polled by the overview: the latest leads and today's counts in scope."""
    found = activity.recent_activity(_reader(request, viewer), limit=ACTIVITY_ROWS)
    return _render(request, "_activity.html", {"activity": found})


@router.get("/console/leads/{lead_id}", response_class=HTMLResponse)
def lead_routing(request: Request, viewer: Viewer, lead_id: uuid.UUID) -> Response:
    """Why a lead went where it went (score and routing reasons): a fragment for HTMX, else a
    page, which offers a market manager the actions on an escalated lead."""
    return _lead_page(request, viewer, lead_id)


def _lead_page(
    request: Request,
    viewer: Principal,
    lead_id: uuid.UUID,
    *,
    notice: str | None = None,
    problem: str | None = None,
    code: int = 200,
) -> Response:
    try:
        context: dict[str, Any] = {
            "routing": explain.routing_of(_reader(request, viewer), lead_id=lead_id)
        }
    except DomainError as exc:
        context = {"routing": None, "error": exc.message}
        code = status_of(exc)
    if from_htmx(request):
        # HTMX swaps only successful answers; the message is the content either way.
        return _render(request, "_lead_routing.html", context)
    context |= {"viewer": viewer, "notice": notice, "problem": problem}
    return _render(request, "lead.html", context, status_code=code)


@router.post("/console/leads/{lead_id}/escalation", response_class=HTMLResponse)
def handle_escalation(
    request: Request,
    viewer: Viewer,
    lead_id: uuid.UUID,
    action: Annotated[str, Form()],
    reason: Annotated[str, Form()] = "",
    dealer_code: Annotated[str, Form()] = "",
    csrf: Annotated[str, Form()] = "",
) -> Response:
    """A market manager's action on an escalated lead, from its page: give it to a dealer of
    their choice, or close it as lost; the page again, with what happened or why not."""
    _check_csrf(request, csrf)
    uow = _uow(request, viewer)
    try:
        if action == "assign":
            done = escalation.assign_escalated(
                uow, lead_id=lead_id, dealer_code=dealer_code, reason=reason
            )
            notice = f"Assigned to {done.dealer_code}."
        else:
            escalation.close_escalated(uow, lead_id=lead_id, reason=reason)
            notice = "Closed as lost."
    except DomainError as exc:
        return _lead_page(request, viewer, lead_id, problem=exc.message, code=status_of(exc))
    return _lead_page(request, viewer, lead_id, notice=notice)


@router.get("/console/nearest", response_class=HTMLResponse)
def nearest(request: Request, viewer: Viewer, city: str = "", country: str = "") -> Response:
    """HTMX fragment: the dealers nearest a city typed in any script."""
    try:
        found = dealer.nearest_dealers(
            _reader(request, viewer), city=city, country=country or None, limit=5
        )
        context: dict[str, Any] = {"results": found, "error": None, "suggestions": []}
    except DomainError as exc:
        context = {
            "results": [],
            "error": exc.message,
            "suggestions": exc.details.get("suggestions", []),
        }
    return _render(request, "_nearest.html", context)


def _render(
    request: Request, name: str, context: dict[str, Any], status_code: int = 200
) -> Response:
    context = {**context, "csrf": csrf_token(request)}
    return templates.TemplateResponse(request, name, context, status_code=status_code)
