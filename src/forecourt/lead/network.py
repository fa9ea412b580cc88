"""The dealer network in memory, shaped for routing: built once through the dealer service and
rebuilt only when the network's version stamp changes, so routing a lead never reads the dealer
tables.

Per market (and per data region, for markets without a dealer of their own) the dealers that may
take leads (active, carrying the brand) sit in numpy arrays of coordinates in radians, so the
distances from a person to every dealer of their market are one vectorised haversine; routing then
looks only at the few dealers of the nearest ring.
"""

from __future__ import annotations

import math
import threading
import uuid
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

import numpy as np
import numpy.typing as npt

from forecourt.dealer import service as dealers
from forecourt.dealer.policies import EARTH_RADIUS_KM
from forecourt.dealer.schemas import RoutingDealer, RoutingNetwork, RoutingPolicyData
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead.business_time import BusinessCalendar, HolidayTrading, Week, week

BRAND_KINDS = frozenset({"own", "franchise"})
TAKES_LEADS = "sales"

FloatArray = npt.NDArray[np.float64]
IndexArray = npt.NDArray[np.intp]
CELL_DEG = 0.5
"""Grid cells of half a degree (about 55 km north-south): a 25 km search touches 1 to 4."""
KM_PER_DEG = 111.2
MAX_CELLS = 64


@dataclass(frozen=True, slots=True)
class StaffEntry:
    """A salesperson who takes leads, and when they work (None: whenever the dealer is open)."""

    id: uuid.UUID
    name: str
    shifts: Week | None


@dataclass(frozen=True, slots=True)
class DealerEntry:
    """A dealer as routing and the response clock need it, with everything parsed ahead of
    time; `calendar` says when it works (hours, the holidays of its country and subdivision,
    and which of them it trades on)."""

    id: uuid.UUID
    code: str
    kind: str
    market_code: str
    data_region: str | None
    latitude: float
    longitude: float
    calendar: BusinessCalendar
    capacity: int
    takes_leads: bool
    why_not: str | None
    staff: tuple[StaffEntry, ...]

    @property
    def brand_dealer(self) -> bool:
        return self.kind in BRAND_KINDS

    @property
    def zone(self) -> ZoneInfo:
        return self.calendar.zone

    @property
    def hours(self) -> Week:
        return self.calendar.week


@dataclass(frozen=True, slots=True)
class Area:
    """The dealers of one market or data region that may take leads, with their coordinates in
    numpy arrays and a grid of `CELL_DEG` cells, so a search near a point touches few dealers."""

    dealers: tuple[DealerEntry, ...]
    position: dict[uuid.UUID, int]
    lat: FloatArray
    lon: FloatArray
    cos_lat: FloatArray
    cells: dict[tuple[int, int], IndexArray]

    def nearby(self, latitude: float, longitude: float, radius_km: float) -> IndexArray:
        """Indexes of the dealers in the grid cells a circle of `radius_km` touches (a superset
        of those inside it); every dealer when the circle covers too many cells."""
        d_lat = radius_km / KM_PER_DEG
        d_lon = radius_km / (KM_PER_DEG * max(math.cos(math.radians(latitude)), 0.01))
        rows = range(_cell(latitude - d_lat), _cell(latitude + d_lat) + 1)
        cols = range(_cell(longitude - d_lon), _cell(longitude + d_lon) + 1)
        if len(rows) * len(cols) > min(MAX_CELLS, len(self.cells)):
            return np.arange(len(self.dealers))
        found = [self.cells[key] for r in rows for c in cols if (key := (r, c)) in self.cells]
        return np.concatenate(found) if found else np.empty(0, dtype=np.intp)

    def distances_km(self, latitude: float, longitude: float, indexes: IndexArray) -> FloatArray:
        """Great-circle distance (haversine) from a point to the dealers at `indexes`."""
        lat0, lon0 = math.radians(latitude), math.radians(longitude)
        lat, lon = self.lat[indexes], self.lon[indexes]
        a = np.sin((lat - lat0) / 2) ** 2 + math.cos(lat0) * self.cos_lat[indexes] * (
            np.sin((lon - lon0) / 2) ** 2
        )
        distances: FloatArray = 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.minimum(a, 1.0)))
        return distances


def _cell(degrees: float) -> int:
    return math.floor(degrees / CELL_DEG)


@dataclass(frozen=True)
class Network:
    """The routing snapshot: every dealer by id and code, the areas, policies and data regions."""

    stamp: str
    by_id: dict[uuid.UUID, DealerEntry]
    by_code: dict[str, DealerEntry]
    markets: dict[str, Area]
    regions: dict[str, Area]
    data_regions: dict[str, str]
    policies: dict[str, RoutingPolicyData] = field(default_factory=dict)
    # Dealers this process found full, by their local day, noted once the transaction that found
    # them full commits. A full dealer stays full for the day: only a capacity change (or a
    # transaction undone) frees room, and a capacity change changes the stamp and so the
    # snapshot. Without this, once the network fills up every lead would try each full
    # dealer's counter again.
    full_days: set[tuple[uuid.UUID, date]] = field(default_factory=set)
    _full_memo: dict[tuple[int, datetime], frozenset[uuid.UUID]] = field(default_factory=dict)

    def full_now(self, now: datetime) -> frozenset[uuid.UUID]:
        """The dealers known to be full on their own local day at `now`, left out of routing up
        front instead of being planned and found full again. Worked out again only when another
        dealer fills up or the minute changes."""
        key = (len(self.full_days), now.replace(second=0, microsecond=0))
        if (known := self._full_memo.get(key)) is not None:
            return known
        full = frozenset(
            dealer_id
            for dealer_id, day in list(self.full_days)  # a copy: other threads add to it
            if now.astimezone(self.by_id[dealer_id].zone).date() == day
        )
        self._full_memo.clear()  # only the latest is ever asked for again
        self._full_memo[key] = full
        return full

    def policy(self, market_code: str | None) -> RoutingPolicyData:
        """The market's routing policy, or the defaults."""
        found = self.policies.get(market_code or "")
        return found if found is not None else _DEFAULT_POLICY


