"""What the dealer feature reads and writes at its edges."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, EmailStr, Field

DealerKind = Literal["own", "franchise", "multibrand"]
StaffJob = Literal["sales", "service", "manager"]

HolidayName = Annotated[str, Field(min_length=1, max_length=120)]
TradesOnHolidays = bool | Annotated[list[HolidayName], Field(max_length=50)]
"""true: every public holiday; false: none; a list: the holidays so named (English names of the
`holidays` package, e.g. ["National Day", "Labor Day"])."""
Subdivision = Annotated[str, Field(min_length=1, max_length=32)]
_SUBDIVISION = (
    "The state or province whose public holidays the dealer keeps besides its country's, as the "
    '`holidays` package codes it (ISO 3166-2 without the country: "BY" Bavaria, "BE" Berlin); '
    "null: the national holidays only"
)
_DEALER_HOLIDAYS = (
    "The public holidays it trades on: true (all), false (none) or a list of their names "
    '(e.g. ["National Day", "Labor Day"]); null follows the market\'s routing policy'
)


class DealerRead(BaseModel):
    """A dealer as every reader in scope sees it."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    code: str
    name: str
    kind: DealerKind
    market_code: str
    city: str
    city_geonameid: int
    latitude: float
    longitude: float
    timezone: str
    subdivision: str | None = Field(default=None, description=_SUBDIVISION)
    city_tier: int | None
    address: str
    phone: str
    email: str
    opening_hours: dict[str, list[list[str]]]
    daily_lead_capacity: int
    brands: list[str]
    active: bool
    open_on_holidays: TradesOnHolidays | None = Field(default=None, description=_DEALER_HOLIDAYS)
    created_at: datetime
    updated_at: datetime


class StaffRead(BaseModel):
    """A person working at a dealer."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    name: str
    email: str
    job: StaffJob
    languages: list[str]
    active: bool
    shifts: dict[str, list[list[str]]] | None = None


class DealerDetail(DealerRead):
    """A dealer with its staff."""

    staff: list[StaffRead]


class DealerUpdate(BaseModel):
    """The fields of a dealer its market may change; fields left out stay as they are."""

    model_config = ConfigDict(extra="forbid")

    opening_hours: dict[str, Any] | None = Field(
        default=None, description='All seven days, e.g. {"mon": [["09:00", "18:00"]], "sun": []}'
    )
    daily_lead_capacity: int | None = Field(default=None, ge=0, le=10_000)
    phone: str | None = Field(default=None, pattern=r"^\+?[0-9][0-9 ()\-]{4,30}$")
    email: EmailStr | None = None
    active: bool | None = None
    subdivision: Subdivision | None = Field(default=None, description=_SUBDIVISION)
    open_on_holidays: TradesOnHolidays | None = Field(default=None, description=_DEALER_HOLIDAYS)


class DealerDistance(BaseModel):
    """A dealer and how far it is from the point asked about, as the crow flies."""

    dealer: DealerRead
    distance_km: float


class StaffData(BaseModel):
    """A staff entry of the reference data file."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=2, max_length=120)
    email: EmailStr
    job: StaffJob
    languages: list[str] = Field(min_length=1)


class DealerData(BaseModel):
    """A dealer entry of the reference data file, before its city is looked up."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2}-[A-Z]{3}-\d{2}$")
    name: str = Field(min_length=2, max_length=120)
    kind: DealerKind
    market: str = Field(pattern=r"^[A-Z]{2}$")
    city: str = Field(min_length=1)
    subdivision: Subdivision | None = None
    address: str = Field(min_length=5, max_length=300)
    phone: str = Field(pattern=r"^\+[0-9][0-9 ()\-]{4,30}$")
    email: EmailStr
    hours: str
    capacity: int = Field(ge=0, le=10_000)
    brands: list[str] = Field(default_factory=list)
    active: bool = True
    open_on_holidays: TradesOnHolidays | None = None
    staff: list[StaffData] = Field(min_length=2, max_length=4)


StaffAssignment = Literal["round_robin", "least_busy"]
DEFAULT_RADII_KM = [25, 50, 100, 200, 400]


class RoutingPolicyData(BaseModel):
    """How a market routes its leads: brand dealers before multibrand ones, how a dealer's staff
    share leads, the widening search radii and how many dealers a lead may be offered to."""

    model_config = ConfigDict(from_attributes=True, extra="forbid")

    brand_dealers_first: bool = True
    staff_assignment: StaffAssignment = "round_robin"
    radii_km: list[int] = Field(
        default_factory=lambda: list(DEFAULT_RADII_KM), min_length=1, max_length=10
    )
    max_attempts: int = Field(default=3, ge=1, le=10)
    open_on_holidays: TradesOnHolidays = Field(
        default=False,
        description=(
            "The public holidays the market's dealers trade on, unless a dealer says otherwise: "
            'true (all), false (none) or a list of their names (e.g. ["National Day"])'
        ),
    )


class MarketRoutingData(BaseModel):
    """A market's routing settings in the reference data file (the rest keep their defaults)."""

    model_config = ConfigDict(extra="forbid", strict=True)  # TOML has real booleans: no "yes"

    open_on_holidays: TradesOnHolidays


class RoutingPolicyRead(RoutingPolicyData):
    """A market's routing policy (the defaults when the market set none)."""

    market_code: str


class StaffShifts(BaseModel):
    """Weekly shifts by staff id, in the dealer's local time; null means the dealer's hours."""

    model_config = ConfigDict(extra="forbid")

    shifts: dict[uuid.UUID, dict[str, Any] | None] = Field(
        default_factory=dict,
        description='By staff id: all seven days, e.g. {"mon": [["09:00", "13:00"]], "sun": []}',
    )


class RoutingStaff(BaseModel):
    """A person as routing sees them: who takes leads and when they work."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    name: str
    job: StaffJob
    languages: list[str]
    active: bool
    shifts: dict[str, list[list[str]]] | None


class RoutingDealer(BaseModel):
    """A dealer as routing sees it: where, what kind, when open, how many leads a day."""

    model_config = ConfigDict(from_attributes=True, frozen=True)

    id: uuid.UUID
    code: str
    kind: DealerKind
    market_code: str
    latitude: float
    longitude: float
    timezone: str
    subdivision: str | None = None
    opening_hours: dict[str, list[list[str]]]
    daily_lead_capacity: int
    brands: list[str]
    active: bool
    open_on_holidays: TradesOnHolidays | None = None
    staff: list[RoutingStaff]


class RoutingNetwork(BaseModel):
    """The whole network for routing, with the stamp of the version it was read at."""

    stamp: str
    dealers: list[RoutingDealer]
    policies: dict[str, RoutingPolicyData]
    data_regions: dict[str, str] = Field(description="market code -> data region")
