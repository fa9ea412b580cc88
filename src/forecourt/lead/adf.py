"""ADF 1.0 (Auto-lead Data Format) XML in and out.

Reading is lenient about what real senders produce: an upper-case, misplaced or missing
`<?adf version="1.0"?>` or XML declaration, upper-case element and attribute names, namespaces,
`<name part="full">`, empty or missing optional elements, several prospects per document. It is
strict about safety: entity declarations and external references are refused. What ADF carries
beyond the canonical lead fields (vehicle details, address lines, timeframe, comments, vendor and
provider) is kept in the lead's `attributes` under the keys of `ATTRIBUTE_PATHS`, which the writer
reads back, so a parsed document writes out to the same prospects.
"""

from __future__ import annotations

import codecs
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from xml.parsers.expat import errors as expat_errors

# defusedxml ships no type stubs.
from defusedxml import DefusedXmlException
from defusedxml import ElementTree as SafeET
from pydantic import ValidationError

from forecourt.kernel.errors import InvalidInput, Malformed
from forecourt.lead.incoming import (
    ATTRIBUTE_VALUE_MAX,
    IncomingLead,
    LeadChannel,
    NumberedLead,
    RowError,
    row_errors_from_validation,
)

ADF_VERSION = "1.0"
DEALER_CODE_SOURCE = "dealer_code"
"""A vendor `<id source="dealer_code">` names the dealer by its code in this system."""

# Attribute key -> path under <prospect>, in the element order of the ADF 1.0 DTD.
ATTRIBUTE_PATHS: dict[str, tuple[str, ...]] = {
    "vehicle_year": ("vehicle", "year"),
    "vehicle_make": ("vehicle", "make"),
    "vehicle_vin": ("vehicle", "vin"),
    "vehicle_stock": ("vehicle", "stock"),
    "vehicle_trim": ("vehicle", "trim"),
    "vehicle_price": ("vehicle", "price"),
    "vehicle_comments": ("vehicle", "comments"),
    "address_street": ("customer", "contact", "address", "street"),
    "address_apartment": ("customer", "contact", "address", "apartment"),
    "address_regioncode": ("customer", "contact", "address", "regioncode"),
    "address_postalcode": ("customer", "contact", "address", "postalcode"),
    "timeframe_description": ("customer", "timeframe", "description"),
    "timeframe_earliestdate": ("customer", "timeframe", "earliestdate"),
    "timeframe_latestdate": ("customer", "timeframe", "latestdate"),
    "comments": ("customer", "comments"),
    "vendor_name": ("vendor", "vendorname"),
    "vendor_contact": ("vendor", "contact", "name"),
    "provider_name": ("provider", "name"),
    "provider_service": ("provider", "service"),
    "provider_url": ("provider", "url"),
    "provider_email": ("provider", "email"),
    "provider_phone": ("provider", "phone"),
    "provider_contact": ("provider", "contact", "name"),
}
_NAME_PARTS = {"first": "first_name", "last": "last_name", "full": "full_name"}
_REQUEST_DATE_FORMATS = ("%m/%d/%Y %I:%M:%S %p", "%m/%d/%Y %I:%M %p", "%m/%d/%Y %H:%M", "%m/%d/%Y")
_XML_DECLARATION = re.compile(r"<\?xml(?=[\s?])[^>]*\?>", re.IGNORECASE)
_DECLARED_ENCODING = re.compile(rb"""^[^>]*?encoding\s*=\s*["']([A-Za-z0-9._-]+)["']""")
_NOT_XML_CHAR = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
_TWO_LETTERS = re.compile(r"^[A-Za-z]{2}$")


class AdfSyntaxError(Malformed):
    """The document is not well-formed XML; `details` hold the 1-based line and column."""


@dataclass
class AdfBatch:
    """The prospects of one document that make a lead, and why the others do not."""

    numbered: list[NumberedLead] = field(default_factory=list)
    rejected: list[RowError] = field(default_factory=list)

    @property
    def prospects(self) -> list[IncomingLead]:
        """The valid prospects' leads, in document order."""
        return [item.lead for item in self.numbered]


