"""Leads as captured."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from forecourt.db.base import Base
from forecourt.db.types import PortableJSON
from forecourt.kernel.ids import new_id


class Lead(Base):
    """One enquiry, with the customer it was resolved to and the campaign it is credited to."""

    __tablename__ = "lead"
    __table_args__ = (
        UniqueConstraint("channel", "source_id"),
        Index("ix_lead_customer", "customer_id", "received_at"),
        Index("ix_lead_dealer_status", "dealer_id", "status"),
        # The latest leads and today's counts of the live activity view.
        Index("ix_lead_received_at", "received_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    channel: Mapped[str] = mapped_column(String(20))
    source_id: Mapped[str | None] = mapped_column(String(200), default=None)
    idempotency_key: Mapped[str | None] = mapped_column(String(200), unique=True, default=None)
    customer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("customer.id"))
    identity_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("source_identity.id"))
    resolution: Mapped[str] = mapped_column(String(10))
    market_code: Mapped[str | None] = mapped_column(String(2), default=None, index=True)
    # Read through ix_lead_dealer_status, whose first column it is.
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dealer.id"), default=None)
    requested_dealer_code: Mapped[str | None] = mapped_column(String(40), default=None)
    campaign_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("campaign.id"), default=None, index=True
    )
    campaign_code: Mapped[str | None] = mapped_column(String(40), default=None)
    attribution: Mapped[str] = mapped_column(String(15))
    utm: Mapped[dict[str, str]] = mapped_column(PortableJSON, default=dict)
    model_interest: Mapped[str | None] = mapped_column(String(100), default=None)
    status: Mapped[str] = mapped_column(String(20), default="new")
    issues: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    attributes: Mapped[dict[str, Any]] = mapped_column(PortableJSON, default=dict)
    created_at: Mapped[datetime]
    received_at: Mapped[datetime]
    # The response clock: the current dealer's deadline while a clock runs (None otherwise), and
    # when the network first answered.
    response_due_at: Mapped[datetime | None] = mapped_column(default=None, index=True)
    first_response_at: Mapped[datetime | None] = mapped_column(default=None)
    sla_breaches: Mapped[int] = mapped_column(default=0)
    accepted_at: Mapped[datetime | None] = mapped_column(default=None)
    escalated_at: Mapped[datetime | None] = mapped_column(default=None)
    # Why the lead is where it is: a lost lead's reason, the cause of an escalation.
    status_reason: Mapped[str | None] = mapped_column(String(500), default=None)
    # Routing: where the person is (their city), how promising the lead is, who has it.
    latitude: Mapped[float | None] = mapped_column(default=None)
    longitude: Mapped[float | None] = mapped_column(default=None)
    score: Mapped[float | None] = mapped_column(default=None)
    score_reasons: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    priority: Mapped[str] = mapped_column(String(6), default="normal")
    # Counted per dealer (ix_lead_dealer_status), never looked up on its own.
    assigned_staff_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("dealer_staff.id"), default=None
    )
    assigned_at: Mapped[datetime | None] = mapped_column(default=None)
    routing_attempts: Mapped[int] = mapped_column(default=0)


class RoutingDecision(Base):
    """One routing of a lead (at capture or a re-route): the dealer and person chosen, or none,
    with every reason, so the decision can be explained later."""

    __tablename__ = "routing_decision"
    __table_args__ = (Index("ix_routing_decision_lead", "lead_id", "attempt"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lead.id", ondelete="CASCADE"))
    attempt: Mapped[int]
    trigger: Mapped[str] = mapped_column(String(20))
    trigger_reason: Mapped[str | None] = mapped_column(String(200), default=None)
    outcome: Mapped[str] = mapped_column(String(12))
    rule: Mapped[str | None] = mapped_column(String(20), default=None)
    dealer_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dealer.id"), default=None)
    dealer_code: Mapped[str | None] = mapped_column(String(16), default=None)
    staff_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("dealer_staff.id"), default=None)
    distance_km: Mapped[float | None] = mapped_column(default=None)
    reasons: Mapped[list[str]] = mapped_column(PortableJSON, default=list)
    candidates: Mapped[list[dict[str, Any]]] = mapped_column(PortableJSON, default=list)
    network_stamp: Mapped[str] = mapped_column(String(32))
    decided_at: Mapped[datetime]


class LeadScoreModel(Base):
    """A version of the lead score: the win rate of each factor's level, learned from won and
    lost leads on top of the priors; the newest row is the one in use."""

    __tablename__ = "lead_score_model"

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    trained_at: Mapped[datetime] = mapped_column(index=True)
    outcomes: Mapped[int]
    rates: Mapped[dict[str, Any]] = mapped_column(PortableJSON)


class ResponseClock(Base):
    """One dealer's first-response clock for one lead: started at assignment, stopped by the
    dealer's first contact (speed-to-lead), by a re-route (superseded) or by its deadline (breached).

    Kept after it stops: these rows are the speed-to-lead data per dealer, channel and market.
    """

    __tablename__ = "lead_response_clock"
    __table_args__ = (
        CheckConstraint("state IN ('open', 'responded', 'breached', 'superseded')", name="state"),
        Index("ix_lead_response_clock_lead", "lead_id", "started_at"),
        Index("ix_lead_response_clock_dealer", "dealer_id", "started_at"),
        Index("ix_lead_response_clock_market", "market_code", "started_at"),
        # Today's warnings and breaches of the live activity view.
        Index("ix_lead_response_clock_warned_at", "warned_at"),
        Index("ix_lead_response_clock_breached_at", "breached_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lead.id"))
    dealer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dealer.id"))
    market_code: Mapped[str | None] = mapped_column(String(2), default=None)
    channel: Mapped[str] = mapped_column(String(20))
    priority: Mapped[str] = mapped_column(String(10))
    target_minutes: Mapped[int]
    started_at: Mapped[datetime]
    warn_at: Mapped[datetime]
    due_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(12), default="open")
    warned_at: Mapped[datetime | None] = mapped_column(default=None)
    breached_at: Mapped[datetime | None] = mapped_column(default=None)
    stopped_at: Mapped[datetime | None] = mapped_column(default=None)
    responded_at: Mapped[datetime | None] = mapped_column(default=None)
    response_seconds: Mapped[int | None] = mapped_column(default=None)
    business_seconds: Mapped[int | None] = mapped_column(default=None)


class ContactAttempt(Base):
    """A dealer reaching out to the customer of a lead (call, e-mail, SMS, WeChat, visit).

    `client_key` (the Idempotency-Key or the client's own id) makes a retried post one attempt.
    """

    __tablename__ = "lead_contact_attempt"
    __table_args__ = (
        UniqueConstraint("lead_id", "client_key"),
        CheckConstraint("channel IN ('call', 'email', 'sms', 'wechat', 'visit')", name="channel"),
        Index("ix_lead_contact_attempt_lead", "lead_id", "occurred_at"),
    )

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lead.id"))
    dealer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dealer.id"))
    staff_user_id: Mapped[uuid.UUID]
    staff_email: Mapped[str] = mapped_column(String(320))
    channel: Mapped[str] = mapped_column(String(10))
    outcome: Mapped[str] = mapped_column(String(20))
    note: Mapped[str | None] = mapped_column(Text, default=None)
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    client_key: Mapped[str | None] = mapped_column(String(200), default=None)


class LeadDecline(Base):
    """A dealer turning a lead down, with its reason; once per dealer and lead."""

    __tablename__ = "lead_decline"
    __table_args__ = (UniqueConstraint("lead_id", "dealer_id"),)

    id: Mapped[uuid.UUID] = mapped_column(primary_key=True, default=new_id)
    lead_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("lead.id"))
    dealer_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("dealer.id"))
    staff_user_id: Mapped[uuid.UUID]
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(10))  # rerouted | escalated
