"""Normalisation of a person as a channel delivers it, into the `PersonRecord` matching works on.

Pure and cheap: no I/O beyond the in-memory gazetteer; converters are built once, lazily.

Names become sorted folded Latin tokens, one per name *part*, so order and script do not matter:

- Hanzi (traditional is simplified first) → pinyin, one token for the family name and one for the
  given name: 王伟 → ("wang", "wei"), 张小明 → ("xiaoming", "zhang"), 欧阳修 → ("ouyang", "xiu").
  The family name is the first character, or two for a compound surname; it is read with its
  surname reading (单 → shan, 曾 → zeng). Hanzi split by spaces or a middle dot give one token
  per chunk, the first chunk read as the family name.
- Latin and Cyrillic → case folded, transliterated, accents and apostrophes dropped, hyphens and
  dots split: "Zoë Müller" → ("muller", "zoe"), "Иван Петров" → ("ivan", "petrov").
- Pinyin written with the given name in syllables is joined back: "ZHANG Xiao Ming" and
  "Xiao Ming Zhang" → ("xiaoming", "zhang"). This applies to a name of three or more words that
  are all pinyin; the family name is the only word in capitals, else the commonest surname.
  With separate first/last fields each field that is all pinyin is joined instead.
- A one-word pinyin name of at least five letters that starts with a common surname is split:
  "wangwei" → ("wang", "wei").
- A form of address is not a name: 王先生 / 张女士 / 李小姐 (how a show host or an agent notes a
  caller) keep only the family name, 王 → ("wang",), which then agrees with the full name as a
  subset. Latin titles are left alone: "Pan" is a Polish title and the pinyin of 潘, "Herr" a
  German surname, so no word can be dropped safely.

`first_name` and `last_name` win over `full_name` when both are given; a lone first or last name
is read as a full name (forms with one name box put everything in either).
"""

from __future__ import annotations

import contextlib
import functools
import re
import sys
import unicodedata
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import phonenumbers
from email_validator import validate_email
from pypinyin import Style, lazy_pinyin

from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.matching.translit import (
    HANZI_COMPOUND_SURNAMES,
    HANZI_SURNAME_READINGS,
    PINYIN_ALIASES,
    SURNAME_RANK,
    fold,
    split_surname,
    syllable_count,
)
from forecourt.kernel import pickling
from forecourt.kernel.errors import InvalidInput, NotFound
from forecourt.market.cities import City, countries, find_city

PHONE_UNPARSEABLE = "phone.unparseable"
PHONE_INVALID = "phone.invalid"
EMAIL_INVALID = "email.invalid"
CITY_UNKNOWN = "city.unknown"
COUNTRY_UNKNOWN = "country.unknown"
NAME_MISSING = "name.missing"

MIN_SPLIT_LENGTH = 5  # shorter one-word names (Anna, Lina) are left whole
MIN_JOIN_WORDS = 3
_COUNTRY_ALIASES = {"UK": "GB", "EL": "GR"}
_HANZI = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f]")
_HANZI_RUN = re.compile(f"(?:{_HANZI.pattern})+")
_APOSTROPHES = re.compile(r"['’‘`ʼ´]")
_LETTERS = re.compile(r"[^\W\d_]+")
_CHUNK_SEPARATORS = re.compile(r"[\s·•・‧.]+")
# A phone written with digits, spaces and hyphens only, after an optional +: phonenumbers
# reads its digits alone, so those are all the reading depends on (see `_phone_key`).
_PLAIN_PHONE = re.compile(r"\+?[0-9][0-9 -]*")
_PHONE_SPACING = re.compile(r"[ -]")
# Mr / Ms / Mrs / Miss / Madam after a Hanzi family name: 王先生 is "Mr Wang".
_HANZI_ADDRESS = re.compile(r"(?<=[\u4e00-\u9fff])(先生|女士|小姐|太太|夫人)$")


