"""What the customer feature reads and writes at its edges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Outcome = Literal["linked", "new", "review"]
Purpose = Literal["marketing", "service", "profiling", "data_transfer"]


class IdentityOutcome(BaseModel):
    """How a captured person was resolved: to which customer, and how sure we are."""

    customer_id: uuid.UUID
    identity_id: uuid.UUID
    outcome: Outcome
    probability: float | None
    evidence: list[dict[str, Any]] = Field(default_factory=list)


class ConsentRecord(BaseModel):
    """A consent as given: channel, purpose, yes or no, where it came from, when."""

    channel: str
    purpose: Purpose
    granted: bool
    source: str
    at: datetime


class IdentityRead(BaseModel):
    """One source identity of a customer."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    channel: str
    source_id: str | None
    display_name: str | None
    phone_raw: str | None
    phone: str | None
    email: str | None
    city_name: str | None
    country: str | None
    flags: list[str]
    match_outcome: str
    match_probability: float | None
    created_at: datetime


class CustomerSummary(BaseModel):
    """The golden profile's fields."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    display_name: str | None
    name_hanzi: str | None
    phone: str | None
    email: str | None
    city_name: str | None
    market_code: str | None
    city_tier: int | None
    created_at: datetime
    updated_at: datetime


class CustomerContact(CustomerSummary):
    """What reaching a customer needs: the golden record and their consents."""

    consents: list[ConsentRecord]
    marketing_allowed: bool


class CustomerProfile(CustomerSummary):
    """The golden profile with its source identities, consent state and open reviews."""

    identities: list[IdentityRead]
    consents: list[ConsentRecord]
    marketing_allowed: bool
    open_reviews: int


class ReviewRead(BaseModel):
    """A match left to a person, with the evidence for and against."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    identity_id: uuid.UUID
    candidate_customer_id: uuid.UUID
    probability: float
    evidence: list[dict[str, Any]]
    status: str
    created_at: datetime


class ReviewDecision(BaseModel):
    """A reviewer's verdict: the same person (merge) or not (keep apart)."""

    same_person: bool
    reason: str = Field(min_length=3, max_length=500)


class MergeRequest(BaseModel):
    """Merge one customer into another, by a person, with a reason."""

    into_customer_id: uuid.UUID
    reason: str = Field(min_length=3, max_length=500)


class UnmergeRequest(BaseModel):
    """Split one source identity off into a customer of its own."""

    identity_id: uuid.UUID
    reason: str = Field(min_length=3, max_length=500)
