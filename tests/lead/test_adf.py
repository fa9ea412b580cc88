"""ADF 1.0 XML: lenient reading of what senders produce, safe parsing, and a writer that round-trips."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from forecourt.kernel.errors import InvalidInput
from forecourt.lead.adf import AdfSyntaxError, parse_adf, write_adf
from forecourt.lead.incoming import IncomingLead, LeadChannel

REAL = """<?xml version="1.0" encoding="UTF-8"?>
<?adf version="1.0"?>
<adf>
  <prospect status="new">
    <id sequence="1" source="dealer-site">ABC123</id>
    <requestdate>2026-11-20T10:15:00+08:00</requestdate>
    <vehicle interest="buy" status="new">
      <year>2026</year>
      <make>Aurelia</make>
      <model>Vela</model>
      <trim>Lux</trim>
    </vehicle>
    <customer>
      <contact primarycontact="1">
        <name part="first">Wei</name>
        <name part="last">Wang</name>
        <email>wei@example.com</email>
        <phone type="voice" time="day">+86 138 0013 8000</phone>
        <phone type="fax">+86 21 5555 0000</phone>
        <address>
          <street line="1">88 Century Avenue</street>
          <city>Shanghai</city>
          <postalcode>200120</postalcode>
          <country>CN</country>
        </address>
      </contact>
      <timeframe><description>Within a month</description></timeframe>
      <comments><![CDATA[Prefers a weekend <test drive> & a call after 6pm]]></comments>
    </customer>
    <vendor>
      <id source="dealer_code">SH-001</id>
      <vendorname>Aurelia Pudong</vendorname>
      <contact><name part="full">Li Na</name></contact>
    </vendor>
    <provider>
      <name part="full">Dealer Site</name>
      <service>Test drive request</service>
    </provider>
  </prospect>
