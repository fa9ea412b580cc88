"""Streaming readers of bulk lead files: CSV, Excel (.xlsx), JSON Lines and ADF XML.

Each record becomes a `NumberedLead` or a `RowError` naming its line (the physical line of a CSV
or JSONL record, the sheet row of an Excel row, the prospect number of an ADF document), so one
bad row never stops an import. Records are read one at a time: a file of millions of rows never
sits in memory.
"""

from __future__ import annotations

import csv
import json
from collections.abc import Iterable, Iterator, Mapping
from datetime import date, datetime
from pathlib import Path
from typing import Any

from openpyxl import load_workbook
from pydantic import ValidationError

from forecourt.kernel.errors import InvalidInput
from forecourt.lead.adf import parse_adf
from forecourt.lead.incoming import (
    PRE_CLEANED,
    ConsentChannel,
    ConsentInput,
    ConsentPurpose,
    IncomingLead,
    LeadChannel,
    NumberedLead,
    RowError,
    row_errors_from_validation,
)

COLUMNS = (
    "channel",
    "source_id",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "email",
    "city",
    "country",
    "model_interest",
    "created_at",
    "campaign_code",
    "utm_source",
    "utm_medium",
    "utm_campaign",
    "dealer_code",
)
CONSENT_COLUMN = "consent_marketing"
CONSENT_SOURCE = "import"
CONTACT_COLUMNS = frozenset({"first_name", "last_name", "full_name", "phone", "email"})
_KNOWN = frozenset(COLUMNS)
_NESTED = frozenset({"consents", "attributes"})
_CONSENT_WORDS = dict.fromkeys(("yes", "y", "1", "true"), True) | dict.fromkeys(
    ("no", "n", "0", "false"), False
)
_MARKETING = {
    granted: ConsentInput(
        channel=ConsentChannel.ANY,
        purpose=ConsentPurpose.MARKETING,
        granted=granted,
        source=CONSENT_SOURCE,
    )
    for granted in (True, False)
}
_CHUNK = 1 << 20

LeadOrError = NumberedLead | RowError


def read_leads(path: Path, *, default_channel: str | None = None) -> Iterator[LeadOrError]:
    """Every record of a lead file, as a lead or as the reasons it is not one."""
    channel = _checked_channel(default_channel)
    suffix = path.suffix.lower()
    if suffix == ".csv":
        return _read_csv(path, channel)
    if suffix == ".xlsx":
        return _read_xlsx(path, channel)
    if suffix == ".jsonl":
        return _read_jsonl(path, channel)
    if suffix in {".xml", ".adf"}:
        return _read_adf(path, channel)
    raise InvalidInput(
        f"{path.name}: unknown file type; use .csv, .xlsx, .jsonl, .xml or .adf",
        file=path.name,
    )


def count_rows(path: Path) -> int | None:
    """About how many records a CSV or JSONL file holds (for a progress bar), else None."""
    suffix = path.suffix.lower()
    if suffix not in {".csv", ".jsonl"}:
        return None
    lines, last = 0, b"\n"
    with path.open("rb") as file:
        while chunk := file.read(_CHUNK):
            lines += chunk.count(b"\n")
            last = chunk[-1:]
    lines += last != b"\n"
    return max(lines - 1, 0) if suffix == ".csv" else lines


def _checked_channel(channel: str | None) -> str | None:
    if channel is None or channel in {member.value for member in LeadChannel}:
        return channel
    raise InvalidInput(f"unknown default channel {channel!r}", field="default_channel")


# -- one record ------------------------------------------------------------------------------


class _Columns:
    """Where a tabular file's header puts the lead fields, the consent and the extra columns."""

    def __init__(self, names: Iterable[Any], file: str) -> None:
        header = _header(names, file)
        self.width = len(header)
        self.fields = [(i, name) for i, name in enumerate(header) if name in _KNOWN]
        self.extra = [(i, name) for i, name in enumerate(header) if name and name not in _KNOWN]
        consent = [i for i, name in self.extra if name == CONSENT_COLUMN]
        self.consent = consent[0] if consent else None
        self.extra = [(i, name) for i, name in self.extra if i != self.consent]

    def lead(self, line: int, record: list[Any], channel: str | None) -> LeadOrError:
        """The lead of one record whose values are stripped strings, Excel cell values or None."""
        if len(record) < self.width:
            record = [*record, *[None] * (self.width - len(record))]
        fields = {name: value for i, name in self.fields if (value := record[i])}
        attributes = {
            name: value if value.__class__ is str else _text(value)
            for i, name in self.extra
            if (value := record[i])
        }
        consent = None if self.consent is None else record[self.consent] or None
        return _validated(line, fields, attributes, consent, channel, cleaned=True)


