"""Markets: reference data, rollout order, consent rules and scope, at the service layer."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Connection
from tests.conftest import table_count

from forecourt.bootstrap import Container
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import reference
from forecourt.market import service as markets


def _acting(container: Container, role: Role, *codes: str) -> UnitOfWork:
    principal = Principal(
        user_id=uuid.uuid4(),
        email=f"{role.value}@forecourt.example",
        role=role,
        market_codes=frozenset(codes),
        dealer_id=uuid.uuid4() if role is Role.DEALER_STAFF else None,
    )
    return container.uow(principal)


def test_seeding_twice_changes_nothing(uow: UnitOfWork, connection: Connection) -> None:
    before = table_count(connection, "market")
    assert markets.seed_reference_data(uow) == before
    assert markets.seed_reference_data(uow) == before
    assert table_count(connection, "market") == before == 21


def test_markets_come_in_rollout_order_home_market_first(uow: UnitOfWork) -> None:
    found = markets.list_markets(uow)
    assert found[0].code == "CN"
    assert found[0].rollout_phase == 1
    assert found[0].data_region == "cn"
    phases = [m.rollout_phase for m in found]
    assert phases == sorted(phases)
    by_code = {m.code: m for m in found}
    assert {by_code[c].rollout_phase for c in ("PL", "CZ", "SK", "HU", "RO")} == {2}
    assert {by_code[c].rollout_phase for c in ("DE", "FR", "IT", "ES", "NL", "BE", "AT")} == {3}
    assert {(by_code[c].rollout_phase, by_code[c].data_region) for c in ("RU", "TR")} == {
        (4, "row")
    }
    assert {(by_code[c].drive_side, by_code[c].rollout_phase) for c in ("GB", "IE")} == {("rhd", 5)}
    assert {by_code[c].rollout_phase for c in ("AE", "SA", "EG", "MA")} == {6}
    assert all(m.launch_date > found[0].launch_date for m in found[1:])


def test_market_facts_are_those_of_the_country(uow: UnitOfWork) -> None:
    china = markets.get_market(uow, code="cn")
    assert (china.currency, china.default_language, china.timezone) == (
        "CNY",
        "zh-CN",
        "Asia/Shanghai",
    )
    germany = markets.get_market(uow, code="DE")
    assert (germany.currency, germany.languages, germany.drive_side) == ("EUR", ["de-DE"], "lhd")
    assert markets.get_market(uow, code="GB").currency == "GBP"


def test_consent_rules_follow_the_jurisdiction(uow: UnitOfWork) -> None:
    china = markets.get_market(uow, code="CN").consent_rules
    assert china["law"].startswith("PIPL")
    assert china["separate_consent_for_transfer"] is True
    assert china["data_localisation"] is True
    germany = markets.get_market(uow, code="DE").consent_rules
    assert germany["law"].startswith("GDPR")
    assert germany["marketing"] == "opt_in"
    assert germany["double_opt_in"] is True
    assert markets.get_market(uow, code="FR").consent_rules["consent_age"] == 15
    assert markets.get_market(uow, code="GB").consent_rules["marketing"] == "soft_opt_in"


def test_unknown_market_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound) as err:
        markets.get_market(uow, code="ZZ")
    assert err.value.details["field"] == "code"


@pytest.mark.parametrize(
    ("role", "codes", "expected"),
    [
        (Role.MARKET_MANAGER, ("PL", "CZ"), ["CZ", "PL"]),
        (Role.DEALER_STAFF, ("DE",), ["DE"]),
    ],
)
def test_scoped_callers_see_only_their_markets(
    container: Container, role: Role, codes: tuple[str, ...], expected: list[str]
) -> None:
    assert [m.code for m in markets.list_markets(_acting(container, role, *codes))] == expected


def test_hq_and_call_centre_see_every_market(container: Container) -> None:
    for role in (Role.HQ, Role.CALL_CENTRE):
        assert len(markets.list_markets(_acting(container, role))) == 21


def test_a_market_outside_scope_is_forbidden(container: Container) -> None:
    manager = _acting(container, Role.MARKET_MANAGER, "PL")
    assert markets.get_market(manager, code="PL").code == "PL"
    with pytest.raises(Forbidden):
        markets.get_market(manager, code="CN")


def test_only_hq_seeds(container: Container) -> None:
    with pytest.raises(Forbidden):
        markets.seed_reference_data(_acting(container, Role.MARKET_MANAGER, "PL"))


@pytest.mark.parametrize(
    ("old", "new", "market", "field"),
    [
        ('currency = "PLN"', 'currency = "EUR"', "PL", "currency"),
        ('code = "CZ"', 'code = "XZ"', "XZ", "code"),
        ('timezone = "Europe/Berlin"', 'timezone = "Europe/Munich"', "DE", "timezone"),
        ('drive_side = "rhd"', 'drive_side = "right"', "GB", "drive_side"),
        ('languages = ["zh-CN"]', 'languages = ["chinese"]', "CN", "languages"),
        ('languages = ["hu-HU"]', 'languages = ["fr-FR"]', "HU", "languages"),
        ('profile = "kvkk"', 'profile = "none"', "TR", "consent"),
    ],
)
def test_a_bad_entry_in_the_data_file_names_market_and_field(
    old: str, new: str, market: str, field: str
) -> None:
    text = reference.read_data_file()
    assert old in text
    with pytest.raises(InvalidInput) as err:
        reference.load_markets(text.replace(old, new, 1))
    assert (err.value.details["market"], err.value.details["field"]) == (market, field)


def test_a_bad_data_file_writes_nothing(
    uow: UnitOfWork, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = reference.read_data_file().replace('currency = "PLN"', 'currency = "EUR"')
    text = text.replace('name = "China"', 'name = "People\'s Republic of China"')
    monkeypatch.setattr(reference, "read_data_file", lambda: text)
    with pytest.raises(InvalidInput):
        markets.seed_reference_data(uow)
    assert markets.get_market(uow, code="CN").name == "China"
