"""The data file: every bad entry is refused with the item and the field that are wrong."""

from __future__ import annotations

import pytest

from forecourt.catalog.reference import check_prices, load_reference, read_data_file
from forecourt.catalog.snapshot import MarketFacts
from forecourt.kernel.errors import InvalidInput

TEXT = read_data_file()


def edited(old: str, new: str) -> str:
    assert old in TEXT
    return TEXT.replace(old, new, 1)


def test_the_packaged_file_loads() -> None:
    reference = load_reference(TEXT)

    assert reference.catalogue.platform_code == "MCP"
    assert list(reference.catalogue.body_styles) == [
        "sedan", "hatchback", "crossover", "suv", "estate"
    ]  # fmt: skip
    assert len(reference.offers) == 21
    assert reference.offers["CN"].prices["lumen_sedan"].amount_minor == 114_000_00


@pytest.mark.parametrize(
    ("text", "item", "field"),
    [
        (edited('requires = ["camera_pack"]', 'requires = ["camera_pak"]'), "option 'acc'", "requires"),
        (edited('body_style = "suv"', 'body_style = "van"'), "model 'terra'", "body_style"),
        (edited('line = "young"', 'line = "youth"'), "trim 'young'", "line"),
        (edited('drive_sides = ["lhd"]', 'drive_sides = ["left"]'), "option 'hud'", "drive_sides"),
        (edited('code = "vela_coupe"', 'code = "vela"'), "item 'vela'", "code"),
        (edited("lumen_sedan = 114_000", "lumen_sedan = -1"), "market CN price", "lumen_sedan"),
        (edited("lumen_sedan = 114_000", "lumen_sedna = 114_000"), "market CN price", "lumen_sedna"),
        (edited('currency = "CNY"', 'currency = "XYZ"'), "market CN", "currency"),
        (edited('name = "Head-up display"', "name = 7"), "option 'hud'", "name"),
        (edited('requires = ["trailer_prep"]', 'requires = ["trailer_prep"]\nexcludes = ["trailer_prep"]'), "option 'tow_bar'", "excludes"),
        (edited('requires = ["camera_pack"]', 'requires = ["hud"]'), "option 'acc'", "requires"),
    ],
)  # fmt: skip
def test_a_bad_entry_names_its_item_and_field(text: str, item: str, field: str) -> None:
    with pytest.raises(InvalidInput) as raised:
        load_reference(text)

    assert raised.value.details == {"item": item, "field": field}
    assert item in raised.value.message


def test_a_cycle_of_requirements_is_refused() -> None:
    text = edited(
        'name = "Driver assistance pack (front camera)"',
        'name = "Driver assistance pack (front camera)"\nrequires = ["acc"]',
    )

    with pytest.raises(InvalidInput, match="cycle") as raised:
        load_reference(text)

    assert raised.value.details["field"] == "requires"


def test_a_market_without_the_price_of_something_it_sells_is_refused() -> None:
    reference = load_reference(edited("wheels_17 = 2600\n", ""))
    china = MarketFacts(code="CN", currency="CNY", drive_side="lhd")

    with pytest.raises(InvalidInput) as raised:
        check_prices(reference.catalogue, reference.offers["CN"], china)

    assert raised.value.details == {"item": "market CN price", "field": "wheels_17"}


def test_prices_in_a_currency_the_market_does_not_use_are_refused() -> None:
    reference = load_reference(TEXT)
    china = MarketFacts(code="CN", currency="USD", drive_side="lhd")

    with pytest.raises(InvalidInput, match="USD"):
        check_prices(reference.catalogue, reference.offers["CN"], china)
