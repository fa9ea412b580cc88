"""Use cases of the people who run the network on an escalated lead: give it to a dealer of
their choice, or close it as lost.

Only HQ and the managers of the lead's market act, only on a lead that is escalated, and always
with a reason. A manual assignment goes to an eligible dealer of the lead's market (or of its data
region when the market has no dealer of its own: a person's data never leaves it); it is stored as
a routing decision with rule "manual", counted against the dealer's day, announced like any
assignment (so partner webhooks hear of it) and starts a fresh response clock. Should that dealer
miss it too, the clock's usual course follows: a lead escalated for its breaches is already over
the re-routing limit, so it comes straight back to the manager.
"""

from __future__ import annotations

import uuid

from forecourt.kernel.errors import Conflict, Forbidden, InvalidInput, NotFound
from forecourt.kernel.principal import Principal
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import assignment, response
from forecourt.lead import network as networks
from forecourt.lead import repository as lead_repository
from forecourt.lead.lifecycle import change_status
from forecourt.lead.models import Lead
from forecourt.lead.network import DealerEntry, Network
from forecourt.lead.workspace_schemas import EscalationHandled

ESCALATED = "escalated"


def assign_escalated(
    uow: UnitOfWork, *, lead_id: uuid.UUID, dealer_code: str, reason: str
) -> EscalationHandled:
    """Give an escalated lead to a dealer the manager chose, with a fresh response clock."""
    _require_manager(uow.actor)
    why = _checked_reason(reason)
    with uow:
        lead = _escalated_lead(uow, lead_id)
        dealer = _eligible(networks.current(uow), lead, dealer_code)
        done = assignment.assign_manually(uow, lead=lead, dealer=dealer, reason=why)
        if done is None:
            raise Conflict(
                f"dealer {dealer.code} has taken its {dealer.capacity} leads today",
                field="dealer_code",
            )
        lead.status_reason = why
        _audit(uow, lead, "lead.escalation_assigned", {"dealer_code": dealer.code, "reason": why})
        uow.commit()
        return _handled(lead, why, dealer.code)


def close_escalated(uow: UnitOfWork, *, lead_id: uuid.UUID, reason: str) -> EscalationHandled:
    """Close an escalated lead as lost, with the manager's reason."""
    _require_manager(uow.actor)
    why = _checked_reason(reason)
    with uow:
        lead = _escalated_lead(uow, lead_id)
        response.stop_clock(uow, lead=lead, at=uow.clock.now())
        change_status(uow, lead, "lost", reason=why)
        lead.status_reason = why
        _audit(uow, lead, "lead.escalation_closed", {"status": "lost", "reason": why})
        uow.commit()
        return _handled(lead, why, None)


def _require_manager(actor: Principal) -> None:
    if not actor.runs_markets:
        raise Forbidden("escalated leads are handled by HQ and market managers", field="role")


def _checked_reason(reason: str) -> str:
    why = reason.strip()
    if len(why) < 3:
        raise InvalidInput("say why, in at least 3 characters", field="reason")
    return why[:500]


def _escalated_lead(uow: UnitOfWork, lead_id: uuid.UUID) -> Lead:
    """The lead, locked, if the caller runs its market and it is escalated."""
    lead = lead_repository.get_for_update(uow.session, lead_id)
    if lead is None:
        raise NotFound("no such lead", field="lead_id")
    if not uow.actor.is_hq and lead.market_code not in uow.actor.market_codes:
        raise Forbidden(f"market {lead.market_code} is outside your markets", field="lead_id")
    if lead.status != ESCALATED:
        raise Conflict(
            f"only an escalated lead is handled here; this one is {lead.status}", field="status"
        )
    return lead


def _eligible(network: Network, lead: Lead, code: str) -> DealerEntry:
    """The dealer by code if it may take the lead: active, carrying the brand, with a capacity,
    of the lead's market (or its data region, when the market has no dealer of its own)."""
    dealer = network.by_code.get(code.strip().upper())
    if dealer is None:
        raise InvalidInput(f"no dealer {code}", field="dealer_code")
    if dealer.why_not:
        raise InvalidInput(f"dealer {dealer.code} {dealer.why_not}", field="dealer_code")
    market = lead.market_code or ""
    if dealer.market_code == market:
        return dealer
    if market in network.markets:
        message = f"dealer {dealer.code} is not of market {market}, which has its own dealers"
        raise InvalidInput(message, field="dealer_code")
    region = network.data_regions.get(market)
    if region is None or dealer.data_region != region:
        message = f"dealer {dealer.code} is outside the data region of market {market}"
        raise InvalidInput(message, field="dealer_code")
    return dealer


def _handled(lead: Lead, reason: str, dealer_code: str | None) -> EscalationHandled:
    return EscalationHandled(
        lead_id=lead.id,
        status="lost" if dealer_code is None else "assigned",
        dealer_code=dealer_code,
        staff_id=lead.assigned_staff_id if dealer_code else None,
        response_due_at=lead.response_due_at,
        reason=reason,
    )


def _audit(uow: UnitOfWork, lead: Lead, action: str, changes: dict[str, object]) -> None:
    uow.audit(action, "lead", lead.id, changes=changes, market_code=lead.market_code)