@pickling.by_fields
@dataclass(frozen=True, slots=True)
class NormalisedPerson:
    """A person normalised for matching (`record`), with what a screen or a router needs.

    `display_name` keeps the original script (Hanzi simplified); `phone_raw` and `email_raw` are
    kept as given whatever happened to them; `market_code` is the city's country, else the given
    country; `issues` (mirrored in `record.flags`) says what could not be understood.
    """

    record: PersonRecord
    display_name: str | None = None
    phone_raw: str | None = None
    phone_e164: str | None = None
    phone_valid: bool = False
    email_raw: str | None = None
    email: str | None = None
    city_name: str | None = None
    city_id: int | None = None
    market_code: str | None = None
    city_tier: int | None = None
    latitude: float | None = None
    longitude: float | None = None
    issues: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class _Place:
    market_code: str | None = None
    city_name: str | None = None
    city_id: int | None = None
    city_tier: int | None = None
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True, slots=True)
class _Name:
    display: str | None = None
    tokens: tuple[str, ...] = ()
    hanzi: str | None = None


def normalise_person(
    *,
    record_id: str,
    first_name: str | None = None,
    last_name: str | None = None,
    full_name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
    city: str | None = None,
    country: str | None = None,
) -> NormalisedPerson:
    """Normalise one person from any channel; InvalidInput when there is no name, phone or e-mail."""
    first, last, full = clean(first_name), clean(last_name), clean(full_name)
    if not (first or last or full or clean(phone) or clean(email)):
        raise InvalidInput("a lead needs a name, a phone or an e-mail", field="name")
    issues: list[str] = []
    name = _name(first, last, full)
    place = _place(clean(city), clean(country), issues)
    e164, valid = _phone(phone, place.market_code, issues)
    mail = _email(email, issues)
    if not name.tokens:
        issues.append(NAME_MISSING)
    return NormalisedPerson(
        record=PersonRecord(
            record_id=record_id,
            name_tokens=name.tokens,
            name_hanzi=name.hanzi,
            phone=e164,
            email=mail,
            city_id=place.city_id,
            country=place.market_code,
            flags=tuple(issues),
        ),
        display_name=name.display,
        phone_raw=phone,
        phone_e164=e164,
        phone_valid=valid,
        email_raw=email,
        email=mail,
        city_name=place.city_name,
        city_id=place.city_id,
        market_code=place.market_code,
        city_tier=place.city_tier,
        latitude=place.latitude,
        longitude=place.longitude,
        issues=tuple(issues),
    )


def clean(text: str | None) -> str | None:
    """NFKC with whitespace collapsed and trimmed; None when nothing is left."""
    if text is None:
        return None
    collapsed = " ".join(unicodedata.normalize("NFKC", text).split())
    return collapsed or None


@functools.cache
def _t2s() -> Any:
    """The traditional → simplified converter; slow to build, so built once on first use."""
    import opencc  # noqa: PLC0415 - only needed once a Hanzi name shows up

    return opencc.OpenCC("t2s")


def has_hanzi(text: str) -> bool:
    """Whether `text` contains a Chinese character."""
    return _HANZI.search(text) is not None


def simplified(text: str) -> str:
    """`text` with traditional Hanzi turned simplified; text without Hanzi is returned as is."""
    return str(_t2s().convert(text)) if has_hanzi(text) else text


# --- names -------------------------------------------------------------------------------------


#: Distinct inputs remembered by the pure steps below, per process: names and phones repeat
#: (a person's leads, common names), and each costs tens of microseconds to work out again.
REMEMBERED = 65_536

#: The steps that remember, by name (`remembering` gives them a larger memory for a while).
_REMEMBERING_STEPS = ("_name", "_part_words", "_hanzi_reading", "_read_phone", "_read_email")


@contextlib.contextmanager
def remembering(count: int) -> Iterator[None]:
    """Inside, each step above remembers up to `count` distinct inputs rather than REMEMBERED,
    in this process and in those it forks meanwhile; afterwards the defaults are back, and what
    was remembered inside is let go. For a bulk job: a million leads in a file repeat their
    phones, e-mails and names far apart, where the default memory has long let them go. A web
    process keeps the default, so that its memory stays bounded for as long as it runs."""
    module = sys.modules[__name__]
    kept = {name: getattr(module, name) for name in _REMEMBERING_STEPS}
    for name, step in kept.items():
        setattr(module, name, functools.lru_cache(maxsize=count)(step.__wrapped__))
    try:
        yield
    finally:
        for name, step in kept.items():
            setattr(module, name, step)


Words = tuple[tuple[str, bool], ...]
"""A name field's words: (folded word, whether it was written in capitals)."""


