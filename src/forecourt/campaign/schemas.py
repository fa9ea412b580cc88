"""What the campaign feature reads and writes at its edges."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

CampaignKind = Literal["live_broadcast", "road_show", "regional_offer", "digital"]


class CampaignCreate(BaseModel):
    """A new campaign; a road show names its parent show."""

    code: str = Field(pattern=r"^[A-Z0-9][A-Z0-9_-]{1,39}$")
    name: str = Field(min_length=1, max_length=200)
    kind: CampaignKind
    market_code: str = Field(pattern=r"^[A-Z]{2}$")
    parent_code: str | None = None
    city: str | None = Field(default=None, max_length=100)
    starts_on: date
    ends_on: date
    budget_minor: int = Field(default=0, ge=0)
    utm_source: str | None = Field(default=None, max_length=100)
    utm_medium: str | None = Field(default=None, max_length=100)
    utm_campaign: str | None = Field(default=None, max_length=100)

    @model_validator(mode="after")
    def _dates_and_parent(self) -> CampaignCreate:
        if self.ends_on < self.starts_on:
            raise ValueError("ends_on is before starts_on")
        if self.kind == "road_show" and not (self.parent_code and self.city):
            raise ValueError("a road show needs parent_code and city")
        return self


class CampaignRead(BaseModel):
    """A campaign as readers see it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: CampaignKind
    market_code: str
    parent_id: uuid.UUID | None
    city: str | None
    starts_on: date
    ends_on: date
    budget_minor: int
    currency: str
    utm_source: str | None
    utm_medium: str | None
    utm_campaign: str | None


class Attribution(BaseModel):
    """Which campaign a lead is credited to, and how that was decided."""

    campaign_id: uuid.UUID | None
    campaign_code: str | None
    matched_by: Literal["code", "utm", "none", "unknown_code"]
