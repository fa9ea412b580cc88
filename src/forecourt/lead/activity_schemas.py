"""What the live activity view reads: the latest leads as they were handled, and today's counts."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

ClockState = Literal["due", "warning", "overdue", "answered", "escalated", "none"]


class ResponseClockView(BaseModel):
    """Where a lead's first-response clock stands now, in words and in minutes."""

    state: ClockState
    minutes: int | None = None
    label: str


class RoutingView(BaseModel):
    """The latest routing of a lead in short: the dealer it went to and why."""

    outcome: str | None = None
    dealer_id: uuid.UUID | None = None
    dealer_code: str | None = None
    dealer_name: str | None = None
    reason: str = ""
    attempt: int = 0


class ActivityLead(BaseModel):
    """One recent lead: where it came from, who it is, how promising, where it went, its clock."""

    id: uuid.UUID
    received_at: datetime
    channel: str
    campaign_code: str | None
    market_code: str | None
    city: str | None
    display_name: str | None
    resolution: str
    match_probability: float | None
    score: float | None
    priority: str
    status: str
    routing: RoutingView
    clock: ResponseClockView


class ActivityCounts(BaseModel):
    """Today's figures (UTC day) within the caller's scope."""

    since: datetime
    captured: int = 0
    new_customers: int = 0
    returning: int = 0
    in_review: int = 0
    assigned: int = 0
    unassigned: int = 0
    clocks_running: int = 0
    warnings: int = 0
    breaches: int = 0
    escalations: int = 0
    by_channel: dict[str, int] = Field(default_factory=dict)


class RecentActivity(BaseModel):
    """The live view: the latest leads, newest first, and today's counts, as of `at`."""

    at: datetime
    leads: list[ActivityLead]
    counts: ActivityCounts
