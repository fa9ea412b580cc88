"""What the lead feature returns at its edges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from forecourt.lead.incoming import RowError


class LeadRead(BaseModel):
    """A captured lead: who it was resolved to, what it is credited to, what was odd about it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    source_id: str | None
    customer_id: uuid.UUID
    identity_id: uuid.UUID
    resolution: str
    market_code: str | None
    dealer_id: uuid.UUID | None
    requested_dealer_code: str | None
    campaign_id: uuid.UUID | None
    campaign_code: str | None
    attribution: str
    utm: dict[str, str]
    model_interest: str | None
    status: str
    issues: list[str]
    attributes: dict[str, Any]
    created_at: datetime
    received_at: datetime
    score: float | None = None
    priority: str = "normal"
    assigned_staff_id: uuid.UUID | None = None
    assigned_at: datetime | None = None


class Captured(BaseModel):
    """The result of one capture: the lead, whether this call created it, and the match evidence."""

    lead: LeadRead
    created: bool
    match_probability: float | None = None
    match_evidence: list[dict[str, Any]] = Field(default_factory=list)


class RejectedRow(BaseModel):
    """One record of a batch that was not taken, and why."""

    line: int
    field: str | None
    reason: str
    source_id: str | None = None

    @classmethod
    def of(cls, error: RowError) -> RejectedRow:
        return cls(**error.as_dict())


class BatchResult(BaseModel):
    """What a batch (an ADF document, an import file) brought: every lead taken, every row refused."""

    accepted: list[Captured]
    rejected: list[RejectedRow]


class RoutingDecisionRead(BaseModel):
    """One routing of a lead: what was decided, by which rule, and every reason."""

    model_config = ConfigDict(from_attributes=True)

    attempt: int
    trigger: str
    trigger_reason: str | None
    outcome: str
    rule: str | None
    dealer_id: uuid.UUID | None
    dealer_code: str | None
    staff_id: uuid.UUID | None
    distance_km: float | None
    reasons: list[str]
    candidates: list[dict[str, Any]]
    decided_at: datetime


class LeadRouting(BaseModel):
    """Why a lead is where it is: its score with the factors behind it, and every routing."""

    lead_id: uuid.UUID
    status: str
    priority: str
    score: float | None
    score_reasons: list[dict[str, Any]]
    dealer_id: uuid.UUID | None
    assigned_staff_id: uuid.UUID | None
    assigned_at: datetime | None
    decisions: list[RoutingDecisionRead]
