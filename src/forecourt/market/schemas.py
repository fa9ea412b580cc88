"""What the market feature reads and writes at its edges."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, computed_field, field_validator

DriveSide = Literal["lhd", "rhd"]
DataRegion = Literal["cn", "eu", "row"]
# A BCP-47 tag as we use them: language, optional script, region ("zh-CN", "zh-Hans-CN", "de-DE").
LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[A-Z][a-z]{3})?-[A-Z]{2}$")


class MarketRead(BaseModel):
    """A market as every reader sees it."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    currency: str
    languages: list[str]
    drive_side: DriveSide
    rollout_phase: int
    launch_date: date
    data_region: DataRegion
    timezone: str
    consent_rules: dict[str, Any]
    active: bool

    @computed_field  # type: ignore[prop-decorator]
    @property
    def default_language(self) -> str:
        return self.languages[0]


class MarketData(BaseModel):
    """One market entry of the reference data file, checked before it is stored."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2}$")
    name: str = Field(min_length=2, max_length=80)
    currency: str = Field(pattern=r"^[A-Z]{3}$")
    languages: list[str] = Field(min_length=1)
    drive_side: DriveSide
    rollout_phase: int = Field(ge=1)
    launch_date: date
    data_region: DataRegion
    timezone: str
    consent_rules: dict[str, Any]
    active: bool = True

    @field_validator("languages")
    @classmethod
    def _tags(cls, value: list[str]) -> list[str]:
        bad = [tag for tag in value if not LANGUAGE_TAG.match(tag)]
        if bad:
            raise ValueError(f"not a BCP-47 language-region tag: {', '.join(bad)}")
        return value


class CityRead(BaseModel):
    """A city of the gazetteer, with the market it lies in when the brand sells there."""

    model_config = ConfigDict(from_attributes=True)

    geonameid: int
    name: str
    country: str
    latitude: float
    longitude: float
    population: int
    timezone: str
    tier: int | None = Field(description="Commercial tier 1-5, Chinese cities only")
    market_code: str | None = Field(description="The market of the city's country, if any")
