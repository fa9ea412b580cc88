"""The public holidays dealers trade on: all, none or those named; the market's default, the
dealer's own say, the checks against the country's holidays, the seed, and what routing is
handed."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from tests.conftest import table_count

from forecourt.bootstrap import Container
from forecourt.dealer import holiday_trading, reference
from forecourt.dealer import service as dealers
from forecourt.dealer.schemas import DealerUpdate, RoutingPolicyData
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import network as networks
from forecourt.lead.business_time import HolidayTrading
from forecourt.market import reference as market_reference

API = "/api/v1"
GOLDEN_WEEK = ["Labor Day", "National Day"]
MARKETS = {m.code for m in market_reference.load_markets(market_reference.read_data_file())}


def _trades(container: Container, code: str) -> HolidayTrading:
    return networks.current(container.uow()).by_code[code].calendar.open_on_holidays


def _set(container: Container, code: str, value: Any) -> Any:
    dealer = dealers.get_dealer_by_code(container.uow(), code=code)
    change = DealerUpdate.model_validate({"open_on_holidays": value})
    return dealers.update_dealer(container.uow(), dealer_id=dealer.id, data=change)


def test_the_seed_has_chinese_dealers_trade_on_golden_week_and_may_day_only(
    container: Container,
) -> None:
    china = dealers.get_routing_policy(container.uow(), market_code="CN")
    germany = dealers.get_routing_policy(container.uow(), market_code="DE")
    assert (china.open_on_holidays, germany.open_on_holidays) == (GOLDEN_WEEK, False)
    assert _trades(container, "CN-SHA-01") == frozenset(GOLDEN_WEEK)
    assert _trades(container, "DE-MUC-01") is False


def test_a_seeded_shanghai_dealer_opens_in_golden_week_and_shuts_for_spring_festival(
    container: Container,
) -> None:
    calendar = networks.current(container.uow()).by_code["CN-SHA-01"].calendar
    assert calendar.is_holiday(date(2026, 10, 2))  # National Day
    assert not calendar.closed_for(date(2026, 10, 2))
    assert not calendar.closed_for(date(2026, 10, 7))  # a bridging day off of Golden Week
    assert calendar.is_holiday(date(2026, 2, 17))  # Chinese New Year (Spring Festival)
    assert calendar.closed_for(date(2026, 2, 17))
    assert calendar.closed_for(date(2026, 9, 25))  # Mid-Autumn Festival: not named


def test_a_dealer_s_own_say_wins_over_its_market_and_null_hands_back(
    container: Container,
) -> None:
    assert _set(container, "CN-SHA-01", False).open_on_holidays is False
    assert _trades(container, "CN-SHA-01") is False
    assert _set(container, "CN-SHA-01", True).open_on_holidays is True
    assert _trades(container, "CN-SHA-01") is True
    _set(container, "CN-SHA-01", None)
    assert _trades(container, "CN-SHA-01") == frozenset(GOLDEN_WEEK)  # the market's again
    shanghai = dealers.get_dealer_by_code(container.uow(), code="CN-SHA-01")
    assert dealers.get_dealer(container.uow(), dealer_id=shanghai.id).open_on_holidays is None


def test_named_holidays_are_stored_as_the_package_spells_them(container: Container) -> None:
    names = ["christmas day", "German Unity Day", "Christmas Day"]
    changed = _set(container, "DE-MUC-01", names)
    assert changed.open_on_holidays == ["Christmas Day", "German Unity Day"]
    assert _trades(container, "DE-MUC-01") == frozenset({"Christmas Day", "German Unity Day"})
    assert _set(container, "DE-MUC-01", []).open_on_holidays is False  # none named: none


def test_the_market_policy_changes_every_dealer_that_follows_it(container: Container) -> None:
    policy = RoutingPolicyData(open_on_holidays=["good friday"])
    saved = dealers.set_routing_policy(container.uow(), market_code="DE", data=policy)
    assert saved.open_on_holidays == ["Good Friday"]
    assert _trades(container, "DE-MUC-01") == frozenset({"Good Friday"})
    _set(container, "DE-MUC-01", False)
    assert _trades(container, "DE-MUC-01") is False
    again = dealers.get_routing_policy(container.uow(), market_code="DE")
    assert again.open_on_holidays == ["Good Friday"]


def test_a_holiday_unknown_in_the_dealer_s_country_is_refused_naming_the_known_ones(
    container: Container,
) -> None:
    # National Day is China's; Germany's is German Unity Day.
    with pytest.raises(InvalidInput) as err:
        _set(container, "DE-MUC-01", ["Christmas Day", "National Day"])
    assert err.value.details["field"] == "open_on_holidays"
    assert err.value.details["unknown"] == ["National Day"]
    assert "German Unity Day" in err.value.details["known"]
    assert "German Unity Day" in err.value.message
    munich = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    assert munich.open_on_holidays is None  # nothing written


def test_a_market_policy_naming_an_unknown_holiday_is_refused(uow: UnitOfWork) -> None:
    policy = RoutingPolicyData(open_on_holidays=["Spring Festival"])
    with pytest.raises(InvalidInput) as err:
        dealers.set_routing_policy(uow, market_code="CN", data=policy)
    assert err.value.details["field"] == "open_on_holidays"
    assert "Chinese New Year (Spring Festival)" in err.value.details["known"]


def test_the_known_names_are_the_package_s_without_observed_or_swapped_days() -> None:
    known = holiday_trading.known_names("CN", today=date(2026, 11, 22))
    assert {"National Day", "Labor Day", "Chinese New Year (Spring Festival)"} <= set(known)
    assert not [name for name in known if "observed" in name or name.startswith("Day off")]
    assert holiday_trading.known_names("ZZ") == ()  # a country the package does not know


def test_other_fields_still_cannot_be_emptied(uow: UnitOfWork) -> None:
    munich = dealers.get_dealer_by_code(uow, code="DE-MUC-01")
    with pytest.raises(InvalidInput) as err:
        dealers.update_dealer(
            uow, dealer_id=munich.id, data=DealerUpdate.model_validate({"phone": None})
        )
    assert err.value.details["field"] == "phone"


def test_holiday_trading_over_http(client: Any, make_caller: Any, container: Container) -> None:
    hq = make_caller(Role.HQ).headers
    munich = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    url = f"{API}/dealers/{munich.id}"
    patched = client.patch(url, json={"open_on_holidays": ["Second Day of Christmas"]}, headers=hq)
    assert (patched.status_code, patched.json()["open_on_holidays"]) == (
        200,
        ["Second Day of Christmas"],
    )
    assert client.get(url, headers=hq).json()["open_on_holidays"] == ["Second Day of Christmas"]
    still_a_yes = client.patch(url, json={"open_on_holidays": True}, headers=hq)
    assert still_a_yes.json()["open_on_holidays"] is True
    body = {"open_on_holidays": ["Easter Sunday", "Easter Monday"]}
    put = client.put(f"{API}/dealers/routing-policies/PL", json=body, headers=hq)
    assert put.status_code == 200
    got = client.get(f"{API}/dealers/routing-policies/PL", headers=hq).json()
    assert got["open_on_holidays"] == ["Easter Monday", "Easter Sunday"]
    assert _trades(container, "DE-MUC-01") is True


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("dealers/{id}", "sometimes"),
        ("dealers/{id}", ["Boxing Day"]),
        ("dealers/{id}", [""]),
        ("routing-policies/DE", ["Thanksgiving Day"]),
        ("routing-policies/DE", None),
    ],
)
def test_bad_holiday_trading_over_http_is_422_naming_the_field(
    client: Any, make_caller: Any, container: Container, path: str, value: Any
) -> None:
    hq = make_caller(Role.HQ).headers
    munich = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    body = {"open_on_holidays": value}
    if path.startswith("dealers"):
        response = client.patch(f"{API}/dealers/{munich.id}", json=body, headers=hq)
    else:
        response = client.put(f"{API}/dealers/{path}", json=body, headers=hq)
    assert response.status_code == 422
    assert "open_on_holidays" in response.text
    if isinstance(value, list) and value[0]:
        details = response.json()["error"]["details"]
        assert (details["field"], details["unknown"]) == ("open_on_holidays", value)
        assert "Christmas Day" in details["known"]


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        (
            'open_on_holidays = ["National Day"',
            'open_on_holidays = "yes"  # ["',
            "open_on_holidays",
        ),
        ('= ["National Day", "Labor Day"]', '= ["National Day", "Labour Day"]', "open_on_holidays"),
        ("[routing.CN]", "[routing.XX]", "market"),
    ],
)
def test_a_bad_market_routing_entry_names_the_field_and_writes_nothing(
    uow: UnitOfWork,
    connection: Any,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    field: str,
) -> None:
    text = reference.read_data_file()
    assert '[routing.CN]\nopen_on_holidays = ["National Day", "Labor Day"]' in text
    broken = text.replace(old, new, 1)
    monkeypatch.setattr(reference, "read_data_file", lambda: broken)
    before = table_count(connection, "routing_policy")
    with pytest.raises(InvalidInput) as err:
        dealers.seed_reference_data(uow)
    assert err.value.details["field"] == field
    assert table_count(connection, "routing_policy") == before


def test_a_dealer_entry_naming_an_unknown_holiday_names_the_dealer_and_field() -> None:
    text = reference.read_data_file().replace(
        'code = "DE-MUC-01"\n', 'code = "DE-MUC-01"\nopen_on_holidays = ["Oktoberfest"]\n', 1
    )
    with pytest.raises(InvalidInput) as err:
        reference.load_dealers(text, MARKETS)
    assert (err.value.details["dealer"], err.value.details["field"]) == (
        "DE-MUC-01",
        "open_on_holidays",
    )
    assert "Oktoberfest" in err.value.message
