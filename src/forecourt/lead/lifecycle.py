"""A lead's life: its statuses, the moves between them, and the event every move announces.

new → assigned → accepted → contacted → appointment → test_drive_booked → won | lost;
"unassigned" when no eligible dealer exists; "escalated" when the network failed to answer in
time and the market manager must step in. Won and lost are final.
"""

from __future__ import annotations

from forecourt.kernel.errors import Conflict, InvalidInput
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead.events import LeadStatusChanged
from forecourt.lead.models import Lead

# What a dealer may set from the workspace; the rest is set by routing and the response clock.
DEALER_STATUSES = ("contacted", "appointment", "test_drive_booked", "won", "lost")
FINAL = frozenset({"won", "lost"})
# Once the dealer has reached out, the lead stays with them: no re-route, no breach.
OPEN = frozenset({"assigned", "accepted", "escalated"})

_SALES = ("contacted", "appointment", "test_drive_booked", "won", "lost")
TRANSITIONS: dict[str, frozenset[str]] = {
    "new": frozenset({"assigned", "unassigned", "escalated"}),
    "unassigned": frozenset({"assigned", "escalated", "lost"}),
    "assigned": frozenset({"assigned", "accepted", "unassigned", "escalated", *_SALES}),
    "accepted": frozenset({"assigned", "unassigned", "escalated", *_SALES}),
    "escalated": frozenset({"assigned", "accepted", *_SALES}),
    "contacted": frozenset({"appointment", "test_drive_booked", "won", "lost"}),
    "appointment": frozenset({"contacted", "test_drive_booked", "won", "lost"}),
    "test_drive_booked": frozenset({"appointment", "won", "lost"}),
    "won": frozenset(),
    "lost": frozenset(),
}


def check_move(old: str, new: str, reason: str | None) -> None:
    """Refuse a move the life of a lead does not allow, naming the field."""
    if new not in TRANSITIONS:
        raise InvalidInput(
            f"unknown status {new!r}; one of {', '.join(TRANSITIONS)}",
            field="status",
        )
    if new == "lost" and not (reason and reason.strip()):
        raise InvalidInput("a lost lead needs a reason", field="reason")
    if new not in TRANSITIONS.get(old, frozenset()):
        raise Conflict(
            f"a lead that is {old} cannot become {new}",
            field="status",
            status=old,
            allowed=sorted(TRANSITIONS.get(old, ())),
        )


def change_status(uow: UnitOfWork, lead: Lead, new: str, *, reason: str | None = None) -> bool:
    """Move a lead on and announce it; False (and nothing announced) if it is there already."""
    old = lead.status
    if old == new and new != "assigned":  # a re-route is a move to a new dealer, not a no-op
        return False
    check_move(old, new, reason)
    lead.status = new
    uow.emit(
        LeadStatusChanged(
            lead_id=lead.id,
            dealer_id=lead.dealer_id,
            market_code=lead.market_code,
            old_status=old,
            new_status=new,
            reason=reason,
        )
    )
    return True
