"""Bulk lead files: CSV, Excel, JSON Lines and ADF, one lead or one row error per record."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook

from forecourt.kernel.errors import InvalidInput
from forecourt.lead.adf import write_adf
from forecourt.lead.files import count_rows, read_leads
from forecourt.lead.incoming import (
    ConsentPurpose,
    IncomingLead,
    LeadChannel,
    NumberedLead,
    RowError,
)

HEADER = "channel,source_id,first_name,last_name,full_name,phone,email,city,country,model_interest,created_at"


def _write(path: Path, text: str, encoding: str = "utf-8") -> Path:
    path.write_text(text, encoding=encoding, newline="")
    return path


def _plain(items: Iterable[NumberedLead | RowError]) -> Iterator[IncomingLead | RowError]:
    """The reader's records without their line numbers (lazily), for tests about the fields."""
    return (item.lead if isinstance(item, NumberedLead) else item for item in items)


def _split(items: list[IncomingLead | RowError]) -> tuple[list[IncomingLead], list[RowError]]:
    leads = [item for item in items if isinstance(item, IncomingLead)]
    return leads, [item for item in items if isinstance(item, RowError)]


def test_a_csv_with_a_bom_reads_every_canonical_column(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "leads.csv",
        HEADER + "\r\nweb,S1,Wei,Wang,,+86 138 0013 8000,wei@example.com,Shanghai,cn,Vela,"
        "2026-11-20T10:15:00+08:00\r\n",
        encoding="utf-8-sig",
    )

    (numbered,) = read_leads(path)
    assert isinstance(numbered, NumberedLead)
    assert numbered.line == 2  # the physical line, after the header
    lead = numbered.lead

    assert isinstance(lead, IncomingLead)
    assert lead.channel is LeadChannel.WEB
    assert (lead.source_id, lead.first_name, lead.last_name, lead.full_name) == (
        "S1",
        "Wei",
        "Wang",
        None,
    )
    assert (lead.phone, lead.email, lead.city, lead.country) == (
        "+86 138 0013 8000",
        "wei@example.com",
        "Shanghai",
        "CN",
    )
    assert lead.created_at == datetime(2026, 11, 20, 2, 15, tzinfo=UTC)


def test_extra_columns_are_kept_as_attributes(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "leads.csv",
        "Email, Favourite Colour ,campaign_code,utm_source,dealer_code,budget\n"
        "a@example.com, blue ,LB-1,douyin,SH-001,\n",
    )

    (lead,) = _plain(read_leads(path, default_channel="live_broadcast"))

    assert isinstance(lead, IncomingLead)
    assert lead.channel is LeadChannel.LIVE_BROADCAST
    assert (lead.campaign_code, lead.utm_source, lead.dealer_code) == ("LB-1", "douyin", "SH-001")
    assert lead.attributes == {"favourite colour": "blue"}


def test_a_bad_row_is_reported_with_its_line_and_the_others_still_read(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "leads.csv",
        HEADER + "\n"
        "web,S1,Wei,,,,,,,,\n"
        '"web","S2",,,,,,"Shanghai\nPudong",CN,,\n'
        "fax,S3,,,,9,,,China,,\n"
        "\n"
        "web,S4,,,,123,,,,,\n",
    )

    leads, errors = _split(list(_plain(read_leads(path))))

    assert [lead.source_id for lead in leads] == ["S1", "S4"]
    assert [(e.line, e.source_id, e.field) for e in errors] == [
        (3, "S2", "contact"),
        (5, "S3", "channel, country"),
    ]
    assert "ISO 3166-1" in errors[1].reason


def test_a_row_with_too_many_values_or_no_channel_is_an_error(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "leads.csv",
        "channel,phone\nweb,1,surprise\n,2\nweb\n",
    )

    items = list(_plain(read_leads(path)))

    assert items[0] == RowError(2, None, "3 values for 2 columns")
    assert items[1] == RowError(3, "channel", "no channel, and no default channel given")
    assert isinstance(items[2], RowError)
    assert (items[2].line, items[2].field) == (4, "contact")  # a short row is padded


def test_the_marketing_consent_column_becomes_a_consent(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "leads.csv",
        "phone,consent_marketing\n1,Yes\n2,0\n3,TRUE\n4,\n5,maybe\n",
    )

    items = list(_plain(read_leads(path, default_channel="web")))

    granted = [
        [(c.purpose, c.granted, c.source) for c in item.consents]
        for item in items
        if isinstance(item, IncomingLead)
    ]
    assert granted == [
        [(ConsentPurpose.MARKETING, True, "import")],
        [(ConsentPurpose.MARKETING, False, "import")],
        [(ConsentPurpose.MARKETING, True, "import")],
        [],
    ]
    assert isinstance(items[4], RowError)
    assert (items[4].line, items[4].field) == (6, "consent_marketing")
    assert "maybe" in items[4].reason