</adf>
"""


def _prospect(inner: str, attrs: str = "") -> str:
    return f"<prospect{attrs}>{inner}</prospect>"


def _contact(*parts: str) -> str:
    return f"<customer><contact>{''.join(parts)}</contact></customer>"


def test_a_real_prospect_becomes_a_lead_with_everything_kept() -> None:
    batch = parse_adf(REAL.encode(), channel="dealer")

    assert batch.rejected == []
    (lead,) = batch.prospects
    assert lead.channel is LeadChannel.DEALER
    assert lead.source_id == "ABC123"
    assert (lead.first_name, lead.last_name, lead.full_name) == ("Wei", "Wang", None)
    assert (lead.email, lead.phone) == ("wei@example.com", "+86 138 0013 8000")
    assert (lead.city, lead.country, lead.model_interest) == ("Shanghai", "CN", "Vela")
    assert lead.created_at == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)
    assert lead.dealer_code == "SH-001"
    assert lead.attributes == {
        "adf_status": "new",
        "id_source": "dealer-site",
        "vehicle_interest": "buy",
        "vehicle_status": "new",
        "vehicle_year": "2026",
        "vehicle_make": "Aurelia",
        "vehicle_trim": "Lux",
        "phone_time": "day",
        "phone_fax": "+86 21 5555 0000",
        "address_street": "88 Century Avenue",
        "address_postalcode": "200120",
        "timeframe_description": "Within a month",
        "comments": "Prefers a weekend <test drive> & a call after 6pm",
        "vendor_name": "Aurelia Pudong",
        "vendor_contact": "Li Na",
        "provider_name": "Dealer Site",
        "provider_service": "Test drive request",
    }


@pytest.mark.parametrize(
    "document",
    [
        '<?ADF VERSION="1.0"?><?XML VERSION="1.0"?><ADF><PROSPECT><CUSTOMER><CONTACT>'
        '<NAME PART="FIRST">Wei</NAME><EMAIL>wei@example.com</EMAIL>'
        "</CONTACT></CUSTOMER></PROSPECT></ADF>",
        '\n  <?xml version="1.0"?>\n<adf><?adf version="1.0"?><prospect>'
        + _contact('<name part="first">Wei</name><email>wei@example.com</email>')
        + "</prospect></adf>",
        "<adf><prospect>"
        + _contact('<name part="first">Wei</name><email>wei@example.com</email>')
        + "</prospect></adf>",
        '<adf xmlns="urn:example:adf"><prospect>'
        + _contact('<name part="first">Wei</name><email>wei@example.com</email>')
        + "</prospect></adf>",
    ],
    ids=["upper-case", "misplaced-declaration-and-pi", "no-pi", "namespaced"],
)
def test_processing_instructions_and_case_do_not_matter(document: str) -> None:
    batch = parse_adf(document)

    assert batch.rejected == []
    assert [(lead.first_name, lead.email) for lead in batch.prospects] == [
        ("Wei", "wei@example.com")
    ]


def test_a_declared_encoding_is_honoured() -> None:
    document = (
        '<?xml version="1.0" encoding="ISO-8859-1"?><adf><prospect>'
        + _contact('<name part="full">José Müller</name>')
        + "</prospect></adf>"
    )

    (lead,) = parse_adf(document.encode("latin-1")).prospects

    assert lead.full_name == "José Müller"


def test_a_full_name_is_kept_as_a_full_name() -> None:
    document = "<adf>" + _prospect(_contact('<name part="full"> Wang Wei </name>')) + "</adf>"

    (lead,) = parse_adf(document).prospects

    assert (lead.full_name, lead.first_name, lead.last_name) == ("Wang Wei", None, None)


def test_a_name_without_part_is_a_full_name_and_a_business_is_noted() -> None:
    document = "<adf>" + _prospect(_contact('<name type="business">Acme Fleet</name>')) + "</adf>"

    (lead,) = parse_adf(document).prospects

    assert lead.full_name == "Acme Fleet"
    assert lead.attributes["contact_type"] == "business"


def test_empty_and_missing_optional_elements_are_none() -> None:
    document = (
        "<adf><prospect><id/><requestdate>  </requestdate><vehicle><model/></vehicle>"
        + _contact("<name part='first'>Wei</name><email></email><phone/><address><city/></address>")
        + "<vendor><vendorname/></vendor></prospect></adf>"
    )

    (lead,) = parse_adf(document).prospects

    assert lead.first_name == "Wei"
    assert lead.source_id is lead.email is lead.phone is lead.city is None
    assert lead.model_interest is lead.dealer_code is None
    assert lead.created_at is None
    assert lead.attributes == {}


def test_a_strange_date_or_country_is_kept_aside_not_a_rejection() -> None:
    document = (
        "<adf><prospect><requestdate>next tuesday</requestdate>"
        + _contact("<phone>garbage</phone><address><country>China</country></address>")
        + "</prospect></adf>"
    )

    (lead,) = parse_adf(document).prospects

    assert (lead.phone, lead.created_at, lead.country) == ("garbage", None, None)
    assert lead.attributes["requestdate"] == "next tuesday"
    assert lead.attributes["country_given"] == "China"


def test_a_us_style_request_date_is_read() -> None:
    document = (
        "<adf><prospect><requestdate>11/20/2026 3:15 PM</requestdate>"
        + _contact("<email>a@example.com</email>")
        + "</prospect></adf>"
    )

    (lead,) = parse_adf(document).prospects

    assert lead.created_at == datetime(2026, 11, 20, 15, 15, tzinfo=UTC)


def test_the_primary_contact_is_chosen() -> None:
    document = (
        "<adf><prospect><customer>"
        "<contact><name>Other</name></contact>"
        '<contact primarycontact="1"><name>Primary</name></contact>'
        "</customer></prospect></adf>"
    )

    (lead,) = parse_adf(document).prospects

    assert lead.full_name == "Primary"


def test_valid_prospects_are_kept_and_each_invalid_one_reported() -> None:
    good = _contact("<email>a@example.com</email>")
    document = (
        "<adf>"
        + _prospect('<id source="portal">P-1</id>' + good)
        + _prospect(
            '<id source="portal">P-2</id>' + _contact("<address><city>Xi'an</city></address>")
        )
        + _prospect('<id source="portal">P-3</id>' + good)
        + "</adf>"
    )

    batch = parse_adf(document)

    assert [lead.source_id for lead in batch.prospects] == ["P-1", "P-3"]
    (rejected,) = batch.rejected
    assert (rejected.line, rejected.source_id, rejected.field) == (2, "P-2", "contact")
    assert "phone" in rejected.reason


def test_a_bad_field_is_reported_with_its_name() -> None:
    document = (
        "<adf>" + _prospect("<id>" + "x" * 200 + "</id>" + _contact("<phone>1</phone>")) + "</adf>"
    )

    (rejected,) = parse_adf(document).rejected

    assert (rejected.line, rejected.field) == (1, "source_id")


def test_broken_xml_raises_with_its_line_and_column() -> None:
    document = (
        '<?xml version="1.0"?>\n<adf>\n  <prospect>\n    <name>Wei</nam>\n  </prospect>\n</adf>'
    )

    with pytest.raises(AdfSyntaxError) as caught:
        parse_adf(document.encode())

    assert isinstance(caught.value, InvalidInput)
    line, column = caught.value.details["line"], caught.value.details["column"]
    assert line == 4
    assert document.splitlines()[line - 1][column - 1 :].startswith("nam>")
    assert "mismatched tag" in caught.value.message


def test_text_outside_the_encoding_is_a_syntax_error_with_its_place() -> None:
    with pytest.raises(AdfSyntaxError) as caught:
        parse_adf(b"<adf>\n<prospect>\xff</prospect></adf>")

    assert caught.value.details == {"line": 2, "column": 11}


@pytest.mark.parametrize(
    "document",
    [
        '<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
        "<adf><prospect><customer><contact><name>&b;</name></contact></customer></prospect></adf>",
        '<?xml version="1.0"?><!DOCTYPE adf [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<adf><prospect><customer><contact><name>&x;</name></contact></customer></prospect></adf>",
    ],
    ids=["entity-expansion", "external-entity"],
)
def test_entities_are_refused(document: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        parse_adf(document)

    assert not isinstance(caught.value, AdfSyntaxError)
    assert "entities" in caught.value.message


def test_a_doctype_naming_the_adf_dtd_is_accepted() -> None:
    document = '<!DOCTYPE adf SYSTEM "adf.dtd"><adf><prospect>' + _contact("<phone>1</phone>")
    assert parse_adf(document + "</prospect></adf>").prospects


@pytest.mark.parametrize("document", ["<adf/>", "<lead><name>x</name></lead>"])
def test_a_document_without_prospects_is_refused(document: str) -> None:
    with pytest.raises(InvalidInput):
        parse_adf(document)


def test_a_single_prospect_root_is_read() -> None:
    assert parse_adf(_prospect(_contact("<phone>1</phone>"))).prospects


def test_written_adf_declares_its_version_and_reads_back_the_same() -> None:
    first = parse_adf(REAL, channel="dealer")

    written = write_adf(first.prospects)

    assert written.startswith(
        '<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="1.0"?>\n<adf>'
    )
    assert parse_adf(written, channel="dealer") == first


def test_a_lead_without_a_time_is_written_with_the_writing_time() -> None:
    lead = IncomingLead(channel=LeadChannel.WEB, phone="1")
    now = datetime(2026, 3, 1, 9, tzinfo=UTC)

    (read,) = parse_adf(write_adf([lead], now=now)).prospects

    assert read.created_at == now
    assert read.attributes["provider_name"] == "Forecourt"


_TEXT = st.text(
    st.characters(blacklist_categories=("Cc", "Cs", "Cn", "Zl", "Zp")), min_size=1, max_size=40
).filter(lambda text: text.strip() == text and text != "")
_EMAIL = st.emails().filter(lambda email: len(email) <= 254)
_PHONE = st.from_regex(r"\+?[0-9][0-9 ()\-]{4,20}", fullmatch=True).map(str.strip)


@settings(max_examples=80, deadline=None)
@given(
    first=st.none() | _TEXT,
    last=st.none() | _TEXT,
    full=st.none() | _TEXT,
    phone=st.none() | _PHONE,
    email=_EMAIL,
    minutes=st.integers(min_value=-720, max_value=840),
)
def test_write_then_parse_round_trips(
    first: str | None,
    last: str | None,
    full: str | None,
    phone: str | None,
    email: str,
    minutes: int,
) -> None:
    when = datetime(2026, 11, 20, 10, 15, 30, tzinfo=UTC) + timedelta(minutes=minutes)
    lead = IncomingLead(
        channel=LeadChannel.PARTNER,
        source_id="R-1",
        first_name=first,
        last_name=last,
        full_name=full,
        phone=phone,
        email=email,
        city="Zürich",
        country="CH",
        model_interest="Vela",
        created_at=when,
        dealer_code="ZH-7",
    )

    (read,) = parse_adf(write_adf([lead])).prospects

    fields = {"channel", "source_id", "first_name", "last_name", "full_name", "phone", "email"}
    fields |= {"city", "country", "model_interest", "created_at", "dealer_code"}
    assert read.model_dump(include=fields) == lead.model_dump(include=fields)
