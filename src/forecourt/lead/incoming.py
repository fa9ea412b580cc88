"""The shape of one incoming lead, whatever door it came through, and of one rejected row.

`IncomingLead` is the canonical input of lead capture: the JSON API body, ADF XML prospects and
import-file rows all become one. It only checks shape; phone, email, name and city are kept as
given and normalised by capture (a garbage phone is still a lead).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)
from pydantic_core import PydanticCustomError


class LeadChannel(StrEnum):
    """The door a lead came through."""

    WEB = "web"
    DEALER = "dealer"
    MULTIBRAND = "multibrand"
    CALL_CENTRE = "call_centre"
    LIVE_BROADCAST = "live_broadcast"
    ROAD_SHOW = "road_show"
    IN_CAR = "in_car"
    PARTNER = "partner"


class ConsentPurpose(StrEnum):
    """What a customer agrees (or refuses) to be contacted or processed for."""

    MARKETING = "marketing"
    SERVICE = "service"
    PROFILING = "profiling"
    DATA_TRANSFER = "data_transfer"


class ConsentChannel(StrEnum):
    """How a consent may be used; `any` covers every way of reaching the customer."""

    ANY = "any"
    EMAIL = "email"
    SMS = "sms"
    PHONE = "phone"
    POST = "post"
    IN_CAR = "in_car"
    MESSAGING = "messaging"


NAME_MAX = 100
FULL_NAME_MAX = 200
PHONE_MAX = 40
EMAIL_MAX = 254
CODE_MAX = 64
SOURCE_ID_MAX = 128
TEXT_MAX = 200
ATTRIBUTE_KEY_MAX = 64
ATTRIBUTE_VALUE_MAX = 4000
ATTRIBUTES_MAX = 100

CONTACT_FIELD = "contact"
NO_CONTACT = "lead_no_contact"
PRE_CLEANED = "pre-cleaned"
"""Validation context of a reader whose strings are already stripped and empty ones dropped."""
_LOCATION_NOISE = frozenset({"", "[key]", "str", "constrained-str", "function-after"})

Name = Annotated[str, StringConstraints(max_length=NAME_MAX)]
Code = Annotated[str, StringConstraints(max_length=CODE_MAX)]
Text = Annotated[str, StringConstraints(max_length=TEXT_MAX)]
CountryCode = Annotated[str, StringConstraints(to_upper=True, pattern=r"^[A-Za-z]{2}$")]
AttributeKey = Annotated[str, StringConstraints(min_length=1, max_length=ATTRIBUTE_KEY_MAX)]
AttributeValue = Annotated[str, StringConstraints(max_length=ATTRIBUTE_VALUE_MAX)]


def clean_text(value: Any) -> Any:
    """Strip a string and turn an empty one into None; leave anything else alone."""
    if isinstance(value, str):
        return value.strip() or None
    return value


def _as_utc_if_naive(value: datetime | None) -> datetime | None:
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class ConsentInput(BaseModel):
    """A consent given or refused together with the lead."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: ConsentChannel = ConsentChannel.ANY
    purpose: ConsentPurpose
    granted: bool
    source: Text | None = None
    at: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: clean_text(value) for key, value in data.items()}
        return data

    @field_validator("at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _as_utc_if_naive(value)


class IncomingLead(BaseModel):
    """One enquiry as it arrives: who, how to reach them, what for, and where it came from."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    channel: LeadChannel
    source_id: Annotated[str, StringConstraints(max_length=SOURCE_ID_MAX)] | None = Field(
        default=None, description="The sender's own id of the lead"
    )
    first_name: Name | None = None
    last_name: Name | None = None
    full_name: Annotated[str, StringConstraints(max_length=FULL_NAME_MAX)] | None = None
    phone: Annotated[str, StringConstraints(max_length=PHONE_MAX)] | None = None
    email: Annotated[str, StringConstraints(max_length=EMAIL_MAX)] | None = None
    city: Name | None = None
    country: CountryCode | None = Field(default=None, description="ISO 3166-1 alpha-2")
    model_interest: Name | None = None
    created_at: datetime | None = Field(default=None, description="Naive times are taken as UTC")
    campaign_code: Code | None = None
    utm_source: Text | None = None
    utm_medium: Text | None = None
    utm_campaign: Text | None = None
    dealer_code: Code | None = Field(default=None, description="A dealer the customer asked for")
    consents: list[ConsentInput] = Field(default_factory=list)
    attributes: dict[AttributeKey, AttributeValue] = Field(
        default_factory=dict, max_length=ATTRIBUTES_MAX
    )

    @model_validator(mode="before")
    @classmethod
    def _clean(cls, data: Any, info: ValidationInfo) -> Any:
        if not isinstance(data, dict) or info.context == PRE_CLEANED:
            return data
        cleaned = {key: clean_text(value) for key, value in data.items()}
        attributes = cleaned.get("attributes")
        if isinstance(attributes, dict):
            cleaned["attributes"] = {
                key: text
                for key, value in attributes.items()
                if (text := clean_text(value)) is not None
            }
        elif attributes is None:
            cleaned.pop("attributes", None)
        if cleaned.get("consents", ()) is None:
            del cleaned["consents"]
        return cleaned

    @field_validator("created_at")
    @classmethod
    def _aware(cls, value: datetime | None) -> datetime | None:
        return _as_utc_if_naive(value)

    @model_validator(mode="after")
    def _reachable(self) -> IncomingLead:
        if not (self.first_name or self.last_name or self.full_name or self.phone or self.email):
            raise PydanticCustomError(
                NO_CONTACT,
                "no name (first_name, last_name or full_name), no phone and no email: "
                "a lead needs at least one of them",
            )
        return self


@dataclass(frozen=True, slots=True)
class NumberedLead:
    """A lead of a batch with its 1-based line, row or prospect number, for error reports."""

    line: int
    lead: IncomingLead


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one record of a batch was not taken: its 1-based line, row or prospect number."""

    line: int
    field: str | None
    reason: str
    source_id: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "field": self.field,
            "reason": self.reason,
            "source_id": self.source_id,
        }


def row_errors_from_validation(
    line: int, exc: ValidationError, source_id: str | None = None
) -> list[RowError]:
    """One `RowError` per problem pydantic found, naming the field and the reason."""
    return [
        RowError(line=line, field=_field_of(error), reason=_reason_of(error), source_id=source_id)
        for error in exc.errors(include_url=False)
    ]


def _field_of(error: Any) -> str | None:
    if error["type"] == NO_CONTACT:
        return CONTACT_FIELD
    # Optional fields add their type to the location ("email", "str"): keep the field path only.
    parts = [str(part) for part in error["loc"] if str(part) not in _LOCATION_NOISE]
    return ".".join(parts) or None


def _reason_of(error: Any) -> str:
    if error["type"] == "string_pattern_mismatch" and error["loc"][:1] == ("country",):
        return "should be a two-letter ISO 3166-1 country code, such as CN or DE"
    message = str(error["msg"])
    if message.startswith("Value error, "):
        message = message.removeprefix("Value error, ")
    return message