def parse_adf(data: bytes | str, *, channel: LeadChannel | str = LeadChannel.PARTNER) -> AdfBatch:
    """Read every prospect of an ADF document; raise `AdfSyntaxError` for broken XML."""
    batch = AdfBatch()
    for index, element in enumerate(_prospect_elements(_parse_tree(data)), start=1):
        fields = prospect_fields(element)
        try:
            lead = IncomingLead.model_validate({**fields, "channel": channel})
            batch.numbered.append(NumberedLead(index, lead))
        except ValidationError as exc:
            source_id = fields.get("source_id")
            batch.rejected.extend(row_errors_from_validation(index, exc, source_id))
    return batch


# -- reading ---------------------------------------------------------------------------------


def _parse_tree(data: bytes | str) -> ET.Element:
    text = _blank_declarations(_decode(data))
    try:
        root: ET.Element = SafeET.fromstring(text, forbid_dtd=False)
    except ET.ParseError as exc:
        line, column = exc.position
        reason = expat_errors.messages.get(exc.code, str(exc))
        raise AdfSyntaxError(
            f"the ADF document is not well-formed XML: {reason} at line {line}, column {column + 1}",
            line=line,
            column=column + 1,
        ) from exc
    except DefusedXmlException as exc:
        raise InvalidInput(
            "the ADF document declares entities or external references, which are refused",
            reason=type(exc).__name__,
        ) from exc
    _lower_names(root)
    return root


