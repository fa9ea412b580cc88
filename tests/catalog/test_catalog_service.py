"""The catalog's use cases on the seeded database."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import Connection, delete, select
from sqlalchemy.orm import Session

from forecourt.catalog import service
from forecourt.catalog.models import Price
from forecourt.catalog.schemas import ConfigurationCheck
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.records import AuditEntry, OutboxMessage
from forecourt.kernel.uow import UnitOfWork

PAINT_AND_WHEELS = ["paint_glacier_white", "wheels_17"]


def acting(uow: UnitOfWork, role: Role, *markets: str) -> UnitOfWork:
    principal = Principal(
        user_id=uuid.uuid4(),
        email=f"{role}@example.com",
        role=role,
        market_codes=frozenset(markets),
    )
    return uow.for_actor(principal)


def build(market: str, model: str, trim: str, *options: str) -> ConfigurationCheck:
    return ConfigurationCheck(market=market, model=model, trim=trim, options=list(options))


def violations(uow: UnitOfWork, data: ConfigurationCheck) -> list[dict[str, str]]:
    with pytest.raises(InvalidInput) as raised:
        service.check_configuration(uow, data=data)
    assert (
        raised.value.message
        == f"configuration breaks {len(raised.value.details['violations'])} rule(s)"
    )
    found: list[dict[str, str]] = raised.value.details["violations"]
    return found


def test_the_catalogue_lists_the_platform_and_its_rules(uow: UnitOfWork) -> None:
    catalog = service.get_catalog(uow)

    assert catalog.platform.code == "MCP"
    assert [b.code for b in catalog.body_styles] == [
        "sedan",
        "hatchback",
        "crossover",
        "suv",
        "estate",
    ]
    assert {t.code: t.line for t in catalog.trims}["young"] == "young"
    options = {o.code: o for o in catalog.options}
    assert options["acc"].requires == ["camera_pack"]
    assert options["roof_rails"].excludes == ["panoramic_roof"]  # exclusions work both ways
    assert options["hud"].drive_sides == ["lhd"]


def test_china_gets_the_young_line_and_prices_in_yuan(uow: UnitOfWork) -> None:
    offer = service.market_offer(uow, market_code="CN")

    assert (offer.currency, offer.drive_side) == ("CNY", "lhd")
    assert "young" in [t.code for t in offer.trims]
    assert "estate" not in offer.body_styles
    sedan = next(m for m in offer.models if m.code == "lumen_sedan")
    assert sedan.amount_minor == 114_000_00


def test_germany_does_not_get_the_young_line(uow: UnitOfWork) -> None:
    offer = service.market_offer(uow, market_code="de")

    assert offer.market_code == "DE"
    assert [t.code for t in offer.trims] == ["base", "comfort", "premium"]
    assert not {"paint_lime_pop", "young_graphics"} & {o.code for o in offer.options}
    assert all(
        item.amount_minor is not None for item in [*offer.models, *offer.trims, *offer.options]
    )


def test_britain_drives_on_the_right_and_loses_the_left_hand_options(uow: UnitOfWork) -> None:
    offer = service.market_offer(uow, market_code="GB")

    assert (offer.currency, offer.drive_side) == ("GBP", "rhd")
    options = {o.code for o in offer.options}
    assert "hud" not in options
    assert "kerb_camera" in options


def test_an_unknown_market_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        service.market_offer(uow, market_code="ZZ")
    with pytest.raises(NotFound):
        service.check_configuration(uow, data=build("ZZ", "vela", "base", *PAINT_AND_WHEELS))


def test_a_valid_build_in_china_is_priced_in_yuan(uow: UnitOfWork) -> None:
    result = service.check_configuration(
        uow, data=build("CN", "lumen_sedan", "comfort", *PAINT_AND_WHEELS, "camera_pack", "acc")
    )

    assert result.valid
    assert (result.market, result.currency, result.drive_side) == ("CN", "CNY", "lhd")
    assert result.lines[0].code == "lumen_sedan"
    assert result.total_minor == sum(line.amount_minor for line in result.lines) == 142_920_00


def test_a_valid_build_in_britain_is_priced_in_pounds_as_right_hand_drive(uow: UnitOfWork) -> None:
    result = service.check_configuration(
        uow, data=build("GB", "vela", "premium", *PAINT_AND_WHEELS, "kerb_camera")
    )

    assert (result.currency, result.drive_side) == ("GBP", "rhd")
    assert [line.code for line in result.lines] == [
        "vela", "premium", "paint_glacier_white", "wheels_17", "kerb_camera"
    ]  # fmt: skip
    assert result.total_minor == (24_600 + 6510 + 0 + 520 + 340) * 100


def test_an_invalid_build_names_every_rule_and_option(uow: UnitOfWork) -> None:
    found = violations(uow, build("GB", "vela", "comfort", *PAINT_AND_WHEELS, "acc", "hud"))

    assert [(v["rule"], v.get("option")) for v in found] == [
        ("option.requires", "acc"),
        ("option.trim", "hud"),
        ("option.drive_side", "hud"),
    ]
    assert found[0]["requires"] == "camera_pack"


def test_the_young_trim_is_refused_where_it_is_not_sold(uow: UnitOfWork) -> None:
    found = violations(uow, build("FR", "lumen_hatch", "young", "paint_lime_pop", "wheels_16"))

    assert found == [
        {
            "rule": "trim.market",
            "trim": "young",
            "market": "FR",
            "message": "the Young trim is not sold in FR",
        }
    ]


def test_the_head_up_display_is_refused_in_right_hand_drive_markets_only(uow: UnitOfWork) -> None:
    for market in ("DE", "PL", "CN", "AE"):
        service.check_configuration(
            uow, data=build(market, "vela", "premium", *PAINT_AND_WHEELS, "hud")
        )
    for market in ("GB", "IE"):
        found = violations(uow, build(market, "vela", "premium", *PAINT_AND_WHEELS, "hud"))
        assert [(v["rule"], v["option"]) for v in found] == [("option.drive_side", "hud")]


def test_a_price_missing_from_the_database_is_named(
    uow: UnitOfWork, connection: Connection
) -> None:
    connection.execute(
        delete(Price).where(Price.market_code == "PL", Price.item_code == "heat_pump")
    )

    found = violations(uow, build("PL", "vela", "comfort", *PAINT_AND_WHEELS, "heat_pump"))

    assert [(v["rule"], v["item"], v["currency"]) for v in found] == [
        ("price.missing", "heat_pump", "PLN")
    ]


def test_a_market_manager_changes_a_price_and_it_is_audited(
    uow: UnitOfWork, connection: Connection
) -> None:
    manager = acting(uow, Role.MARKET_MANAGER, "PL")

    price = service.update_price(
        manager, market_code="PL", item_code="vela", amount_minor=125_900_00
    )

    assert (price.market_code, price.item_code, price.currency, price.amount_minor) == (
        "PL",
        "vela",
        "PLN",
        125_900_00,
    )
    with Session(connection) as session:
        query = select(AuditEntry).where(AuditEntry.action == "catalog.price_changed")
        entry = session.scalars(query).one()
    assert (entry.entity_type, entry.entity_id, entry.market_code) == ("price", "PL:vela", "PL")
    assert entry.changes == {"amount_minor": [122_800_00, 125_900_00]}
    assert entry.actor_email == "market_manager@example.com"
    names = connection.execute(select(OutboxMessage.name)).scalars().all()
    assert "catalog.price_changed" in names
    offer = service.market_offer(uow, market_code="PL")
    assert next(m for m in offer.models if m.code == "vela").amount_minor == 125_900_00


def test_a_missing_price_can_be_set(uow: UnitOfWork, connection: Connection) -> None:
    connection.execute(
        delete(Price).where(Price.market_code == "PL", Price.item_code == "heat_pump")
    )

    price = service.update_price(
        uow, market_code="PL", item_code="heat_pump", amount_minor=4_400_00
    )

    assert price.currency == "PLN"
    service.check_configuration(
        uow, data=build("PL", "vela", "comfort", *PAINT_AND_WHEELS, "heat_pump")
    )


@pytest.mark.parametrize(
    ("role", "markets"),
    [(Role.MARKET_MANAGER, ("DE",)), (Role.DEALER_STAFF, ("PL",)), (Role.CALL_CENTRE, ())],
)
def test_only_hq_or_the_market_s_manager_changes_its_prices(
    uow: UnitOfWork, connection: Connection, role: Role, markets: tuple[str, ...]
) -> None:
    with pytest.raises(Forbidden):
        service.update_price(
            acting(uow, role, *markets), market_code="PL", item_code="vela", amount_minor=1
        )

    price_changes = select(AuditEntry.id).where(AuditEntry.action == "catalog.price_changed")
    assert connection.execute(price_changes).first() is None


def test_a_price_for_something_that_is_not_in_the_catalogue_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        service.update_price(uow, market_code="PL", item_code="jetpack", amount_minor=1)
    with pytest.raises(InvalidInput):
        service.update_price(uow, market_code="PL", item_code="vela", amount_minor=-1)


def test_seeding_again_changes_nothing_and_keeps_changed_prices(
    uow: UnitOfWork, connection: Connection
) -> None:
    service.update_price(uow, market_code="CZ", item_code="terra", amount_minor=999_000_00)
    before = connection.execute(
        select(Price.market_code, Price.item_code, Price.amount_minor)
    ).all()

    first = service.seed_reference_data(uow)
    second = service.seed_reference_data(uow)

    assert first == second > 500
    after = connection.execute(select(Price.market_code, Price.item_code, Price.amount_minor)).all()
    assert sorted(after) == sorted(before)
    assert ("CZ", "terra", 999_000_00) in after
    assert service.get_catalog(uow).platform.code == "MCP"


def test_only_hq_seeds_the_catalogue(uow: UnitOfWork) -> None:
    with pytest.raises(Forbidden):
        service.seed_reference_data(acting(uow, Role.MARKET_MANAGER, "PL"))