@functools.lru_cache(maxsize=REMEMBERED)
def _name(first: str | None, last: str | None, full: str | None) -> _Name:
    if first and last:
        return _from_parts(first, last)
    text = full or first or last
    if text is None:
        return _Name()
    text = simplified(text)
    if not has_hanzi(text):
        return _Name(text, tuple(sorted(_latin_full_tokens(text))), None)
    name = _HANZI_ADDRESS.sub("", text)
    return _Name(text, tuple(sorted(_hanzi_full_tokens(name))), _hanzi_only(name))


def _from_parts(given: str, family: str) -> _Name:
    given, family = simplified(given), simplified(family)
    # Chinese order, without a space, only when both parts are Hanzi.
    display = family + given if has_hanzi(given) and has_hanzi(family) else f"{given} {family}"
    given_words, family_words = _part_words(given, family=False), _part_words(family, family=True)
    if given_words and family_words:
        tokens = [*_joined(given_words), *_joined(family_words)]
    else:
        tokens = _latin_full_from_words(given_words or family_words)
    return _Name(display, tuple(sorted(tokens)), _hanzi_only(family + given))


# Remembered: given names and family names recur far more than whole names do, and reading
# one (pinyin above all) is a good share of normalising a person.
@functools.lru_cache(maxsize=REMEMBERED)
def _part_words(part: str, *, family: bool) -> Words:
    """The words of one name field as (folded word, written in capitals); Hanzi give one word."""
    if has_hanzi(part):
        reading = _hanzi_reading("".join(part.split()), family=family)
        return ((reading, False),) if reading else ()
    return _latin_words(part)


def _joined(words: Words) -> list[str]:
    """A field's words, joined into one when they are all pinyin (given name "Xiao Ming")."""
    tokens = [word for word, _ in words]
    if len(tokens) > 1 and all(syllable_count(token) for token in tokens):
        return ["".join(tokens)]
    return tokens


def _hanzi_only(text: str) -> str | None:
    return "".join(_HANZI.findall(text)) or None


def _hanzi_full_tokens(text: str) -> list[str]:
    chunks = [chunk for chunk in _CHUNK_SEPARATORS.split(text) if chunk]
    if len(chunks) == 1 and _HANZI_RUN.fullmatch(chunks[0]):
        family, given = _split_hanzi(chunks[0])
        return [
            t
            for t in (_hanzi_reading(family, family=True), _hanzi_reading(given, family=False))
            if t
        ]
    tokens: list[str] = []
    for index, chunk in enumerate(chunks):
        if has_hanzi(chunk):
            tokens.append(_hanzi_reading(chunk, family=index == 0))
        else:
            tokens.extend(word for word, _ in _latin_words(chunk))
    return [token for token in tokens if token]


def _split_hanzi(name: str) -> tuple[str, str]:
    """(family, given): the first character, or two for a compound surname (欧阳修)."""
    size = 2 if name[:2] in HANZI_COMPOUND_SURNAMES else 1
    return name[:size], name[size:]


@functools.lru_cache(maxsize=REMEMBERED)
def _hanzi_reading(text: str, *, family: bool) -> str:
    """Toneless pinyin of `text` as one folded word; a family name gets its surname reading."""
    if family and text[:2] not in HANZI_COMPOUND_SURNAMES and text[:1] in HANZI_SURNAME_READINGS:
        return HANZI_SURNAME_READINGS[text[0]] + _hanzi_reading(text[1:], family=False)
    syllables = lazy_pinyin(text, style=Style.NORMAL, v_to_u=True)
    return "".join(_LETTERS.findall(fold("".join(syllables))))


def _latin_words(text: str) -> Words:
    """Folded words with a flag for words written in capitals (WANG Wei: the family name)."""
    words: list[tuple[str, bool]] = []
    for word in _LETTERS.findall(_APOSTROPHES.sub("", text)):
        folded = "".join(_LETTERS.findall(_APOSTROPHES.sub("", fold(word))))
        if folded:
            words.append((PINYIN_ALIASES.get(folded, folded), len(word) > 1 and word.isupper()))
    return tuple(words)


def _latin_full_tokens(text: str) -> list[str]:
    return _latin_full_from_words(_latin_words(text))


def _latin_full_from_words(words: Words) -> list[str]:
    """Tokens of a whole name: pinyin given-name syllables joined, a run-together name split."""
    tokens = [word for word, _ in words]
    if len(tokens) == 1 and len(tokens[0]) >= MIN_SPLIT_LENGTH:
        split = split_surname(tokens[0]) if (syllable_count(tokens[0]) or 0) > 1 else None
        return list(split) if split else tokens
    if len(tokens) < MIN_JOIN_WORDS or not all(syllable_count(token) for token in tokens):
        return tokens
    family = _family_index(words)
    if family is None:
        return tokens
    return [tokens[family], "".join(tokens[:family] + tokens[family + 1 :])]