_DEFAULT_POLICY = RoutingPolicyData()


def build(network: RoutingNetwork, today: date | None = None) -> Network:
    """The routing snapshot of the network as the dealer service returned it; given `today`,
    with every dealer's holiday closures of this year and the next worked out, so that no
    routing decision is the first to ask for a country and subdivision."""
    entries = [
        _entry(d, network.data_regions.get(d.market_code), _holiday_default(network, d))
        for d in network.dealers
    ]
    if today is not None:
        for entry in entries:
            entry.calendar.prepare(today.year, today.year + 1)
    takers = [e for e in entries if e.takes_leads]
    by_market: dict[str, list[DealerEntry]] = {}
    by_region: dict[str, list[DealerEntry]] = {}
    for entry in takers:
        by_market.setdefault(entry.market_code, []).append(entry)
        if entry.data_region:
            by_region.setdefault(entry.data_region, []).append(entry)
    return Network(
        stamp=network.stamp,
        by_id={e.id: e for e in entries},
        by_code={e.code: e for e in entries},
        markets={code: area(members) for code, members in by_market.items()},
        regions={code: area(members) for code, members in by_region.items()},
        data_regions=dict(network.data_regions),
        policies=dict(network.policies),
    )


def area(members: list[DealerEntry]) -> Area:
    """An area of dealers with their coordinates laid out for vectorised distances."""
    lat = np.radians(np.array([m.latitude for m in members], dtype=np.float64))
    lon = np.radians(np.array([m.longitude for m in members], dtype=np.float64))
    position = {member.id: index for index, member in enumerate(members)}
    grouped: dict[tuple[int, int], list[int]] = {}
    for index, member in enumerate(members):
        key = (_cell(member.latitude), _cell(member.longitude))
        grouped.setdefault(key, []).append(index)
    cells = {key: np.array(found, dtype=np.intp) for key, found in grouped.items()}
    return Area(
        dealers=tuple(members),
        position=position,
        lat=lat,
        lon=lon,
        cos_lat=np.cos(lat),
        cells=cells,
    )


def _holiday_default(network: RoutingNetwork, dealer: RoutingDealer) -> HolidayTrading:
    """The public holidays the dealer trades on (all, none or a set of names): its own say,
    else its market's policy."""
    trading = dealer.open_on_holidays
    if trading is None:
        trading = network.policies.get(dealer.market_code, _DEFAULT_POLICY).open_on_holidays
    return frozenset(trading) if isinstance(trading, list) else trading


def _entry(
    dealer: RoutingDealer, region: str | None, open_on_holidays: HolidayTrading
) -> DealerEntry:
    why_not = _why_not(dealer)
    calendar = BusinessCalendar(
        zone=ZoneInfo(dealer.timezone),
        week=week(dealer.opening_hours),
        country=dealer.market_code,
        subdivision=dealer.subdivision,
        open_on_holidays=open_on_holidays,
    )
    return DealerEntry(
        id=dealer.id,
        code=dealer.code,
        kind=dealer.kind,
        market_code=dealer.market_code,
        data_region=region,
        latitude=dealer.latitude,
        longitude=dealer.longitude,
        calendar=calendar,
        capacity=dealer.daily_lead_capacity,
        takes_leads=why_not is None,
        why_not=why_not,
        staff=tuple(
            StaffEntry(id=s.id, name=s.name, shifts=week(s.shifts) if s.shifts else None)
            for s in sorted(dealer.staff, key=lambda s: s.id)
            if s.active and s.job == TAKES_LEADS
        ),
    )


def _why_not(dealer: RoutingDealer) -> str | None:
    if not dealer.active:
        return "is inactive"
    if "Aurelia" not in dealer.brands:
        return "does not carry the brand"
    if dealer.daily_lead_capacity <= 0:
        return "takes no leads (daily capacity 0)"
    return None


# -- the cache ---------------------------------------------------------------------------------

_lock = threading.Lock()
_cache: dict[str, Network] = {}
_KEEP = 4


def current(uow: UnitOfWork) -> Network:
    """The network as of now: one read of the version stamp per transaction, and a rebuild only
    if it changed."""
    with uow:
        # Routing and the response clock both ask within one capture: read the stamp once.
        known = uow.session.info.get(_SESSION_KEY)
        if isinstance(known, Network):
            return known
        network = _current(uow)
        uow.session.info[_SESSION_KEY] = network
        return network


_SESSION_KEY = "forecourt.routing_network"


def _current(uow: UnitOfWork) -> Network:
    stamp = dealers.network_stamp(uow)
    cached = _cache.get(stamp)
    if cached is not None:
        return cached
    with _lock:  # one thread rebuilds; the others wait for its copy
        cached = _cache.get(stamp)
        if cached is None:
            cached = build(dealers.routing_network(uow), uow.clock.now().date())
            _remember(cached)
    return cached


def _remember(network: Network) -> None:
    while len(_cache) >= _KEEP:
        _cache.pop(next(iter(_cache)))
    _cache[network.stamp] = network


def forget_full_days() -> None:
    """Forget which dealers were found full (tests roll their captures back, the memo stays)."""
    for network in list(_cache.values()):
        network.full_days.clear()
        network._full_memo.clear()
