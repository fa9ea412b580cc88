"""Use cases of the dealer feature."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any

from forecourt.dealer import holiday_trading, policies, reference, repository
from forecourt.dealer.events import DealerUpdated
from forecourt.dealer.models import Dealer, DealerStaff, RoutingPolicy
from forecourt.dealer.schemas import (
    DealerData,
    DealerDetail,
    DealerDistance,
    DealerRead,
    DealerUpdate,
    MarketRoutingData,
    RoutingDealer,
    RoutingNetwork,
    RoutingPolicyData,
    RoutingPolicyRead,
    StaffRead,
    StaffShifts,
)
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound
from forecourt.kernel.ids import new_id
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.uow import UnitOfWork
from forecourt.market import service as market_service
from forecourt.market.schemas import CityRead

MAX_NEAREST = 50


def list_dealers(
    uow: UnitOfWork, *, market_code: str | None = None, kind: str | None = None
) -> list[DealerRead]:
    """The dealers the caller may see, optionally of one market and kind."""
    kinds = _checked_kinds([kind] if kind else None)
    with uow:
        dealers = repository.find(
            uow.session, market_code=market_code.upper() if market_code else None, kinds=kinds
        )
        return [DealerRead.model_validate(d) for d in dealers if _sees(uow.actor, d)]


def get_dealer(uow: UnitOfWork, *, dealer_id: uuid.UUID) -> DealerDetail:
    """One dealer with its staff; NotFound if unknown, Forbidden outside the caller's scope."""
    with uow:
        dealer = repository.get(uow.session, dealer_id, with_staff=True)
        return DealerDetail.model_validate(_in_scope(uow.actor, dealer, "dealer_id", dealer_id))


def get_dealer_by_code(uow: UnitOfWork, *, code: str) -> DealerRead:
    """One dealer by its code (e.g. "DE-MUC-01"); NotFound if unknown, Forbidden outside scope."""
    with uow:
        dealer = repository.get_by_code(uow.session, code.upper())
        return DealerRead.model_validate(_in_scope(uow.actor, dealer, "code", code))


def update_dealer(uow: UnitOfWork, *, dealer_id: uuid.UUID, data: DealerUpdate) -> DealerRead:
    """Change a dealer's hours, capacity, contact details, activity, its subdivision (whose
    holidays it keeps) or the public holidays it trades on (named ones are checked against its
    country's and subdivision's); HQ or its market's manager."""
    values = _update_values(data)
    with uow:
        dealer = _in_scope(
            uow.actor, repository.get(uow.session, dealer_id), "dealer_id", dealer_id
        )
        if not policies.may_edit(uow.actor, dealer.market_code):
            raise Forbidden(
                "only HQ or the dealer's market manager may change it", field="dealer_id"
            )
        changes = dealer.change(_checked_holidays(dealer, values), uow.clock.now())
        if changes:
            uow.audit(
                "dealer.updated",
                "dealer",
                dealer.id,
                changes=changes,
                market_code=dealer.market_code,
            )
            uow.emit(
                DealerUpdated(
                    dealer_id=dealer.id, market_code=dealer.market_code, fields=tuple(changes)
                )
            )
            _network_changed(uow)
        uow.commit()
        return DealerRead.model_validate(dealer)


def nearest_dealers(
    uow: UnitOfWork,
    *,
    latitude: float | None = None,
    longitude: float | None = None,
    city: str | None = None,
    country: str | None = None,
    limit: int = 5,
    kinds: list[str] | None = None,
) -> list[DealerDistance]:
    """Active dealers carrying the brand, nearest first, from a point or a city in any script."""
    if not 1 <= limit <= MAX_NEAREST:
        raise InvalidInput(f"limit must be between 1 and {MAX_NEAREST}", field="limit")
    kinds = _checked_kinds(kinds)
    lat, lon = _origin(uow, latitude, longitude, city, country)
    with uow:
        dealers = repository.find(uow.session, kinds=kinds, active=True)
        ranked = sorted(
            (policies.distance_km(lat, lon, d.latitude, d.longitude), d.code, d)
            for d in dealers
            if d.carries_brand and _sees(uow.actor, d)
        )
        return [
            DealerDistance(dealer=DealerRead.model_validate(d), distance_km=round(km, 1))
            for km, _, d in ranked[:limit]
        ]


def seed_reference_data(uow: UnitOfWork) -> int:
    """Load the network of `data/dealers.toml`, inserting or updating by code; idempotent."""
    if not uow.actor.is_hq:
        raise Forbidden("only HQ loads reference data")
    text = reference.read_data_file()
    markets = {m.code for m in market_service.list_markets(uow)}
    entries = reference.load_dealers(text, markets)
    routing = reference.load_market_routing(text, markets)
    located = [(data, hours, _locate(data, uow)) for data, hours in entries]
    with uow:
        existing = repository.by_code_with_staff(uow.session)
        for data, hours, city in located:
            _upsert(uow, existing.get(data.code), data, hours, city)
        for code, settings in routing.items():
            _seed_policy(uow, code, settings)
        _network_changed(uow)
        uow.commit()
    return len(located)


