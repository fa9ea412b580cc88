"""A dealer's subdivision (state, province): the seed, the checks against its country's codes,
the calendar routing is handed, and holiday trading by regional names."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import Connection
from tests.conftest import table_count

from forecourt.bootstrap import Container
from forecourt.dealer import holiday_trading, reference
from forecourt.dealer import service as dealers
from forecourt.dealer.schemas import DealerRead, DealerUpdate, RoutingPolicyData
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import network as networks
from forecourt.lead.business_time import BusinessCalendar

API = "/api/v1"
EPIPHANY = date(2026, 1, 6)
CORPUS_CHRISTI = date(2026, 6, 4)
WOMENS_DAY = date(2027, 3, 8)
REFORMATION_DAY = date(2026, 10, 31)
CHRISTMAS_DAY = date(2026, 12, 25)
# Bavaria, Bavaria, Berlin, Hamburg, everywhere.
HOLIDAYS = (EPIPHANY, CORPUS_CHRISTI, WOMENS_DAY, REFORMATION_DAY, CHRISTMAS_DAY)


def _calendar(container: Container, code: str) -> BusinessCalendar:
    return networks.current(container.uow()).by_code[code].calendar


def _closed(container: Container, code: str) -> tuple[bool, ...]:
    """Whether the dealer is closed on each of `HOLIDAYS`."""
    calendar = _calendar(container, code)
    return tuple(calendar.closed_for(day) for day in HOLIDAYS)


def _update(container: Container, code: str, **values: Any) -> DealerRead:
    dealer = dealers.get_dealer_by_code(container.uow(), code=code)
    change = DealerUpdate.model_validate(values)
    return dealers.update_dealer(container.uow(), dealer_id=dealer.id, data=change)


def _subdivision(container: Container, code: str) -> str | None:
    return dealers.get_dealer_by_code(container.uow(), code=code).subdivision


def test_the_seed_puts_german_dealers_in_their_states(container: Container) -> None:
    seeded = {
        d.code: d.subdivision for d in dealers.list_dealers(container.uow(), market_code="DE")
    }
    assert seeded == {"DE-MUC-01": "BY", "DE-BER-01": "BE", "DE-HAM-01": "HH"}
    assert _subdivision(container, "FR-PAR-01") is None  # no French region keeps other holidays
    assert _calendar(container, "DE-MUC-01").subdivision == "BY"


def test_each_dealer_is_closed_on_the_holidays_of_its_own_state(container: Container) -> None:
    assert _closed(container, "DE-MUC-01") == (True, True, False, False, True)
    assert _closed(container, "DE-BER-01") == (False, False, True, False, True)
    assert _closed(container, "DE-HAM-01") == (False, False, False, True, True)


def test_a_dealer_moved_to_another_state_or_to_none_keeps_that_state_s_holidays(
    container: Container,
) -> None:
    assert _update(container, "DE-BER-01", subdivision="by").subdivision == "BY"  # as coded
    assert _closed(container, "DE-BER-01") == (True, True, False, False, True)
    assert _update(container, "DE-BER-01", subdivision=None).subdivision is None
    assert _closed(container, "DE-BER-01") == (False, False, False, False, True)  # national


@pytest.mark.parametrize("code", ["XX", "ENG"])  # ENG is England's: of another country
def test_an_unknown_subdivision_is_refused_naming_the_known_codes_and_changes_nothing(
    container: Container, code: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        _update(container, "DE-MUC-01", subdivision=code, daily_lead_capacity=1)
    details = err.value.details
    assert (details["field"], details["unknown"]) == ("subdivision", code)
    assert {"BY", "BE", "HH", "NW", "HE", "BW"} <= set(details["known"])
    assert "BY" in err.value.message
    unchanged = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    assert (unchanged.subdivision, unchanged.daily_lead_capacity) == ("BY", 30)


def test_a_country_without_subdivisions_knows_none(container: Container) -> None:
    with pytest.raises(InvalidInput) as err:
        _update(container, "CZ-PRG-01", subdivision="10")
    assert (err.value.details["field"], err.value.details["known"]) == ("subdivision", [])
    assert holiday_trading.subdivision_codes("ZZ") == ()  # a country the package does not know


def test_a_dealer_trades_on_a_holiday_of_its_state_by_name(container: Container) -> None:
    traded = _update(container, "DE-MUC-01", open_on_holidays=["epiphany"])
    assert traded.open_on_holidays == ["Epiphany"]
    assert _closed(container, "DE-MUC-01") == (False, True, False, False, True)


def test_a_holiday_of_another_state_is_refused_and_one_of_the_new_state_accepted(
    container: Container,
) -> None:
    with pytest.raises(InvalidInput) as err:
        _update(container, "DE-BER-01", open_on_holidays=["Epiphany"])
    assert (err.value.details["field"], err.value.details["unknown"]) == (
        "open_on_holidays",
        ["Epiphany"],
    )
    assert "Women's Day" in err.value.details["known"]
    moved = _update(container, "DE-BER-01", subdivision="BY", open_on_holidays=["Epiphany"])
    assert (moved.subdivision, moved.open_on_holidays) == ("BY", ["Epiphany"])


def test_a_market_may_trade_on_a_holiday_of_any_of_its_states(container: Container) -> None:
    policy = RoutingPolicyData(open_on_holidays=["corpus christi"])
    saved = dealers.set_routing_policy(container.uow(), market_code="DE", data=policy)
    assert saved.open_on_holidays == ["Corpus Christi"]
    assert _closed(container, "DE-MUC-01") == (True, False, False, False, True)


def test_subdivisions_over_http(client: Any, make_caller: Any, container: Container) -> None:
    hq = make_caller(Role.HQ).headers
    berlin = dealers.get_dealer_by_code(container.uow(), code="DE-BER-01")
    url = f"{API}/dealers/{berlin.id}"
    assert client.get(url, headers=hq).json()["subdivision"] == "BE"
    patched = client.patch(url, json={"subdivision": "hh"}, headers=hq)
    assert (patched.status_code, patched.json()["subdivision"]) == (200, "HH")
    listed = client.get(f"{API}/dealers", params={"market": "DE"}, headers=hq).json()
    assert {d["code"]: d["subdivision"] for d in listed}["DE-BER-01"] == "HH"
    cleared = client.patch(url, json={"subdivision": None}, headers=hq)
    assert cleared.json()["subdivision"] is None


@pytest.mark.parametrize("value", ["Bavaria", "XX", "", 9])
def test_a_bad_subdivision_over_http_is_422_naming_the_field(
    client: Any, make_caller: Any, container: Container, value: Any
) -> None:
    hq = make_caller(Role.HQ).headers
    munich = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    body = {"subdivision": value, "phone": "+49 89 1111 2222"}
    response = client.patch(f"{API}/dealers/{munich.id}", json=body, headers=hq)
    assert response.status_code == 422
    assert "subdivision" in response.text
    if isinstance(value, str) and value:
        details = response.json()["error"]["details"]
        assert details["field"] == "subdivision"
        assert {"BY", "BE"} <= set(details["known"])
    after = client.get(f"{API}/dealers/{munich.id}", headers=hq).json()
    assert (after["subdivision"], after["phone"]) == ("BY", munich.phone)


def test_a_dealer_entry_with_an_unknown_subdivision_names_the_dealer_and_field(
    uow: UnitOfWork, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = reference.read_data_file()
    broken = text.replace('subdivision = "BY"', 'subdivision = "Bayern"', 1)
    assert broken != text
    monkeypatch.setattr(reference, "read_data_file", lambda: broken)
    before = table_count(connection, "dealer")
    with pytest.raises(InvalidInput) as err:
        dealers.seed_reference_data(uow)
    assert (err.value.details["dealer"], err.value.details["field"]) == ("DE-MUC-01", "subdivision")
    assert "Bayern" in err.value.message
    assert table_count(connection, "dealer") == before
