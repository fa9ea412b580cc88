"""Dealers that trade on public holidays: the market's default, the dealer's own say, the seed,
and what routing is handed."""

from __future__ import annotations

from typing import Any

import pytest
from tests.conftest import table_count

from forecourt.bootstrap import Container
from forecourt.dealer import reference
from forecourt.dealer import service as dealers
from forecourt.dealer.schemas import DealerUpdate, RoutingPolicyData
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import network as networks

API = "/api/v1"


def _trades(container: Container, code: str) -> bool:
    return networks.current(container.uow()).by_code[code].calendar.open_on_holidays


def test_the_seed_has_chinese_dealers_trade_on_holidays_and_others_not(
    container: Container,
) -> None:
    china = dealers.get_routing_policy(container.uow(), market_code="CN")
    germany = dealers.get_routing_policy(container.uow(), market_code="DE")
    assert (china.open_on_holidays, germany.open_on_holidays) == (True, False)
    assert _trades(container, "CN-SHA-01")
    assert not _trades(container, "DE-MUC-01")


def test_a_dealer_s_own_say_wins_over_its_market_and_null_hands_back(
    container: Container,
) -> None:
    shanghai = dealers.get_dealer_by_code(container.uow(), code="CN-SHA-01")
    closed = DealerUpdate(open_on_holidays=False)
    changed = dealers.update_dealer(container.uow(), dealer_id=shanghai.id, data=closed)
    assert changed.open_on_holidays is False
    assert not _trades(container, "CN-SHA-01")
    follow = DealerUpdate.model_validate({"open_on_holidays": None})
    dealers.update_dealer(container.uow(), dealer_id=shanghai.id, data=follow)
    assert _trades(container, "CN-SHA-01")  # back to the market's policy
    assert dealers.get_dealer(container.uow(), dealer_id=shanghai.id).open_on_holidays is None


def test_the_market_policy_changes_every_dealer_that_follows_it(container: Container) -> None:
    policy = RoutingPolicyData(open_on_holidays=True)
    dealers.set_routing_policy(container.uow(), market_code="DE", data=policy)
    assert _trades(container, "DE-MUC-01")
    munich = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    closed = DealerUpdate(open_on_holidays=False)
    dealers.update_dealer(container.uow(), dealer_id=munich.id, data=closed)
    assert not _trades(container, "DE-MUC-01")


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
    patched = client.patch(
        f"{API}/dealers/{munich.id}", json={"open_on_holidays": True}, headers=hq
    )
    assert patched.status_code == 200
    assert patched.json()["open_on_holidays"] is True
    bad = client.patch(
        f"{API}/dealers/{munich.id}", json={"open_on_holidays": "sometimes"}, headers=hq
    )
    assert bad.status_code == 422
    assert "open_on_holidays" in bad.text
    body = {"open_on_holidays": True}
    put = client.put(f"{API}/dealers/routing-policies/PL", json=body, headers=hq)
    got = client.get(f"{API}/dealers/routing-policies/PL", headers=hq)
    assert (put.status_code, got.json()["open_on_holidays"]) == (200, True)
    assert _trades(container, "DE-MUC-01")


def test_a_bad_market_routing_entry_names_the_field_and_writes_nothing(
    uow: UnitOfWork, connection: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = reference.read_data_file()
    assert "[routing.CN]\nopen_on_holidays = true" in text
    for old, new, field in (
        ("open_on_holidays = true", 'open_on_holidays = "yes"', "open_on_holidays"),
        ("[routing.CN]", "[routing.XX]", "market"),
    ):
        broken = text.replace(old, new, 1)
        monkeypatch.setattr(reference, "read_data_file", lambda broken=broken: broken)
        before = table_count(connection, "routing_policy")
        with pytest.raises(InvalidInput) as err:
            dealers.seed_reference_data(uow)
        assert err.value.details["field"] == field
        assert table_count(connection, "routing_policy") == before