def _seed_policy(uow: UnitOfWork, code: str, data: MarketRoutingData) -> None:
    """Set what the reference file says of a market's routing; the rest keeps what it had."""
    row = repository.policy(uow.session, code)
    if row is None:
        row = RoutingPolicy(market_code=code, **RoutingPolicyData().model_dump())
        uow.session.add(row)
    row.open_on_holidays = data.open_on_holidays
    row.updated_at = uow.clock.now()


def _sees(principal: Principal, dealer: Dealer) -> bool:
    return principal.sees_dealer(dealer.id, dealer.market_code)


def _in_scope(principal: Principal, dealer: Dealer | None, field: str, key: object) -> Dealer:
    if dealer is None:
        raise NotFound(f"no dealer {key}", field=field)
    if not _sees(principal, dealer):
        raise Forbidden(f"dealer {key} is outside your scope", field=field)
    return dealer


def _checked_kinds(kinds: list[str] | None) -> list[str] | None:
    unknown = sorted(set(kinds or ()) - set(policies.KINDS))
    if unknown:
        raise InvalidInput(
            f"unknown dealer kind {', '.join(unknown)}; one of {', '.join(policies.KINDS)}",
            field="kind",
        )
    return kinds or None


def _origin(
    uow: UnitOfWork,
    latitude: float | None,
    longitude: float | None,
    city: str | None,
    country: str | None,
) -> tuple[float, float]:
    """The point to measure from: the coordinates given, or the city's."""
    if latitude is None and longitude is None:
        if not city:
            raise InvalidInput("give coordinates (latitude and longitude) or a city", field="city")
        found = market_service.resolve_city(uow, name=city, country=country)
        return found.latitude, found.longitude
    if latitude is None or not -90 <= latitude <= 90:
        raise InvalidInput("latitude must be between -90 and 90", field="latitude")
    if longitude is None or not -180 <= longitude <= 180:
        raise InvalidInput("longitude must be between -180 and 180", field="longitude")
    return latitude, longitude


# Fields a null may be set to: "as the market's routing policy says" for the holidays traded
# on, "national holidays only" for the subdivision.
_NULLABLE = frozenset({"open_on_holidays", "subdivision"})


def _update_values(data: DealerUpdate) -> dict[str, Any]:
    values = data.model_dump(exclude_unset=True)
    if values.get("opening_hours") is not None:
        values["opening_hours"] = policies.check_opening_hours(values["opening_hours"])
    for field, value in values.items():
        if value is None and field not in _NULLABLE:
            raise InvalidInput(f"{field} cannot be emptied", field=field)
    return values


def _checked_holidays(dealer: Dealer, values: dict[str, Any]) -> dict[str, Any]:
    """`values` with the subdivision checked against the dealer's country, and the holidays it
    trades on against the country and the subdivision it will have."""
    country = dealer.market_code
    if "subdivision" in values:
        values["subdivision"] = holiday_trading.checked_subdivision(country, values["subdivision"])
    if "open_on_holidays" in values:
        subdivision = values.get("subdivision", dealer.subdivision)
        values["open_on_holidays"] = holiday_trading.checked(
            country, values["open_on_holidays"], subdivisions=[subdivision]
        )
    return values


def _locate(data: DealerData, uow: UnitOfWork) -> CityRead:
    try:
        return market_service.resolve_city(uow, name=data.city, country=data.market)
    except NotFound as exc:
        raise InvalidInput(
            f"dealer {data.code}: no city {data.city!r} in {data.market}",
            dealer=data.code,
            field="city",
            suggestions=exc.details.get("suggestions", []),
        ) from exc


def _upsert(
    uow: UnitOfWork,
    dealer: Dealer | None,
    data: DealerData,
    hours: policies.OpeningHours,
    city: CityRead,
) -> None:
    now = uow.clock.now()
    if dealer is None:
        dealer = Dealer(code=data.code, created_at=now, updated_at=now)
        uow.session.add(dealer)
    dealer.change(_dealer_values(data, hours, city), now)
    staff = {member.email: member for member in dealer.staff}
    for member in data.staff:
        values = member.model_dump()
        if member.email in staff:
            _assign(staff[member.email], values)
        else:
            dealer.staff.append(DealerStaff(**values))


def _dealer_values(
    data: DealerData, hours: policies.OpeningHours, city: CityRead
) -> dict[str, Any]:
    return {
        "name": data.name,
        "kind": data.kind,
        "market_code": data.market,
        "city": city.name,
        "city_geonameid": city.geonameid,
        "latitude": city.latitude,
        "longitude": city.longitude,
        "timezone": city.timezone,
        "subdivision": data.subdivision,
        "city_tier": city.tier,
        "address": data.address,
        "phone": data.phone,
        "email": data.email,
        "opening_hours": hours,
        "daily_lead_capacity": data.capacity,
        "brands": data.brands,
        "active": data.active,
        "open_on_holidays": data.open_on_holidays,
    }


def _assign(staff: DealerStaff, values: dict[str, Any]) -> None:
    for field, value in values.items():
        setattr(staff, field, value)


# -- routing ---------------------------------------------------------------------------------


