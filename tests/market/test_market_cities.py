"""The city gazetteer: names in any script, tiers of Chinese cities, suggestions, speed."""

from __future__ import annotations

import pytest

from forecourt.kernel.errors import NotFound
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as markets
from forecourt.market.cities import china_tier, find_city


@pytest.mark.parametrize("name", ["上海", "上海市", "Shanghai", "SHANGHAI", " shanghai "])
def test_shanghai_in_any_script(name: str) -> None:
    city = find_city(name)
    assert (city.name, city.country, city.timezone, city.tier) == (
        "Shanghai",
        "CN",
        "Asia/Shanghai",
        1,
    )
    assert 31.0 < city.latitude < 31.5
    assert 121.2 < city.longitude < 121.7


@pytest.mark.parametrize(
    ("name", "english"),
    [
        ("北京", "Beijing"),
        ("北京市", "Beijing"),
        ("洛阳", "Luoyang"),
        ("赣州市", "Ganzhou"),
        ("Xian", "Xi’an"),
        ("Xi'an", "Xi’an"),
        ("Urumqi", "Ürümqi"),
        ("München", "Munich"),
        ("Krakow", "Kraków"),
        ("İstanbul", "Istanbul"),
        ("Москва", "Moscow"),
        ("القاهرة", "Cairo"),
    ],
)
def test_names_are_case_accent_and_script_insensitive(name: str, english: str) -> None:
    assert find_city(name).name == english


@pytest.mark.parametrize(
    ("name", "tier"),
    [
        ("Shanghai", 1),
        ("Beijing", 1),
        ("Shenzhen", 1),
        ("Guangzhou", 1),
        ("Hangzhou", 2),
        ("Zhengzhou", 2),
        ("Ganzhou", 3),
        ("Zunyi", 3),
        ("Mianyang", 3),
        ("Luoyang", 4),
        ("Yichang", 4),
        ("Shangrao", 4),
        ("Lhasa", 5),
    ],
)
def test_chinese_cities_get_a_tier_from_their_size(name: str, tier: int) -> None:
    assert find_city(name, "CN").tier == tier


def test_tier_thresholds() -> None:
    assert [china_tier(p) for p in (20_000_000, 4_000_000, 2_000_000, 800_000, 100_000)] == [
        1,
        2,
        3,
        4,
        5,
    ]


def test_cities_outside_china_have_no_tier() -> None:
    assert find_city("Munich").tier is None


def test_ambiguous_names_prefer_the_most_populous_unless_a_country_is_given() -> None:
    assert find_city("Paris").country == "FR"
    assert find_city("Paris", "US").country == "US"
    assert find_city("Valencia").country == "VE"
    assert find_city("valencia", "es").country == "ES"


def test_unknown_city_suggests_close_names() -> None:
    with pytest.raises(NotFound) as err:
        find_city("Shanghia")
    assert err.value.details["field"] == "city"
    suggestions = err.value.details["suggestions"]
    assert suggestions[0] == "Shanghai"
    assert len(suggestions) <= 5


def test_a_city_in_another_country_is_not_found() -> None:
    with pytest.raises(NotFound) as err:
        find_city("Shanghai", "DE")
    assert err.value.details["field"] == "city"


def test_resolve_city_names_the_market(uow: UnitOfWork) -> None:
    city = markets.resolve_city(uow, name="上海市")
    assert (city.name, city.market_code, city.tier) == ("Shanghai", "CN", 1)
    assert markets.resolve_city(uow, name="Tokyo").market_code is None
