"""The dealer network at the service layer: seeding, nearest dealers, scope and audited changes."""

from __future__ import annotations

import uuid
from typing import Any

import pytest
from sqlalchemy import Connection, select
from tests.conftest import table_count

from forecourt.bootstrap import Container
from forecourt.dealer import reference
from forecourt.dealer import service as dealers
from forecourt.dealer.models import BRAND
from forecourt.dealer.schemas import DealerRead, DealerUpdate
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.records import AuditEntry
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import reference as market_reference
from forecourt.market.cities import find_city

MUNICH = (48.137, 11.575)
MARKETS = {m.code for m in market_reference.load_markets(market_reference.read_data_file())}
WEEK = {day: [["09:00", "18:00"]] for day in ("mon", "tue", "wed", "thu", "fri")} | {
    "sat": [["10:00", "13:00"]],
    "sun": [],
}


def _acting(
    container: Container, role: Role, *markets: str, dealer: DealerRead | None = None
) -> UnitOfWork:
    principal = Principal(
        user_id=uuid.uuid4(),
        email=f"{role.value}@forecourt.example",
        role=role,
        market_codes=frozenset(markets or ([dealer.market_code] if dealer else [])),
        dealer_id=dealer.id if dealer else None,
    )
    return container.uow(principal)


def _dealer(uow: UnitOfWork, code: str) -> DealerRead:
    return dealers.get_dealer_by_code(uow, code=code)


def _audit(uow: UnitOfWork, dealer_id: uuid.UUID) -> list[dict[str, Any]]:
    """The audit entries about one dealer, as plain dicts."""
    with uow:
        query = select(AuditEntry).where(AuditEntry.entity_id == str(dealer_id))
        return [
            {
                key: getattr(entry, key)
                for key in ("action", "entity_type", "market_code", "actor_email", "changes")
            }
            for entry in uow.session.scalars(query)
        ]


# Seeding


def test_seeding_twice_changes_nothing(uow: UnitOfWork, connection: Connection) -> None:
    counts = (table_count(connection, "dealer"), table_count(connection, "dealer_staff"))
    assert dealers.seed_reference_data(uow) == counts[0]
    assert dealers.seed_reference_data(uow) == counts[0]
    assert (table_count(connection, "dealer"), table_count(connection, "dealer_staff")) == counts
    assert 40 <= counts[0] <= 60


def test_the_network_spans_every_market_and_kind(uow: UnitOfWork) -> None:
    network = dealers.list_dealers(uow)
    assert {d.market_code for d in network} >= {"CN", "PL", "DE", "RU", "GB", "AE", "MA"}
    assert {d.kind for d in network} == {"own", "franchise", "multibrand"}
    assert sum(d.market_code == "CN" for d in network) >= 15
    for dealer in network:
        assert BRAND in dealer.brands
        assert (len(dealer.brands) > 1) == (dealer.kind == "multibrand")


def test_location_comes_from_the_gazetteer(uow: UnitOfWork) -> None:
    luoyang = _dealer(uow, "CN-LYA-01")
    city = find_city("Luoyang", "CN")
    assert (luoyang.city, luoyang.city_geonameid, luoyang.city_tier) == (
        "Luoyang",
        city.geonameid,
        4,
    )
    assert (luoyang.latitude, luoyang.longitude) == (city.latitude, city.longitude)
    assert luoyang.timezone == "Asia/Shanghai"
    munich = _dealer(uow, "DE-MUC-01")
    assert (munich.city, munich.timezone, munich.city_tier) == ("Munich", "Europe/Berlin", None)
    assert _dealer(uow, "CN-SHA-02").city_tier == 1  # listed as 上海市 in the file


def test_every_dealer_has_two_to_four_staff(uow: UnitOfWork) -> None:
    for dealer in dealers.list_dealers(uow, market_code="PL"):
        detail = dealers.get_dealer(uow, dealer_id=dealer.id)
        assert 2 <= len(detail.staff) <= 4
        assert any(member.job == "manager" for member in detail.staff)