def network_stamp(uow: UnitOfWork) -> str:
    """The stamp of the network's current version: it changes whenever routing data changes."""
    with uow:
        return repository.network_stamp(uow.session)


def routing_network(uow: UnitOfWork) -> RoutingNetwork:
    """The whole network as routing needs it (every dealer, whatever the caller's scope: routing
    acts for the brand), with the policies, data regions and the version stamp read with them."""
    markets = market_service.list_markets(uow.for_actor(SYSTEM))
    with uow:
        stamp = repository.network_stamp(uow.session)
        dealers = [RoutingDealer.model_validate(d) for d in repository.all_with_staff(uow.session)]
        policies_ = {
            p.market_code: RoutingPolicyData.model_validate(p)
            for p in repository.policies(uow.session)
        }
    regions = {market.code: market.data_region for market in markets}
    return RoutingNetwork(stamp=stamp, dealers=dealers, policies=policies_, data_regions=regions)


def take_lead_slot(
    uow: UnitOfWork, *, dealer_id: uuid.UUID, day: date, capacity: int
) -> int | None:
    """Count one lead against a dealer's capacity for its local `day`, inside the caller's
    transaction: the day's count so far including this lead, or None if the dealer is full."""
    if capacity <= 0:
        return None
    with uow:
        return repository.take_slot(uow.session, dealer_id, day, capacity)


def get_routing_policy(uow: UnitOfWork, *, market_code: str) -> RoutingPolicyRead:
    """A market's routing policy, or the defaults if it set none."""
    code = market_code.upper()
    market_service.get_market(uow, code=code)  # NotFound / Forbidden for the caller
    with uow:
        found = repository.policy(uow.session, code)
        data = RoutingPolicyData.model_validate(found) if found else RoutingPolicyData()
        return RoutingPolicyRead(market_code=code, **data.model_dump())


def set_routing_policy(
    uow: UnitOfWork, *, market_code: str, data: RoutingPolicyData
) -> RoutingPolicyRead:
    """Set how a market routes its leads, and which public holidays its dealers trade on
    (named ones are checked against the holidays of the market's country and of every one of
    its subdivisions); HQ or the market's manager."""
    code = market_code.upper()
    market_service.get_market(uow, code=code)
    if not policies.may_edit(uow.actor, code):
        raise Forbidden("only HQ or the market's manager sets its routing", field="market_code")
    checked = {
        "radii_km": _checked_radii(data.radii_km),
        "open_on_holidays": holiday_trading.checked(
            code, data.open_on_holidays, subdivisions=holiday_trading.subdivision_codes(code)
        ),
    }
    with uow:
        row = repository.policy(uow.session, code)
        if row is None:
            row = RoutingPolicy(market_code=code)
            uow.session.add(row)
        values = data.model_dump() | checked
        for field, value in values.items():
            setattr(row, field, value)
        row.updated_at = uow.clock.now()
        uow.audit("dealer.routing_policy_set", "market", code, changes=values, market_code=code)
        _network_changed(uow)
        uow.commit()
        return RoutingPolicyRead(market_code=code, **values)


def set_staff_shifts(
    uow: UnitOfWork, *, dealer_id: uuid.UUID, data: StaffShifts
) -> list[StaffRead]:
    """Set when a dealer's people work, by staff id (null: whenever the dealer is open); HQ or
    the dealer's market manager. Returns the dealer's staff."""
    shifts = {
        staff_id: policies.check_opening_hours(week) if week is not None else None
        for staff_id, week in data.shifts.items()
    }
    with uow:
        dealer = _editable(uow, dealer_id)
        members = {member.id: member for member in dealer.staff}
        for staff_id, week in shifts.items():
            member = members.get(staff_id)
            if member is None:
                raise NotFound(f"no staff {staff_id} at dealer {dealer.code}", field="staff_id")
            changes = {"shifts": [member.shifts, week]}
            member.shifts = week
            uow.audit(
                "dealer.staff_shifts_set",
                "dealer_staff",
                member.id,
                changes=changes,
                market_code=dealer.market_code,
            )
        if shifts:
            _network_changed(uow)
        uow.commit()
        return [StaffRead.model_validate(member) for member in dealer.staff]


def _editable(uow: UnitOfWork, dealer_id: uuid.UUID) -> Dealer:
    found = repository.get(uow.session, dealer_id, with_staff=True)
    dealer = _in_scope(uow.actor, found, "dealer_id", dealer_id)
    if not policies.may_edit(uow.actor, dealer.market_code):
        raise Forbidden("only HQ or the dealer's market manager may change it", field="dealer_id")
    return dealer


def _checked_radii(radii: list[int]) -> list[int]:
    if any(r <= 0 or r > 5_000 for r in radii) or radii != sorted(set(radii)):
        raise InvalidInput(
            "radii must be growing distances between 1 and 5000 km", field="radii_km"
        )
    return radii


def _network_changed(uow: UnitOfWork) -> None:
    # A random stamp, not a counter: a rolled-back change can never leave a stamp that a later,
    # different change reuses, so a cached copy keyed by stamp is never wrong.
    repository.set_network_stamp(uow.session, new_id().hex, uow.clock.now())
