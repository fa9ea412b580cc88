"""Reading why a lead went where it went: its score and its stored routing decisions."""

from __future__ import annotations

import uuid

from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import repository, service
from forecourt.lead.schemas import LeadRouting, RoutingDecisionRead


def routing_of(uow: UnitOfWork, *, lead_id: uuid.UUID) -> LeadRouting:
    """A lead's score and reasons and every routing decision, if the caller may see the lead."""
    service.get_lead(uow, lead_id=lead_id)  # NotFound / Forbidden, as for the lead itself
    with uow:
        lead = repository.get(uow.session, lead_id)
        assert lead is not None  # just read above
        decisions = repository.decisions(uow.session, lead_id)
        return LeadRouting(
            lead_id=lead.id,
            status=lead.status,
            priority=lead.priority,
            score=lead.score,
            score_reasons=lead.score_reasons,
            dealer_id=lead.dealer_id,
            assigned_staff_id=lead.assigned_staff_id,
            assigned_at=lead.assigned_at,
            decisions=[RoutingDecisionRead.model_validate(d) for d in decisions],
        )