def _validated(
    line: int,
    fields: dict[str, Any],
    attributes: dict[str, str],
    consent: Any,
    channel: str | None,
    *,
    cleaned: bool,
) -> LeadOrError:
    source_id = fields.get("source_id")
    source_id = source_id if isinstance(source_id, str) else None
    if "channel" not in fields:
        if channel is None:
            return RowError(line, "channel", "no channel, and no default channel given", source_id)
        fields["channel"] = channel
    if consent is not None:
        word = consent if isinstance(consent, str) else _text(consent)
        granted = _CONSENT_WORDS.get(word.strip().lower())
        if granted is None:
            reason = f"{consent!r} is not one of yes/no, y/n, 1/0, true/false"
            return RowError(line, CONSENT_COLUMN, reason, source_id)
        fields["consents"] = [*(fields.get("consents") or ()), _MARKETING[granted]]
    if attributes:
        given = fields.get("attributes")
        fields["attributes"] = {**given, **attributes} if isinstance(given, dict) else attributes
    try:
        lead = IncomingLead.model_validate(fields, context=PRE_CLEANED if cleaned else None)
        return NumberedLead(line, lead)
    except ValidationError as exc:
        errors = row_errors_from_validation(line, exc, source_id)
        return errors[0] if len(errors) == 1 else _joined(errors)


def _joined(errors: list[RowError]) -> RowError:
    fields = ", ".join(dict.fromkeys(error.field or "row" for error in errors))
    reason = "; ".join(f"{error.field or 'row'}: {error.reason}" for error in errors)
    return RowError(errors[0].line, fields, reason, errors[0].source_id)


def _text(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a phone typed as a number: no ".0"
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _header(names: Iterable[Any], file: str) -> list[str]:
    header = [_text(name).strip().lower() if name is not None else "" for name in names]
    named = [name for name in header if name]
    duplicates = sorted({name for name in named if named.count(name) > 1})
    if duplicates:
        raise InvalidInput(f"{file}: repeated columns {', '.join(duplicates)}", file=file)
    if not CONTACT_COLUMNS.intersection(named):
        raise InvalidInput(
            f"{file}: the header names none of the columns {', '.join(sorted(CONTACT_COLUMNS))}",
            file=file,
        )
    return header


# -- CSV -------------------------------------------------------------------------------------


def _read_csv(path: Path, channel: str | None) -> Iterator[LeadOrError]:
    with path.open(newline="", encoding="utf-8-sig") as file:
        reader = csv.reader(file)
        columns = _Columns(next(reader, []), path.name)
        end = reader.line_num
        for record in reader:
            line, end = end + 1, reader.line_num  # a quoted value may span several lines
            if not record or (len(record) == 1 and not record[0].strip()):
                continue
            if len(record) > columns.width and any(v.strip() for v in record[columns.width :]):
                yield RowError(line, None, f"{len(record)} values for {columns.width} columns")
                continue
            yield columns.lead(line, [value.strip() for value in record], channel)


# -- Excel -----------------------------------------------------------------------------------


def _read_xlsx(path: Path, channel: str | None) -> Iterator[LeadOrError]:
    workbook = load_workbook(path, read_only=True, data_only=True)
    try:
        rows = workbook.worksheets[0].iter_rows(values_only=True)
        columns = _Columns(next(rows, ()), path.name)
        for line, row in enumerate(rows, start=2):
            cells = [_cell(value) for value in row]
            if any(value is not None for value in cells):
                yield columns.lead(line, cells, channel)
    finally:
        workbook.close()


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, datetime):
        return value
    return _text(value).strip() or None


# -- JSON Lines ------------------------------------------------------------------------------


def _read_jsonl(path: Path, channel: str | None) -> Iterator[LeadOrError]:
    with path.open(encoding="utf-8-sig") as file:
        for line, text in enumerate(file, start=1):
            if not text.strip():
                continue
            try:
                record = json.loads(text)
            except json.JSONDecodeError as exc:
                yield RowError(line, None, f"not valid JSON: {exc.msg} at column {exc.colno}")
                continue
            if not isinstance(record, dict):
                yield RowError(line, None, "not a JSON object")
                continue
            yield _json_lead(line, record, channel)


def _json_lead(line: int, record: Mapping[str, Any], channel: str | None) -> LeadOrError:
    fields: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    for key, value in record.items():
        column = key.strip().lower()
        if value is None:
            continue
        if column in _KNOWN:
            # A number in a text field (a phone sent as a number) is taken as its digits.
            number = isinstance(value, int | float) and not isinstance(value, bool)
            fields[column] = _text(value) if number else value
        elif column in _NESTED:
            fields[column] = value  # the canonical shapes are passed on as they are
        elif column != CONSENT_COLUMN:
            attributes[column] = value if isinstance(value, str) else _text(value)
    consent = record.get(CONSENT_COLUMN)
    return _validated(line, fields, attributes, consent, channel, cleaned=False)


# -- ADF -------------------------------------------------------------------------------------


def _read_adf(path: Path, channel: str | None) -> Iterator[LeadOrError]:
    batch = parse_adf(path.read_bytes(), channel=channel or LeadChannel.PARTNER)
    yield from batch.numbered
    yield from batch.rejected