def test_an_xlsx_sheet_reads_like_a_csv(tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(
        ["Channel", "First_Name", "Phone", "Email", "created_at", "consent_marketing", "note"]
    )
    sheet.append(["dealer", " Wei ", 8613800138000, None, datetime(2026, 1, 2, 3, 4), "yes", 42.5])
    sheet.append([None, None, None, None, None, None, None])
    sheet.append(["web", None, None, None, None, None, "no contact"])
    sheet.append([None, "Ana", 351912345678.0, "ana@example.com", None, None, None])
    path = tmp_path / "leads.xlsx"
    workbook.save(path)

    items = list(_plain(read_leads(path, default_channel="partner")))

    first, bad, last = items
    assert isinstance(first, IncomingLead)
    assert (first.channel, first.first_name, first.phone) == (
        LeadChannel.DEALER,
        "Wei",
        "8613800138000",
    )
    assert first.created_at == datetime(2026, 1, 2, 3, 4, tzinfo=UTC)
    assert first.consents[0].granted is True
    assert first.attributes == {"note": "42.5"}
    assert bad == RowError(4, "contact", bad.reason if isinstance(bad, RowError) else "")
    assert isinstance(last, IncomingLead)
    assert (last.channel, last.phone) == (LeadChannel.PARTNER, "351912345678")


def test_jsonl_reports_a_broken_line_and_reads_the_rest(tmp_path: Path) -> None:
    records = [
        {"channel": "web", "phone": 8613800138000, "colour": "blue", "consent_marketing": True},
        {
            "channel": "web",
            "email": "a@example.com",
            "consents": [{"purpose": "service", "granted": True}],
        },
    ]
    path = _write(
        tmp_path / "leads.jsonl",
        json.dumps(records[0]) + "\n\n{not json\n[1, 2]\n" + json.dumps(records[1]) + "\n",
    )

    first, broken, not_object, last = _plain(read_leads(path))

    assert isinstance(first, IncomingLead)
    assert first.phone == "8613800138000"
    assert first.attributes == {"colour": "blue"}
    assert first.consents[0].purpose is ConsentPurpose.MARKETING
    assert isinstance(broken, RowError)
    assert (broken.line, broken.field) == (3, None)
    assert broken.reason.startswith("not valid JSON")
    assert not_object == RowError(4, None, "not a JSON object")
    assert isinstance(last, IncomingLead)
    assert last.consents[0].purpose is ConsentPurpose.SERVICE


def test_an_adf_file_yields_its_prospects_and_rejections(tmp_path: Path) -> None:
    lead = IncomingLead(channel=LeadChannel.WEB, source_id="A-1", email="a@example.com")
    text = write_adf([lead, lead.model_copy(update={"email": None, "source_id": "A-2"})])
    path = _write(tmp_path / "leads.adf", text)

    good, bad = _plain(read_leads(path, default_channel="multibrand"))

    assert isinstance(good, IncomingLead)
    assert (good.channel, good.source_id) == (LeadChannel.MULTIBRAND, "A-1")
    assert bad == RowError(2, "contact", bad.reason if isinstance(bad, RowError) else "", "A-2")


def test_an_unknown_extension_or_channel_names_the_problem(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput, match=r"leads\.txt"):
        read_leads(tmp_path / "leads.txt")
    with pytest.raises(InvalidInput, match="telegram"):
        read_leads(tmp_path / "leads.csv", default_channel="telegram")


def test_a_header_without_contact_columns_is_refused(tmp_path: Path) -> None:
    path = _write(tmp_path / "leads.csv", "colour,size\nblue,L\n")

    with pytest.raises(InvalidInput, match="none of the columns"):
        list(_plain(read_leads(path)))


def test_count_rows_counts_records_of_line_files_only(tmp_path: Path) -> None:
    csv_path = _write(tmp_path / "a.csv", "phone\n1\n2\n3")
    jsonl_path = _write(tmp_path / "a.jsonl", '{"phone": "1"}\n{"phone": "2"}\n')

    assert count_rows(csv_path) == 3
    assert count_rows(jsonl_path) == 2
    assert count_rows(_write(tmp_path / "empty.csv", "")) == 0
    assert count_rows(tmp_path / "a.xlsx") is None


def test_a_large_csv_streams(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    with path.open("w", encoding="utf-8") as file:
        file.write("phone,city\n")
        file.writelines(f"{i},Shanghai\n" for i in range(20_000))

    items = _plain(read_leads(path, default_channel="web"))
    first = next(items)

    assert isinstance(first, IncomingLead)
    assert sum(1 for _ in items) + 1 == count_rows(path) == 20_000
