"""A Chinese form of address is not a name: 王先生 keeps only the family name."""

from __future__ import annotations

import pytest

from forecourt.customer.matching.decide import name_conflict, resolve
from forecourt.customer.matching.model import default_model
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.matching.records import PersonRecord


def person(**fields: str) -> PersonRecord:
    return normalise_person(record_id=fields.pop("rid", "r"), **fields).record


@pytest.mark.parametrize(
    ("written", "family", "hanzi"),
    [
        ("王先生", ("wang",), "王"),
        ("張女士", ("zhang",), "张"),
        ("李小姐", ("li",), "李"),
        ("欧阳女士", ("ouyang",), "欧阳"),
    ],
)
def test_chinese_forms_of_address_keep_the_family_name(
    written: str, family: tuple[str, ...], hanzi: str
) -> None:
    record = person(full_name=written)
    assert record.name_tokens == family
    assert record.name_hanzi == hanzi


def test_the_display_name_keeps_what_was_written() -> None:
    assert normalise_person(record_id="r", full_name="王先生").display_name == "王先生"


def test_latin_words_that_may_be_titles_are_names() -> None:
    # 潘 is Pan; Herr is also a German family name: neither may be dropped as a title.
    assert person(full_name="Pan Wei").name_tokens == ("pan", "wei")
    assert person(full_name="Herr").name_tokens == ("herr",)


def test_a_caller_noted_as_mr_wang_is_no_household_conflict_with_wang_wei() -> None:
    caller = person(full_name="王先生", phone="13812345678", country="CN")
    known = person(rid="k", full_name="王伟", phone="+86 138 1234 5678", country="CN")
    assert name_conflict(caller, known) is None
    other_family = person(rid="o", full_name="李娜", phone="+86 138 1234 5678", country="CN")
    assert name_conflict(caller, other_family) == "strong"
    assert resolve(default_model(), caller, [other_family]).outcome == "new"
