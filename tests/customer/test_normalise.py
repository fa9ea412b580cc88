"""Normalising a person as channels deliver it: names in any script, phones, e-mails, cities."""

from __future__ import annotations

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from forecourt.customer.matching import normalise
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.matching.translit import fold, split_surname, syllable_count
from forecourt.kernel.errors import InvalidInput


def tokens(**fields: str) -> tuple[str, ...]:
    return normalise_person(record_id="r", **fields).record.name_tokens


# --- names ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [
        {"full_name": "王伟"},
        {"full_name": "Wang Wei"},
        {"full_name": "WEI WANG"},
        {"full_name": "wang wei"},
        {"full_name": "WANG Wei"},
        {"full_name": "wangwei"},
        {"full_name": "王 伟"},
        {"first_name": "Wei", "last_name": "Wang"},
        {"first_name": "伟", "last_name": "王"},
    ],
)
def test_wang_wei_in_any_form(fields: dict[str, str]) -> None:
    assert tokens(**fields) == ("wang", "wei")


def test_hanzi_name_keeps_simplified_hanzi() -> None:
    person = normalise_person(record_id="r", first_name="伟", last_name="王")
    assert (person.record.name_hanzi, person.display_name) == ("王伟", "王伟")


def test_traditional_hanzi_is_simplified() -> None:
    traditional = normalise_person(record_id="r", full_name="陳偉")
    simplified = normalise_person(record_id="r", full_name="陈伟")
    assert traditional.record.name_tokens == simplified.record.name_tokens == ("chen", "wei")
    assert traditional.record.name_hanzi == traditional.display_name == "陈伟"


@pytest.mark.parametrize(
    "fields",
    [
        {"full_name": "张小明"},
        {"full_name": "Zhang Xiaoming"},
        {"full_name": "Xiaoming Zhang"},
        {"full_name": "ZHANG Xiao Ming"},
        {"full_name": "Xiao Ming Zhang"},
        {"full_name": "Xiao-Ming Zhang"},
        {"full_name": "zhangxiaoming"},
        {"first_name": "Xiao Ming", "last_name": "Zhang"},
        {"first_name": "小明", "last_name": "张"},
    ],
)
def test_given_name_syllables_are_one_token(fields: dict[str, str]) -> None:
    assert tokens(**fields) == ("xiaoming", "zhang")


@pytest.mark.parametrize(
    ("hanzi", "expected"),
    [
        ("单田芳", ("shan", "tianfang")),
        ("曾国藩", ("guofan", "zeng")),
        ("区志航", ("ou", "zhihang")),
        ("仇英", ("qiu", "ying")),
        ("朴槿惠", ("jinhui", "piao")),
        ("查良镛", ("liangyong", "zha")),
        ("覃明", ("ming", "qin")),
        ("尉迟恭", ("gong", "yuchi")),
        ("欧阳修", ("ouyang", "xiu")),
        ("司马光", ("guang", "sima")),
        ("吕布", ("bu", "lu")),
    ],
)
def test_family_names_use_their_surname_reading(hanzi: str, expected: tuple[str, ...]) -> None:
    assert tokens(full_name=hanzi) == expected


def test_surname_reading_only_in_family_position() -> None:
    assert tokens(first_name="单", last_name="王") == ("dan", "wang")


@pytest.mark.parametrize("latin", ["Lü Bu", "Lyu Bu", "Lv Bu", "LU Bu"])
def test_u_umlaut_spellings_meet(latin: str) -> None:
    assert tokens(full_name=latin) == tokens(full_name="吕布") == ("bu", "lu")


@pytest.mark.parametrize(
    "fields",
    [
        {"full_name": "Zoë Müller"},
        {"full_name": "ZOE MULLER"},
        {"full_name": "  zoe   müller "},
        {"first_name": "Zoë", "last_name": "Müller"},
        {"first_name": "Müller", "last_name": "Zoë"},
    ],
)
def test_diacritics_are_folded(fields: dict[str, str]) -> None:
    assert tokens(**fields) == ("muller", "zoe")


@pytest.mark.parametrize(
    "fields",
    [
        {"full_name": "Иван Петров"},
        {"full_name": "Петров Иван"},
        {"full_name": "ПЕТРОВ иван"},
        {"full_name": "Ivan Petrov"},
        {"first_name": "Иван", "last_name": "Петров"},
    ],
)
def test_cyrillic_is_transliterated(fields: dict[str, str]) -> None:
    assert tokens(**fields) == ("ivan", "petrov")


@pytest.mark.parametrize(
    ("cyrillic", "latin"),
    [("Юлия", "yuliya"), ("Щукин", "shchukin"), ("Хрущёв", "khrushchev"), ("Ольга", "olga")],
)
def test_cyrillic_table(cyrillic: str, latin: str) -> None:
    assert fold(cyrillic) == latin