@pytest.mark.parametrize(
    ("old", "new", "field"),
    [
        ('city = "Luoyang"', 'city = "Atlantis"', "city"),
        ('market = "PL"\ncity = "Warsaw"', 'market = "XX"\ncity = "Warsaw"', "market"),
        ('market = "PL"\ncity = "Warsaw"', 'market = "PL"\ncity = "Munich"', "city"),
        ('kind = "own"', 'kind = "dealer"', "kind"),
        ('hours = "france"', 'hours = "spanish"', "hours"),
        ("capacity = 80", "capacity = -1", "capacity"),
    ],
)
def test_a_bad_entry_names_the_dealer_and_field_and_writes_nothing(
    uow: UnitOfWork,
    connection: Connection,
    monkeypatch: pytest.MonkeyPatch,
    old: str,
    new: str,
    field: str,
) -> None:
    text = reference.read_data_file()
    assert old in text
    monkeypatch.setattr(reference, "read_data_file", lambda: text.replace(old, new, 1))
    before = table_count(connection, "dealer")
    with pytest.raises(InvalidInput) as err:
        dealers.seed_reference_data(uow)
    assert err.value.details["field"] == field
    assert str(err.value.details["dealer"]).startswith(("CN-", "PL-", "FR-"))
    assert table_count(connection, "dealer") == before


def test_bad_opening_hours_in_a_profile_are_refused() -> None:
    text = reference.read_data_file().replace(
        '[hours.egypt]\nmon = [["10:00", "22:00"]]', '[hours.egypt]\nmon = [["22:00", "10:00"]]'
    )
    with pytest.raises(InvalidInput) as err:
        reference.load_dealers(text, MARKETS)
    assert (err.value.details["dealer"], err.value.details["field"]) == ("EG-CAI-01", "hours")


def test_an_unknown_city_in_the_file_comes_with_suggestions(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = reference.read_data_file().replace('city = "Luoyang"', 'city = "Luoyng"')
    monkeypatch.setattr(reference, "read_data_file", lambda: text)
    with pytest.raises(InvalidInput) as err:
        dealers.seed_reference_data(uow)
    assert err.value.details["dealer"] == "CN-LYA-01"
    assert "Luoyang" in err.value.details["suggestions"]


# Reading


def test_list_by_market_and_kind(uow: UnitOfWork) -> None:
    german = dealers.list_dealers(uow, market_code="de")
    assert {d.market_code for d in german} == {"DE"}
    multibrand = dealers.list_dealers(uow, market_code="CN", kind="multibrand")
    assert multibrand
    assert {d.kind for d in multibrand} == {"multibrand"}
    with pytest.raises(InvalidInput) as err:
        dealers.list_dealers(uow, kind="dealership")
    assert err.value.details["field"] == "kind"


def test_detail_has_the_staff(uow: UnitOfWork) -> None:
    detail = dealers.get_dealer(uow, dealer_id=_dealer(uow, "CN-SHA-01").id)
    assert detail.code == "CN-SHA-01"
    assert {m.job for m in detail.staff} == {"manager", "sales", "service"}
    assert all("zh-CN" in m.languages for m in detail.staff)


def test_unknown_dealer_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound) as err:
        dealers.get_dealer(uow, dealer_id=uuid.uuid4())
    assert err.value.details["field"] == "dealer_id"
    with pytest.raises(NotFound):
        dealers.get_dealer_by_code(uow, code="XX-XXX-99")


# Nearest dealers


def test_a_point_in_munich_finds_the_munich_dealer_first(uow: UnitOfWork) -> None:
    found = dealers.nearest_dealers(uow, latitude=MUNICH[0], longitude=MUNICH[1], limit=5)
    assert found[0].dealer.code == "DE-MUC-01"
    assert found[0].distance_km < 5
    distances = [d.distance_km for d in found]
    assert distances == sorted(distances)
    assert len(found) == 5
    assert {d.dealer.code for d in found[1:]} & {"AT-VIE-01", "IT-MIL-01", "CZ-PRG-01"}


