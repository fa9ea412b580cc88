"""The canonical incoming lead: cleaning, the contact rule, and readable row errors."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from forecourt.lead.incoming import (
    ConsentPurpose,
    IncomingLead,
    LeadChannel,
    RowError,
    row_errors_from_validation,
)


def _errors(**data: object) -> list[RowError]:
    with pytest.raises(ValidationError) as caught:
        IncomingLead.model_validate(data)
    return row_errors_from_validation(7, caught.value, "S-1")


def test_strings_are_stripped_empty_ones_dropped_and_country_upper_cased() -> None:
    lead = IncomingLead.model_validate(
        {"channel": "web", "first_name": "  Wei ", "last_name": "", "email": "   ", "country": "cn"}
    )

    assert lead.channel is LeadChannel.WEB
    assert (lead.first_name, lead.last_name, lead.email, lead.country) == ("Wei", None, None, "CN")
    assert lead.consents == []
    assert lead.attributes == {}


def test_a_naive_time_is_taken_as_utc_and_an_aware_one_kept() -> None:
    naive = IncomingLead(channel=LeadChannel.DEALER, phone="1", created_at=datetime(2026, 1, 2, 3))
    aware = IncomingLead.model_validate(
        {"channel": "dealer", "phone": "1", "created_at": "2026-01-02T03:00:00+08:00"}
    )

    assert naive.created_at == datetime(2026, 1, 2, 3, tzinfo=UTC)
    assert aware.created_at is not None
    assert aware.created_at.utcoffset() == timedelta(hours=8)


def test_a_garbage_phone_is_kept_as_given() -> None:
    lead = IncomingLead.model_validate({"channel": "call_centre", "phone": "call me maybe"})

    assert lead.phone == "call me maybe"


@pytest.mark.parametrize("contact", ["first_name", "last_name", "full_name", "phone", "email"])
def test_any_one_name_phone_or_email_is_enough(contact: str) -> None:
    assert IncomingLead.model_validate({"channel": "web", contact: "x"})


def test_a_lead_with_no_name_phone_or_email_names_the_missing_fields() -> None:
    errors = _errors(channel="web", city="Shanghai", first_name=" ")

    assert len(errors) == 1
    assert errors[0].line == 7
    assert errors[0].field == "contact"
    assert errors[0].source_id == "S-1"
    for name in ("first_name", "last_name", "full_name", "phone", "email"):
        assert name in errors[0].reason


def test_each_broken_field_gets_its_own_readable_error() -> None:
    errors = _errors(
        channel="fax",
        phone="1",
        country="China",
        email="a" * 300,
        consents=[{"purpose": "spam", "granted": True}],
    )

    by_field = {error.field: error.reason for error in errors}
    assert set(by_field) == {"channel", "country", "email", "consents.0.purpose"}
    assert "'web'" in by_field["channel"]
    assert "ISO 3166-1" in by_field["country"]
    assert "254" in by_field["email"]
    assert not any(reason.startswith("Value error") for reason in by_field.values())


def test_consents_and_attributes_are_cleaned_and_kept() -> None:
    lead = IncomingLead.model_validate(
        {
            "channel": "road_show",
            "email": "a@example.com",
            "consents": [
                {
                    "purpose": "marketing",
                    "granted": True,
                    "source": " form ",
                    "at": "2026-05-01T10:00",
                }
            ],
            "attributes": {"colour": " blue ", "empty": "  "},
        }
    )

    consent = lead.consents[0]
    assert consent.purpose is ConsentPurpose.MARKETING
    assert consent.source == "form"
    assert consent.at == datetime(2026, 5, 1, 10, tzinfo=UTC)
    assert lead.attributes == {"colour": "blue"}


def test_unknown_fields_are_refused() -> None:
    errors = _errors(channel="web", phone="1", favourite="blue")

    assert [error.field for error in errors] == ["favourite"]


def test_a_lead_is_immutable_and_serialises_to_json() -> None:
    lead = IncomingLead.model_validate(
        {"channel": "in_car", "phone": "1", "created_at": datetime(2026, 1, 1, tzinfo=UTC)}
    )

    with pytest.raises(ValidationError):
        lead.phone = "2"  # type: ignore[misc]
    assert IncomingLead.model_validate_json(lead.model_dump_json()) == lead


def test_a_row_error_reads_as_a_dict() -> None:
    error = RowError(line=3, field="email", reason="too long", source_id=None)

    assert error.as_dict() == {"line": 3, "field": "email", "reason": "too long", "source_id": None}