def _decode(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    encoding = _encoding_of(data)
    try:
        return codecs.decode(data, encoding)
    except LookupError as exc:
        raise InvalidInput(f"unknown encoding {encoding!r} in the ADF document") from exc
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        column = exc.start - data.rfind(b"\n", 0, exc.start)
        raise AdfSyntaxError(
            f"the ADF document is not valid {encoding} at line {line}, column {column}",
            line=line,
            column=column,
        ) from exc


def _encoding_of(data: bytes) -> str:
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    head = data[:300].lstrip()
    declaration = _DECLARED_ENCODING.match(head) if head[:5].lower() == b"<?xml" else None
    return declaration.group(1).decode("ascii") if declaration else "utf-8"


def _blank_declarations(text: str) -> str:
    # The text is already decoded, so XML declarations say nothing more; blanking them (instead
    # of deleting) keeps the line and column of every later error where the sender sees it.
    return _XML_DECLARATION.sub(lambda match: re.sub(r"[^\n]", " ", match.group()), text)


def _lower_names(root: ET.Element) -> None:
    for element in root.iter():
        element.tag = _local(element.tag).lower()
        if element.attrib:
            element.attrib = {_local(k).lower(): v.strip() for k, v in element.attrib.items()}


def _local(name: str) -> str:
    return name.rpartition("}")[2]


def _prospect_elements(root: ET.Element) -> list[ET.Element]:
    if root.tag == "prospect":
        return [root]
    prospects = list(root.iter("prospect"))
    if root.tag != "adf" and not prospects:
        raise InvalidInput(f"not an ADF document: the root element is <{root.tag}>")
    if not prospects:
        raise InvalidInput("the ADF document holds no prospect")
    return prospects


def _text(element: ET.Element | None) -> str | None:
    if element is None:
        return None
    return "".join(element.itertext()).strip() or None


def _attribute(element: ET.Element, name: str) -> str | None:
    return element.get(name, "").lower() or None


def prospect_fields(prospect: ET.Element) -> dict[str, Any]:
    """The lead fields of one (name-lowered) `<prospect>`, before validation."""
    fields: dict[str, Any] = {}
    attributes: dict[str, str] = {}
    if status := _attribute(prospect, "status"):
        attributes["adf_status"] = status
    _read_id(prospect.find("id"), fields, attributes)
    _read_request_date(_text(prospect.find("requestdate")), fields, attributes)
    _read_vehicles(prospect.findall("vehicle"), fields, attributes)
    contacts = prospect.findall("customer/contact")
    if contacts:
        primary = next((c for c in contacts if c.get("primarycontact") == "1"), contacts[0])
        _read_contact(primary, fields, attributes)
    _read_vendor(prospect.find("vendor"), fields, attributes)
    for key, path in ATTRIBUTE_PATHS.items():
        if key not in attributes and (value := _text(_first(prospect, path))):
            attributes[key] = value
    fields["attributes"] = {k: v[:ATTRIBUTE_VALUE_MAX] for k, v in attributes.items()}
    return fields


def _first(prospect: ET.Element, path: tuple[str, ...]) -> ET.Element | None:
    if path[:2] == ("customer", "contact"):
        return None  # read from the primary contact, not the first one
    return prospect.find("/".join(path))


def _read_id(element: ET.Element | None, fields: dict[str, Any], attrs: dict[str, str]) -> None:
    if element is None:
        return
    fields["source_id"] = _text(element)
    if source := element.get("source"):
        attrs["id_source"] = source


def _read_request_date(text: str | None, fields: dict[str, Any], attrs: dict[str, str]) -> None:
    if text is None:
        return
    when = parse_request_date(text)
    if when is None:
        attrs["requestdate"] = text  # kept as given: a strange date does not lose the lead
    fields["created_at"] = when


def parse_request_date(text: str) -> datetime | None:
    """An ADF request date in ISO 8601 or a common US form; naive times are taken as UTC."""
    try:
        when = datetime.fromisoformat(text)
    except ValueError:
        when = None
        for pattern in _REQUEST_DATE_FORMATS:
            try:
                when = datetime.strptime(text, pattern)
                break
            except ValueError:
                continue
    if when is not None and when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return when


def _read_vehicles(
    vehicles: list[ET.Element], fields: dict[str, Any], attrs: dict[str, str]
) -> None:
    if not vehicles:
        return
    first, *others = vehicles
    fields["model_interest"] = _text(first.find("model"))
    for name in ("interest", "status"):
        if value := _attribute(first, name):
            attrs[f"vehicle_{name}"] = value
    other_models = [model for v in others if (model := _text(v.find("model")))]
    if other_models:
        attrs["vehicle_others"] = "; ".join(other_models)


def _read_contact(contact: ET.Element, fields: dict[str, Any], attrs: dict[str, str]) -> None:
    for name in contact.findall("name"):
        part = _attribute(name, "part") or "full"
        key = _NAME_PARTS.get(part)
        value = _text(name)
        if key and not fields.get(key):
            fields[key] = value
        elif value and part in {"middle", "suffix"}:
            attrs[f"{part}_name"] = value
        if _attribute(name, "type") == "business":
            attrs["contact_type"] = "business"
    fields["email"] = _text(contact.find("email"))
    _read_phones(contact.findall("phone"), fields, attrs)
    address = contact.find("address")
    if address is not None:
        _read_address(address, fields, attrs)


def _read_phones(phones: list[ET.Element], fields: dict[str, Any], attrs: dict[str, str]) -> None:
    chosen = False
    for phone in phones:
        number = _text(phone)
        if number is None:
            continue
        kind = _attribute(phone, "type") or "voice"
        if not chosen and kind != "fax":
            chosen = True
            fields["phone"] = number
            if time := _attribute(phone, "time"):
                attrs["phone_time"] = time
        else:
            attrs.setdefault(f"phone_{kind}", number)


def _read_address(address: ET.Element, fields: dict[str, Any], attrs: dict[str, str]) -> None:
    fields["city"] = _text(address.find("city"))
    country = _text(address.find("country"))
    if country and not _TWO_LETTERS.match(country):
        attrs["country_given"] = country  # not ISO alpha-2: capture may still make sense of it
        country = None
    fields["country"] = country
    streets = [text for street in address.findall("street") if (text := _text(street))]
    if streets:
        attrs["address_street"] = ", ".join(streets)
    for key, (*_, tag) in ATTRIBUTE_PATHS.items():
        if key.startswith("address_") and key not in attrs and (value := _text(address.find(tag))):
            attrs[key] = value


def _read_vendor(vendor: ET.Element | None, fields: dict[str, Any], attrs: dict[str, str]) -> None:
    if vendor is None:
        return
    for element in vendor.findall("id"):
        source = (element.get("source") or "").lower()
        if source == DEALER_CODE_SOURCE:
            fields["dealer_code"] = _text(element)
        elif value := _text(element):
            attrs.setdefault("vendor_id", value)
            if source:
                attrs.setdefault("vendor_id_source", source)


# -- writing ---------------------------------------------------------------------------------


def write_adf(
    leads: Sequence[IncomingLead],
    *,
    provider_name: str = "Forecourt",
    now: datetime | None = None,
) -> str:
    """ADF 1.0 for the leads; what ADF has no place for (campaign, UTM, consents) is left out."""
    root = ET.Element("adf")
    written_at = now or datetime.now(UTC)
    for lead in leads:
        root.append(_prospect(lead, provider_name, written_at))
    ET.indent(root)
    body = ET.tostring(root, encoding="unicode")
    return f'<?xml version="1.0" encoding="UTF-8"?>\n<?adf version="{ADF_VERSION}"?>\n{body}\n'


def _prospect(lead: IncomingLead, provider_name: str, written_at: datetime) -> ET.Element:
    attrs = lead.attributes
    prospect = ET.Element("prospect", status=attrs.get("adf_status", "new"))
    if lead.source_id:
        source = attrs.get("id_source", provider_name)
        _add(prospect, "id", lead.source_id, sequence="1", source=source)
    _add(prospect, "requestdate", _iso(lead.created_at or written_at))
    vehicle = _add(
        prospect,
        "vehicle",
        interest=attrs.get("vehicle_interest", "buy"),
        status=attrs.get("vehicle_status", "new"),
    )
    _add_attributes(prospect, lead, "vehicle_year", "vehicle_make")
    _add(vehicle, "model", lead.model_interest)
    _add_attributes(prospect, lead, "vehicle_vin", "vehicle_stock", "vehicle_trim")
    _add_attributes(prospect, lead, "vehicle_price", "vehicle_comments")
    _add_customer(prospect, lead)
    vendor = _add(prospect, "vendor")
    if lead.dealer_code:
        _add(vendor, "id", lead.dealer_code, source=DEALER_CODE_SOURCE)
    _add(vendor, "vendorname", attrs.get("vendor_name") or lead.dealer_code or "")
    _add_attributes(prospect, lead, "vendor_contact")
    provider = _add(prospect, "provider")
    _add(provider, "name", attrs.get("provider_name") or provider_name, part="full")
    _add_attributes(prospect, lead, "provider_service", "provider_url", "provider_email")
    _add_attributes(prospect, lead, "provider_phone", "provider_contact")
    return prospect


def _add_customer(prospect: ET.Element, lead: IncomingLead) -> None:
    attrs = lead.attributes
    contact = _add(_add(prospect, "customer"), "contact", primarycontact="1")
    name_type = {"type": "business"} if attrs.get("contact_type") == "business" else {}
    for part, value in (
        ("first", lead.first_name),
        ("middle", attrs.get("middle_name")),
        ("suffix", attrs.get("suffix_name")),
        ("last", lead.last_name),
        ("full", lead.full_name),
    ):
        _add(contact, "name", value, part=part, **name_type)
    _add(contact, "email", lead.email)
    phone_time = {"time": attrs["phone_time"]} if "phone_time" in attrs else {}
    _add(contact, "phone", lead.phone, type="voice", **phone_time)
    for kind in ("cellphone", "fax"):
        _add(contact, "phone", attrs.get(f"phone_{kind}"), type=kind)
    if lead.city or lead.country or any(k.startswith("address_") for k in attrs):
        address = _add(contact, "address")
        _add_attributes(prospect, lead, "address_street", "address_apartment")
        _add(address, "city", lead.city)
        _add_attributes(prospect, lead, "address_regioncode", "address_postalcode")
        _add(address, "country", lead.country)
    _add_attributes(prospect, lead, "timeframe_description", "timeframe_earliestdate")
    _add_attributes(prospect, lead, "timeframe_latestdate", "comments")


def _add_attributes(prospect: ET.Element, lead: IncomingLead, *keys: str) -> None:
    for key in keys:
        value = lead.attributes.get(key)
        if value is None:
            continue
        parent = prospect
        *parents, tag = ATTRIBUTE_PATHS[key]
        for name in parents:
            found = parent.find(name)
            parent = found if found is not None else _add(parent, name)
        _add(parent, tag, value, **({"part": "full"} if tag == "name" else {}))


def _add(parent: ET.Element, tag: str, text: str | None = "", **attrib: str) -> ET.Element:
    """A child element; a `None` text means the value is unknown and nothing is added."""
    element = ET.Element(tag, {k: _clean(v) for k, v in attrib.items()})
    if text is None:
        return element
    element.text = _clean(text) or None
    parent.append(element)
    return element


def _clean(text: str) -> str:
    return _NOT_XML_CHAR.sub("", text)


def _iso(when: datetime) -> str:
    return when.isoformat(timespec="seconds" if when.microsecond == 0 else "microseconds")