@pytest.mark.parametrize(
    ("city", "country"), [("上海", None), ("上海市", "CN"), ("Shanghai", "cn")]
)
def test_nearest_by_city_name_in_chinese_or_english(
    uow: UnitOfWork, city: str, country: str | None
) -> None:
    found = dealers.nearest_dealers(uow, city=city, country=country, limit=3)
    assert {d.dealer.code for d in found[:2]} == {"CN-SHA-01", "CN-SHA-02"}
    assert found[2].dealer.code == "CN-SZV-01"  # Suzhou, 80 km away


def test_nearest_can_be_limited_to_kinds(uow: UnitOfWork) -> None:
    found = dealers.nearest_dealers(uow, city="Luoyang", kinds=["multibrand"], limit=3)
    assert {d.dealer.kind for d in found} == {"multibrand"}


def test_nearest_skips_inactive_dealers_and_those_not_carrying_the_brand(uow: UnitOfWork) -> None:
    munich = _dealer(uow, "DE-MUC-01")
    dealers.update_dealer(uow, dealer_id=munich.id, data=DealerUpdate(active=False))
    found = dealers.nearest_dealers(uow, latitude=MUNICH[0], longitude=MUNICH[1], limit=50)
    assert "DE-MUC-01" not in {d.dealer.code for d in found}


def test_nearest_to_an_unknown_city_suggests_names(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound) as err:
        dealers.nearest_dealers(uow, city="Shanghia")
    assert err.value.details["field"] == "city"
    assert "Shanghai" in err.value.details["suggestions"]


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ({}, "city"),
        ({"latitude": 95.0, "longitude": 10.0}, "latitude"),
        ({"latitude": 48.0}, "longitude"),
        ({"longitude": 11.0}, "latitude"),
        ({"latitude": 48.0, "longitude": 200.0}, "longitude"),
        ({"city": "Munich", "limit": 0}, "limit"),
        ({"city": "Munich", "kinds": ["garage"]}, "kind"),
    ],
)
def test_a_bad_nearest_query_names_the_field(
    uow: UnitOfWork, query: dict[str, Any], field: str
) -> None:
    with pytest.raises(InvalidInput) as err:
        dealers.nearest_dealers(uow, **query)
    assert err.value.details["field"] == field


# Scope


def test_dealer_staff_see_only_their_own_dealer(uow: UnitOfWork, container: Container) -> None:
    mine, neighbour = _dealer(uow, "DE-MUC-01"), _dealer(uow, "DE-BER-01")
    staff = _acting(container, Role.DEALER_STAFF, dealer=mine)
    assert [d.code for d in dealers.list_dealers(staff)] == ["DE-MUC-01"]
    assert dealers.list_dealers(staff, market_code="CN") == []
    near_berlin = dealers.nearest_dealers(staff, city="Berlin", limit=10)
    assert [d.dealer.code for d in near_berlin] == ["DE-MUC-01"]
    assert dealers.get_dealer(staff, dealer_id=mine.id).code == "DE-MUC-01"
    with pytest.raises(Forbidden):
        dealers.get_dealer(staff, dealer_id=neighbour.id)
    with pytest.raises(Forbidden):
        dealers.get_dealer_by_code(staff, code="DE-BER-01")


def test_market_managers_see_only_their_markets(uow: UnitOfWork, container: Container) -> None:
    manager = _acting(container, Role.MARKET_MANAGER, "PL")
    assert {d.market_code for d in dealers.list_dealers(manager)} == {"PL"}
    assert dealers.list_dealers(manager, market_code="CN") == []
    with pytest.raises(Forbidden):
        dealers.get_dealer(manager, dealer_id=_dealer(uow, "CN-SHA-01").id)
    assert {d.dealer.market_code for d in dealers.nearest_dealers(manager, city="Berlin")} == {"PL"}


def test_the_call_centre_sees_the_whole_network(uow: UnitOfWork, container: Container) -> None:
    agent = _acting(container, Role.CALL_CENTRE)
    assert len(dealers.list_dealers(agent)) == len(dealers.list_dealers(uow))


# Changes


