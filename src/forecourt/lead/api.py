"""HTTP routes of leads: capture as JSON or ADF XML, read one, export one as ADF."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Header, Request, Response

from forecourt.kernel.context import RequestContext, request_context
from forecourt.lead import explain, service
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.intake import Intake
from forecourt.lead.schemas import BatchResult, Captured, LeadRead, LeadRouting

router = APIRouter(tags=["leads"])
Ctx = Annotated[RequestContext, Depends(request_context)]
ADF_TYPES = ["application/x-adf+xml", "text/xml", "application/xml"]


@router.post("/leads", status_code=201, response_model=Captured)
async def capture_lead(
    ctx: Ctx,
    request: Request,
    body: IncomingLead,
    idempotency_key: Annotated[str | None, Header(max_length=200)] = None,
) -> Response:
    """Capture one lead; a retry with the same Idempotency-Key or (channel, source_id) returns the
    first capture with 200 instead of creating a second lead. Leads arriving together are
    committed together (`lead.intake`), by a writer the request awaits on the event loop."""
    intake: Intake = request.app.state.capture_intake
    captured = await intake.capture(ctx.principal, body, idempotency_key)
    # Serialised by pydantic in one step (the same JSON JSONResponse would write from a dict).
    return Response(
        captured.model_dump_json(),
        media_type="application/json",
        status_code=201 if captured.created else 200,
    )


@router.post(
    "/leads/adf",
    openapi_extra={
        "requestBody": {
            "content": {t: {"schema": {"type": "string"}} for t in ADF_TYPES},
            "required": True,
        }
    },
)
def capture_adf(
    ctx: Ctx, body: Annotated[bytes, Body(media_type="application/x-adf+xml")]
) -> BatchResult:
    """Capture every prospect of an ADF 1.0 document; invalid prospects are reported, valid ones kept.
    Broken XML answers 400 with its line and column."""
    return service.capture_adf(ctx.uow, document=body)


@router.get("/leads/{lead_id}")
def get_lead(ctx: Ctx, lead_id: uuid.UUID) -> LeadRead:
    """One lead, within the caller's scope."""
    return service.get_lead(ctx.uow, lead_id=lead_id)


@router.get(
    "/leads/{lead_id}/adf",
    response_class=Response,
    responses={200: {"content": {"application/x-adf+xml": {}}}},
)
def get_lead_adf(ctx: Ctx, lead_id: uuid.UUID) -> Response:
    """One lead as an ADF 1.0 document, for dealer systems that expect it."""
    return Response(
        service.lead_as_adf(ctx.uow, lead_id=lead_id), media_type="application/x-adf+xml"
    )


@router.get("/leads/{lead_id}/routing")
def get_lead_routing(ctx: Ctx, lead_id: uuid.UUID) -> LeadRouting:
    """Why a lead is where it is: its score with the factors behind it, and every routing
    decision (dealer, salesperson, rule, reasons, the candidates weighed)."""
    return explain.routing_of(ctx.uow, lead_id=lead_id)
