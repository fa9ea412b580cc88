"""What the dealer feature gives routing: policies, shifts, the version stamp and the day counter."""

from __future__ import annotations

import threading
import uuid
from datetime import date
from typing import Any

import pytest
from sqlalchemy import Engine, delete
from sqlalchemy.orm import sessionmaker

from forecourt.bootstrap import Container
from forecourt.dealer import service as dealers
from forecourt.dealer.models import DealerDailyLoad
from forecourt.dealer.schemas import DealerUpdate, RoutingPolicyData, StaffShifts
from forecourt.kernel.bus import MessageBus
from forecourt.kernel.clock import SystemClock
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.principal import Principal, Role
from forecourt.kernel.uow import UnitOfWork


def manager_of(container: Container, *markets: str) -> UnitOfWork:
    principal = Principal(
        user_id=uuid.uuid4(),
        email="manager@forecourt.example",
        role=Role.MARKET_MANAGER,
        market_codes=frozenset(markets),
    )
    return container.uow(principal)


def test_a_market_without_a_policy_gets_the_defaults(uow: UnitOfWork) -> None:
    policy = dealers.get_routing_policy(uow, market_code="pl")
    assert policy.market_code == "PL"
    assert policy.brand_dealers_first
    assert policy.staff_assignment == "round_robin"
    assert policy.radii_km == [25, 50, 100, 200, 400]


def test_a_market_manager_sets_their_market_s_policy(container: Container) -> None:
    data = RoutingPolicyData(brand_dealers_first=False, radii_km=[30, 90], max_attempts=2)
    dealers.set_routing_policy(manager_of(container, "DE"), market_code="DE", data=data)
    stored = dealers.get_routing_policy(container.uow(), market_code="DE")
    assert (stored.brand_dealers_first, stored.radii_km, stored.max_attempts) == (
        False,
        [30, 90],
        2,
    )
    with pytest.raises(Forbidden):
        dealers.set_routing_policy(manager_of(container, "PL"), market_code="DE", data=data)


def test_radii_must_grow(uow: UnitOfWork) -> None:
    with pytest.raises(InvalidInput) as raised:
        dealers.set_routing_policy(uow, market_code="DE", data=RoutingPolicyData(radii_km=[50, 25]))
    assert raised.value.details["field"] == "radii_km"


def test_staff_shifts_are_checked_and_stored(uow: UnitOfWork, container: Container) -> None:
    munich = dealers.get_dealer_by_code(uow, code="DE-MUC-01")
    person = dealers.get_dealer(uow, dealer_id=munich.id).staff[0]
    mornings = {d: [["08:00", "13:00"]] for d in ("mon", "tue", "wed", "thu", "fri", "sat")}
    with pytest.raises(InvalidInput) as raised:
        dealers.set_staff_shifts(
            uow, dealer_id=munich.id, data=StaffShifts(shifts={person.id: mornings})
        )
    assert raised.value.details["field"] == "opening_hours.sun"
    staff = dealers.set_staff_shifts(
        container.uow(),
        dealer_id=munich.id,
        data=StaffShifts(shifts={person.id: mornings | {"sun": []}}),
    )
    stored = next(member for member in staff if member.id == person.id)
    assert stored.shifts is not None
    assert stored.shifts["mon"] == [["08:00", "13:00"]]
    with pytest.raises(NotFound):
        dealers.set_staff_shifts(
            container.uow(), dealer_id=munich.id, data=StaffShifts(shifts={uuid.uuid4(): None})
        )
    with pytest.raises(Forbidden):
        dealers.set_staff_shifts(
            manager_of(container, "PL"), dealer_id=munich.id, data=StaffShifts()
        )


def test_every_change_to_the_network_changes_its_stamp(container: Container) -> None:
    before = dealers.network_stamp(container.uow())
    munich = dealers.get_dealer_by_code(container.uow(), code="DE-MUC-01")
    dealers.update_dealer(
        container.uow(), dealer_id=munich.id, data=DealerUpdate(daily_lead_capacity=7)
    )
    after = dealers.network_stamp(container.uow())
    assert before
    assert after != before
    network = dealers.routing_network(container.uow())
    assert network.stamp == after
    assert {d.code: d.daily_lead_capacity for d in network.dealers}["DE-MUC-01"] == 7
    assert network.data_regions["CN"] == "cn"


def test_the_day_counter_stops_at_the_capacity(uow: UnitOfWork) -> None:
    munich = dealers.get_dealer_by_code(uow, code="DE-MUC-01").id
    day = date(2026, 3, 10)
    with uow:
        counts = [
            dealers.take_lead_slot(uow, dealer_id=munich, day=day, capacity=3) for _ in range(5)
        ]
    assert counts == [1, 2, 3, None, None]
    assert dealers.take_lead_slot(uow, dealer_id=munich, day=day, capacity=0) is None


def test_concurrent_captures_never_overshoot_the_capacity(engine: Engine) -> None:
    """Committed, concurrent transactions on one dealer's day: every count is handed out once."""
    factory = sessionmaker(bind=engine, expire_on_commit=False)
    bus, clock = MessageBus(), SystemClock()
    dealer = dealers.get_dealer_by_code(UnitOfWork(factory, bus=bus, clock=clock), code="CN-SHA-01")
    day = date(2099, 1, 1) if engine.dialect.name == "sqlite" else date(2099, 1, 2)
    got: list[int | None] = []
    lock = threading.Lock()

    def worker() -> None:
        for _ in range(10):
            uow = UnitOfWork(factory, bus=bus, clock=clock)
            with uow:
                count = dealers.take_lead_slot(uow, dealer_id=dealer.id, day=day, capacity=25)
                uow.commit()
            with lock:
                got.append(count)

    threads = [threading.Thread(target=worker) for _ in range(4)]
    try:
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        taken = sorted(c for c in got if c is not None)
        assert taken == list(range(1, 26))
        assert got.count(None) == 15
    finally:
        with factory() as session:
            session.execute(delete(DealerDailyLoad).where(DealerDailyLoad.day == day))
            session.commit()


def test_the_routing_policy_over_http(client: Any, make_caller: Any) -> None:
    hq, staff = make_caller(Role.HQ), make_caller(Role.DEALER_STAFF, dealer_code="DE-MUC-01")
    body = {"staff_assignment": "least_busy", "radii_km": [20, 60]}
    put = client.put("/api/v1/dealers/routing-policies/DE", json=body, headers=hq.headers)
    got = client.get("/api/v1/dealers/routing-policies/de", headers=staff.headers)
    refused = client.put("/api/v1/dealers/routing-policies/DE", json=body, headers=staff.headers)
    bad = client.put(
        "/api/v1/dealers/routing-policies/DE", json={"radii_km": [60, 20]}, headers=hq.headers
    )
    assert put.status_code == 200
    assert got.json()["staff_assignment"] == "least_busy"
    assert refused.status_code == 403
    assert bad.status_code == 422
    assert bad.json()["error"]["details"]["field"] == "radii_km"