def test_punctuation_and_apostrophes() -> None:
    assert tokens(full_name="Seán O'Brien-Smith") == ("obrien", "sean", "smith")
    assert tokens(full_name="Jean-Pierre Dupont") == tokens(full_name="jean pierre DUPONT")


def test_short_one_word_names_are_not_split() -> None:
    assert tokens(full_name="Anna") == ("anna",)
    assert tokens(full_name="Xian") == ("xian",)
    assert tokens(full_name="Zhuang") == ("zhuang",)


def test_first_and_last_win_over_full_name() -> None:
    assert tokens(first_name="Wei", last_name="Wang", full_name="Someone Else") == ("wang", "wei")


def test_lone_first_name_is_read_as_full_name() -> None:
    assert tokens(first_name="王伟", full_name=" ") == ("wang", "wei")


def test_full_name_wins_over_a_lone_first_name() -> None:
    assert tokens(full_name="Zoë Müller", first_name="Zoë") == ("muller", "zoe")


def test_nameless_record_is_flagged() -> None:
    person = normalise_person(record_id="r", phone="+86 138 0013 8000", full_name="???")
    assert person.record.name_tokens == ()
    assert person.issues == person.record.flags == ("name.missing",)


def test_pinyin_helpers() -> None:
    assert syllable_count("xiaoming") == 2
    assert syllable_count("schmidt") is None
    assert split_surname("wangwei") == ("wang", "wei")
    assert split_surname("schmidt") is None


# --- phone ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("phone", "country"),
    [
        ("+86 138-0013-8000", None),
        ("+8613800138000", None),
        ("0086 138 0013 8000", None),
        ("(+86) 138 0013 8000", None),
        ("138 0013 8000", "CN"),
        ("138-0013-8000", "cn"),
        ("１３８００１３８０００", "CN"),
    ],
)
def test_chinese_mobile_formats(phone: str, country: str | None) -> None:
    person = normalise_person(record_id="r", phone=phone, country=country)
    assert (person.phone_e164, person.phone_valid, person.phone_raw) == (
        "+8613800138000",
        True,
        phone,
    )
    assert person.record.phone == "+8613800138000"


@pytest.mark.parametrize(
    ("phone", "country"),
    [("(030) 1234567", "DE"), ("+49 30 1234567", None), ("0049 (0)30 1234567", None)],
)
def test_german_formats(phone: str, country: str | None) -> None:
    assert normalise_person(record_id="r", phone=phone, country=country).phone_e164 == (
        "+49301234567"
    )


def test_city_gives_the_phone_its_country() -> None:
    person = normalise_person(record_id="r", phone="138 0013 8000", city="上海")
    assert person.phone_e164 == "+8613800138000"


def test_invalid_phone_is_kept_and_flagged() -> None:
    person = normalise_person(record_id="r", full_name="Wang Wei", phone="12345", country="DE")
    assert (person.phone_raw, person.phone_e164, person.phone_valid) == ("12345", None, False)
    assert person.issues == person.record.flags == ("phone.invalid",)


@pytest.mark.parametrize(("phone", "country"), [("call me", "CN"), ("138 0013 8000", None)])
def test_unparseable_phone_is_kept_and_flagged(phone: str, country: str | None) -> None:
    person = normalise_person(record_id="r", phone=phone, country=country)
    assert (person.phone_raw, person.phone_e164) == (phone, None)
    assert "phone.unparseable" in person.issues


_spacing = st.sampled_from(["", " ", "-", " - "])


@settings(max_examples=300, deadline=None)
@given(
    prefix=st.sampled_from(["", "+", "00", "0"]),
    groups=st.lists(st.text("0123456789", min_size=1, max_size=4), min_size=1, max_size=5),
    gaps=st.lists(_spacing, min_size=5, max_size=5),
    region=st.sampled_from([None, "CN", "DE", "GB", "FR", "SK", "US"]),
)
def test_a_phone_is_read_the_same_by_its_digits_alone(
    prefix: str, groups: list[str], gaps: list[str], region: str | None
) -> None:
    # Numbers remembered by their digits (one cache entry for all the ways of writing one)
    # must read exactly as phonenumbers reads them as written.
    text = prefix + "".join(group + gap for group, gap in zip(groups, gaps, strict=False))
    text = text.strip(" -")
    assume(text and text[-1].isdigit())
    read = normalise._read_phone.__wrapped__  # uncached
    assert read(*normalise._phone_key(text, region)) == read(text, region)


def test_remembering_enlarges_the_memory_for_a_while_and_gives_the_default_back() -> None:
    default = normalise._read_phone
    with normalise.remembering(10):
        inside = normalise._read_phone
        assert inside is not default
        assert inside.cache_info().maxsize == 10
        person = normalise_person(record_id="r", phone="138 0013 8000", country="CN")
        assert person.phone_e164 == "+8613800138000"  # read the same way
        assert inside.cache_info().currsize == 1  # and remembered in the larger memory
    assert normalise._read_phone is default
    assert default.cache_info().maxsize == normalise.REMEMBERED