def test_hq_changes_hours_and_capacity_and_it_is_audited(uow: UnitOfWork) -> None:
    dealer = _dealer(uow, "PL-WAW-01")
    changed = dealers.update_dealer(
        uow,
        dealer_id=dealer.id,
        data=DealerUpdate(opening_hours=WEEK, daily_lead_capacity=40, phone=dealer.phone),
    )
    assert (changed.opening_hours, changed.daily_lead_capacity) == (WEEK, 40)
    assert changed.updated_at > dealer.updated_at
    [entry] = _audit(uow, dealer.id)
    assert (entry["action"], entry["entity_type"], entry["market_code"]) == (
        "dealer.updated",
        "dealer",
        "PL",
    )
    assert entry["changes"] == {
        "opening_hours": [dealer.opening_hours, WEEK],
        "daily_lead_capacity": [dealer.daily_lead_capacity, 40],
    }


def test_a_market_manager_changes_a_dealer_of_their_market(
    uow: UnitOfWork, container: Container
) -> None:
    dealer = _dealer(uow, "DE-HAM-01")
    manager = _acting(container, Role.MARKET_MANAGER, "DE", "AT")
    changed = dealers.update_dealer(
        manager, dealer_id=dealer.id, data=DealerUpdate(email="verkauf@hansa-auto.example")
    )
    assert changed.email == "verkauf@hansa-auto.example"
    [entry] = _audit(uow, dealer.id)
    assert entry["actor_email"] == "market_manager@forecourt.example"


@pytest.mark.parametrize(
    ("role", "markets", "own_dealer"),
    [
        (Role.MARKET_MANAGER, ("PL",), False),
        (Role.DEALER_STAFF, (), True),
        (Role.CALL_CENTRE, (), False),
    ],
)
def test_others_may_not_change_a_dealer(
    uow: UnitOfWork,
    container: Container,
    role: Role,
    markets: tuple[str, ...],
    own_dealer: bool,
) -> None:
    dealer = _dealer(uow, "DE-MUC-01")
    caller = _acting(container, role, *markets, dealer=dealer if own_dealer else None)
    with pytest.raises(Forbidden):
        dealers.update_dealer(caller, dealer_id=dealer.id, data=DealerUpdate(daily_lead_capacity=1))
    assert _dealer(uow, "DE-MUC-01").daily_lead_capacity == dealer.daily_lead_capacity
    assert _audit(uow, dealer.id) == []


@pytest.mark.parametrize(
    ("hours", "field"),
    [
        (WEEK | {"tue": [["25:00", "18:00"]]}, "opening_hours.tue"),
        (WEEK | {"wed": [["18:00", "09:00"]]}, "opening_hours.wed"),
        (WEEK | {"thu": [["09:00", "13:00"], ["12:00", "18:00"]]}, "opening_hours.thu"),
        (WEEK | {"fri": "09:00-18:00"}, "opening_hours.fri"),
        (WEEK | {"sat": [["9am", "1pm"]]}, "opening_hours.sat"),
        ({k: v for k, v in WEEK.items() if k != "sun"}, "opening_hours.sun"),
        (WEEK | {"holiday": []}, "opening_hours.holiday"),
    ],
)
def test_invalid_opening_hours_are_refused_naming_the_day(
    uow: UnitOfWork, hours: dict[str, Any], field: str
) -> None:
    dealer = _dealer(uow, "FR-PAR-01")
    with pytest.raises(InvalidInput) as err:
        dealers.update_dealer(
            uow, dealer_id=dealer.id, data=DealerUpdate(opening_hours=hours, daily_lead_capacity=1)
        )
    assert err.value.details["field"] == field
    assert _dealer(uow, "FR-PAR-01") == dealer
    assert _audit(uow, dealer.id) == []


def test_a_change_to_the_same_values_is_not_audited(uow: UnitOfWork) -> None:
    dealer = _dealer(uow, "GB-LON-01")
    same = DealerUpdate(daily_lead_capacity=dealer.daily_lead_capacity, active=True)
    assert dealers.update_dealer(uow, dealer_id=dealer.id, data=same) == dealer
    assert _audit(uow, dealer.id) == []


def test_a_field_cannot_be_emptied(uow: UnitOfWork) -> None:
    dealer = _dealer(uow, "GB-LON-01")
    with pytest.raises(InvalidInput) as err:
        dealers.update_dealer(uow, dealer_id=dealer.id, data=DealerUpdate(phone=None))
    assert err.value.details["field"] == "phone"
