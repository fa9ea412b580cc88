"""Response clocks: how fast the assigned dealer must answer a lead, and what happens if not."""

from __future__ import annotations

from datetime import datetime

from forecourt.kernel.uow import UnitOfWork
from forecourt.lead.models import Lead


def start_clock(uow: UnitOfWork, *, lead: Lead, assigned_at: datetime) -> None:
    """Start the first-response clock of a lead just assigned to a dealer (inside the caller's
    transaction, so the clock exists exactly when the assignment does)."""