# --- e-mail --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "email", ["Zoe.Muller@Example.COM", " zoe.muller@example.com ", "ZOE.MULLER@EXAMPLE.COM"]
)
def test_email_is_case_folded(email: str) -> None:
    person = normalise_person(record_id="r", email=email)
    assert (person.email, person.record.email, person.email_raw) == (
        "zoe.muller@example.com",
        "zoe.muller@example.com",
        email,
    )


@pytest.mark.parametrize("email", ["not-an-address", "a@b", "zoe@@example.com", "x@y.test"])
def test_invalid_email_is_kept_and_flagged(email: str) -> None:
    person = normalise_person(record_id="r", email=email)
    assert (person.email, person.email_raw, person.issues) == (
        None,
        email,
        ("email.invalid", "name.missing"),
    )


# --- city and market -----------------------------------------------------------------------------


@pytest.mark.parametrize("city", ["上海", "上海市", "Shanghai"])
def test_chinese_city(city: str) -> None:
    person = normalise_person(record_id="r", full_name="王伟", city=city)
    assert (person.city_name, person.market_code, person.city_tier) == ("Shanghai", "CN", 1)
    assert person.latitude is not None
    assert 31.0 < person.latitude < 31.5
    assert person.longitude is not None
    assert 121.2 < person.longitude < 121.7
    assert (person.record.city_id, person.record.country) == (person.city_id, "CN")
    assert person.city_id is not None


def test_city_in_any_language() -> None:
    munich = normalise_person(record_id="r", full_name="Zoë Müller", city="München", country="de")
    assert munich.city_id == normalise_person(record_id="r", full_name="x", city="Munich").city_id
    assert (munich.city_name, munich.market_code, munich.city_tier) == ("Munich", "DE", None)


def test_unknown_city_keeps_name_and_country() -> None:
    person = normalise_person(record_id="r", full_name="x", city="Atlantis", country="DE")
    assert (person.city_name, person.city_id, person.market_code) == ("Atlantis", None, "DE")
    assert person.issues == ("city.unknown",)


def test_unknown_country_is_flagged() -> None:
    person = normalise_person(record_id="r", full_name="x", country="XX")
    assert (person.market_code, person.issues) == (None, ("country.unknown",))
    assert normalise_person(record_id="r", full_name="x", country="uk").market_code == "GB"


# --- required fields -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "fields",
    [{}, {"full_name": "  ", "phone": "", "email": "\t"}, {"city": "上海", "country": "CN"}],
)
def test_a_lead_needs_a_name_a_phone_or_an_email(fields: dict[str, str]) -> None:
    with pytest.raises(InvalidInput) as caught:
        normalise_person(record_id="r", **fields)
    assert caught.value.details == {"field": "name"}


# --- properties ----------------------------------------------------------------------------------

_latin_letter = st.characters(
    min_codepoint=0x41, max_codepoint=0x24F, whitelist_categories=("Lu", "Ll")
) | st.characters(min_codepoint=0x410, max_codepoint=0x44F)
_word = st.text(_latin_letter, min_size=1, max_size=8)
_words = st.lists(_word, min_size=1, max_size=4).map(" ".join)


@given(first=_words, last=_words)
def test_swapping_first_and_last_keeps_tokens(first: str, last: str) -> None:
    assert tokens(first_name=first, last_name=last) == tokens(first_name=last, last_name=first)


@given(name=_words)
def test_normalising_latin_tokens_again_changes_nothing(name: str) -> None:
    once = tokens(full_name=name)
    assume(once)  # a lone hard sign (Ъ) leaves nothing to normalise again
    assert tokens(full_name=" ".join(once)) == once


@given(first=_words, last=_words)
def test_normalising_latin_parts_again_changes_nothing(first: str, last: str) -> None:
    once = tokens(first_name=first, last_name=last)
    assume(once)
    assert tokens(full_name=" ".join(once)) == once


_any = st.none() | st.text(max_size=30)


@settings(max_examples=300, deadline=None)
@given(
    first=_any,
    last=_any,
    full=_any,
    phone=_any | st.from_regex(r"\+?[0-9 ()\-]{3,20}", fullmatch=True),
    email=_any | st.emails().map(str),
    city=_any,
    country=st.none() | st.sampled_from(["CN", "DE", "cn", "RU", "XX", "", "Deutschland"]),
)
def test_never_fails_on_arbitrary_text(
    first: str | None,
    last: str | None,
    full: str | None,
    phone: str | None,
    email: str | None,
    city: str | None,
    country: str | None,
) -> None:
    fields = {"first_name": first, "last_name": last, "full_name": full, "phone": phone}
    fields |= {"email": email, "city": city, "country": country}
    try:
        person = normalise_person(record_id="r", **fields)
    except InvalidInput:
        assert not any(value and value.strip() for value in (first, last, full, phone, email))
    else:
        assert person.record.flags == person.issues
        assert (person.phone_raw, person.email_raw) == (phone, email)