def _family_index(words: Words) -> int | None:
    """Which word is the family name: the only one in capitals, else the commonest surname."""
    capitals = [index for index, (_, upper) in enumerate(words) if upper]
    if len(capitals) == 1 and len(words) > 1:
        return capitals[0]
    ranked = [(SURNAME_RANK[w], index) for index, (w, _) in enumerate(words) if w in SURNAME_RANK]
    return min(ranked)[1] if ranked else None


# --- phone, e-mail, place -----------------------------------------------------------------------


def _phone(raw: str | None, region: str | None, issues: list[str]) -> tuple[str | None, bool]:
    """E.164 and validity of `raw`, read in `region` unless it starts with + or 00."""
    text = clean(raw)
    if text is None:
        return None, False
    e164, issue = _read_phone(*_phone_key(text, region))
    if issue is not None:
        issues.append(issue)
    return e164, e164 is not None


def _phone_key(text: str, region: str | None) -> tuple[str, str | None]:
    """What reading `text` in `region` depends on: "+86 138-0013-8000", "0086 13800138000" and
    "+8613800138000" are one number to read, and one entry of the cache of numbers read (a
    customer's leads give their number in all of these ways)."""
    if not _PLAIN_PHONE.fullmatch(text):
        return text, region  # letters, brackets, an extension: read as written
    international = text.startswith("00")  # as `_read_phone` tells
    digits = _PHONE_SPACING.sub("", text[2:] if international else text)
    if international:
        return "+" + digits, region
    # "0 0…" is not written as an international number, and its digits alone would be; and
    # phonenumbers reads no fewer than three digits apart ("0 1"), but two together ("01").
    written = digits.startswith("00") or len(digits) < 3
    return (text if written else digits), region


@functools.lru_cache(maxsize=REMEMBERED)
def _read_phone(text: str, region: str | None) -> tuple[str | None, str | None]:
    """(E.164, None) for a valid number, else (None, the flag saying why)."""
    if text.startswith("00"):
        text = "+" + text[2:]
    try:
        number = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None, PHONE_UNPARSEABLE
    if not phonenumbers.is_valid_number(number):
        return None, PHONE_INVALID
    return phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164), None


def _email(raw: str | None, issues: list[str]) -> str | None:
    """The validated, case-folded address; None (and a flag) when it is not an address."""
    text = raw.strip() if raw else ""
    if not text:
        return None
    address = _read_email(text)
    if address is None:
        issues.append(EMAIL_INVALID)
    return address


@functools.lru_cache(maxsize=REMEMBERED)
def _read_email(text: str) -> str | None:
    """The validated, case-folded address, or None when `text` is not one."""
    try:
        return validate_email(text, check_deliverability=False).normalized.casefold()
    except ValueError:  # EmailNotValidError, and the IDNA codec's UnicodeError alike
        return None


def _place(city: str | None, country: str | None, issues: list[str]) -> _Place:
    """The market and the city's facts; the city is looked up within the country if given."""
    code = _country_code(country, issues)
    if city is None:
        return _Place(market_code=code)
    found = _known_city(city, code)
    if found is None:
        issues.append(CITY_UNKNOWN)
        return _Place(market_code=code, city_name=city)
    return _Place(
        market_code=found.country,
        city_name=found.name,
        city_id=found.geonameid,
        city_tier=found.tier,
        latitude=found.latitude,
        longitude=found.longitude,
    )


@functools.lru_cache(maxsize=8192)
def _known_city(name: str, country: str | None) -> City | None:
    """The gazetteer's city, or None; cached because a miss also ranks suggestions (~40 ms)."""
    try:
        return find_city(name, country)
    except NotFound:
        return None


def _country_code(country: str | None, issues: list[str]) -> str | None:
    """An ISO 3166-1 alpha-2 code (UK → GB), or None with a flag when it is not one."""
    if country is None:
        return None
    code = _COUNTRY_ALIASES.get(country.upper(), country.upper())
    if code not in countries():
        issues.append(COUNTRY_UNKNOWN)
        return None
    return code
