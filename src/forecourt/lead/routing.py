"""Routing rules: which dealers a lead goes to, in which order, and why. Pure, no I/O.

In order: the lead's market (and its data region: a person's data never leaves it); a dealer the
customer asked for by name, when eligible; an existing relationship (the dealer that sold them a
car, the one that last serviced it, the one already working an open lead of theirs); then the
nearest eligible dealers by great-circle distance, in the smallest of the market's widening radii
that holds any, brand (own and franchise) dealers before multibrand ones where the market's policy
says so, dealers open now (opening hours; public holidays, unless they trade on them) before
closed ones, nearest first. A market without an eligible dealer borrows the nearest of its data
region. Daily capacity is checked when a candidate is taken (`DealerEntry.capacity`, counted in
the database); a full one passes the lead to the next candidate.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

import numpy as np
import numpy.typing as npt

from forecourt.dealer.policies import distance_km
from forecourt.lead.network import Area, DealerEntry, IndexArray, Network, StaffEntry

MAX_CANDIDATES = 8
RING_LOOKAHEAD = 16
"""At most this many of a ring's nearest dealers are ranked: enough to find open and brand
dealers, few enough that one decision stays far under a millisecond in a dense city."""


@dataclass(frozen=True, slots=True)
class RouteRequest:
    """What routing knows about a lead."""

    market_code: str | None
    latitude: float | None
    longitude: float | None
    requested_code: str | None = None
    relationships: Sequence[tuple[uuid.UUID, str]] = ()
    exclude: frozenset[uuid.UUID] = frozenset()
    full: frozenset[uuid.UUID] = frozenset()
    """Dealers known to have taken all their leads today."""


@dataclass(frozen=True, slots=True)
class Candidate:
    """A dealer the lead may go to, by which rule, how far away and whether it is open now."""

    dealer: DealerEntry
    rule: str
    distance_km: float | None
    open_now: bool

    def describe(self) -> str:
        far = f" at {self.distance_km:.1f} km" if self.distance_km is not None else ""
        state = "open now" if self.open_now else "closed now"
        return f"{self.dealer.code} ({self.dealer.kind}){far}, {state}"

    def as_dict(self) -> dict[str, object]:
        return {
            "dealer_code": self.dealer.code,
            "kind": self.dealer.kind,
            "rule": self.rule,
            "distance_km": None if self.distance_km is None else round(self.distance_km, 1),
            "open_now": self.open_now,
        }


@dataclass
class Plan:
    """The candidates in the order to try them, and the reasons for that order."""

    candidates: list[Candidate] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)


def plan(network: Network, request: RouteRequest, now: datetime) -> Plan:
    """Order the dealers a lead may go to; an empty plan says in its reasons why none may."""
    result = Plan()
    region = network.data_regions.get(request.market_code or "")
    if region is None:
        result.reasons.append(f"market {request.market_code or 'unknown'} is not one we serve")
        return result
    result.reasons.append(f"market {request.market_code}, data region {region}")
    chosen: set[uuid.UUID] = set(request.exclude) | request.full
    if request.exclude:
        result.reasons.append(f"{len(request.exclude)} dealer(s) already tried are left out")
    if request.full:
        result.reasons.append(f"{len(request.full)} dealer(s) full today are left out")
    _named(network, request, region, now, result, chosen)
    _related(network, request, region, now, result, chosen)
    _nearest(network, request, region, now, result, chosen)
    return result


def _named(
    network: Network,
    request: RouteRequest,
    region: str,
    now: datetime,
    result: Plan,
    chosen: set[uuid.UUID],
) -> None:
    if not request.requested_code:
        return
    dealer = network.by_code.get(request.requested_code.upper())
    why_not = _ineligible(dealer, region, chosen, request.full)
    if dealer is None or why_not:
        result.reasons.append(f"requested dealer {request.requested_code} {why_not}")
        return
    result.reasons.append(f"requested dealer {dealer.code} is eligible: offered first")
    _add(result, chosen, Candidate(dealer, "requested", _km(request, dealer), is_open(dealer, now)))


def _related(
    network: Network,
    request: RouteRequest,
    region: str,
    now: datetime,
    result: Plan,
    chosen: set[uuid.UUID],
) -> None:
    for dealer_id, relation in request.relationships:
        dealer = network.by_id.get(dealer_id)
        why_not = _ineligible(dealer, region, chosen, request.full)
        if dealer is None or why_not:
            if why_not != "is already offered":
                result.reasons.append(f"{relation} {why_not}")
            continue
        result.reasons.append(f"{relation} {dealer.code} is eligible: existing relationship")
        _add(
            result,
            chosen,
            Candidate(dealer, "relationship", _km(request, dealer), is_open(dealer, now)),
        )


def _ineligible(
    dealer: DealerEntry | None, region: str, chosen: set[uuid.UUID], full: frozenset[uuid.UUID]
) -> str:
    if dealer is None:
        return "is unknown"
    if dealer.why_not:
        return dealer.why_not
    if dealer.data_region != region:
        return f"is in data region {dealer.data_region}, not {region}"
    if dealer.id in full:
        return f"has taken its {dealer.capacity} leads today"
    return "is already offered" if dealer.id in chosen else ""


def _nearest(
    network: Network,
    request: RouteRequest,
    region: str,
    now: datetime,
    result: Plan,
    chosen: set[uuid.UUID],
) -> None:
    policy = network.policy(request.market_code)
    for scope, area in (
        (f"market {request.market_code}", network.markets.get(request.market_code or "")),
        (f"data region {region}", network.regions.get(region)),
    ):
        if area is None:
            continue
        ranked = _ranked(area, request, policy.radii_km, policy.brand_dealers_first, now, chosen)
        if ranked:
            ring, members = ranked
            result.reasons.append(f"{scope}: {ring}")
            if policy.brand_dealers_first:
                result.reasons.append("market policy: own and franchise dealers before multibrand")
            for candidate in members[: MAX_CANDIDATES - len(result.candidates)]:
                _add(result, chosen, candidate)
            return
        result.reasons.append(f"{scope}: no eligible dealer left")


def _ranked(
    area: Area,
    request: RouteRequest,
    radii: Sequence[int],
    brand_first: bool,
    now: datetime,
    chosen: set[uuid.UUID],
) -> tuple[str, list[Candidate]] | None:
    """The smallest ring (or the whole area) holding eligible dealers, its members in order."""
    members: list[tuple[DealerEntry, float | None]]
    if request.latitude is None or request.longitude is None:
        members = [(d, None) for d in area.dealers if d.id not in chosen]
        ring = "no location known, so any dealer of it"
    else:
        found = _ring(area, request.latitude, request.longitude, radii, chosen)
        if found is None:
            return None
        ring, members = found
    if not members:
        return None
    rule = "nearest" if request.latitude is not None else "market"
    candidates = [Candidate(d, rule, km, is_open(d, now)) for d, km in members]
    candidates.sort(key=lambda c: _rank(c, brand_first))
    open_count = sum(c.open_now for c in candidates)
    return f"{ring}: {len(candidates)} eligible, {open_count} open now", candidates


def _ring(
    area: Area, lat: float, lon: float, radii: Sequence[int], chosen: set[uuid.UUID]
) -> tuple[str, list[tuple[DealerEntry, float | None]]] | None:
    """The eligible dealers inside the smallest radius that holds any, else the nearest of all."""
    allowed = np.ones(len(area.dealers), dtype=bool)  # one mask for every ring, not a set test each
    allowed[[i for d in chosen if (i := area.position.get(d)) is not None]] = False
    for radius in radii:
        inside = _within(area, lat, lon, area.nearby(lat, lon, radius), radius, allowed)
        if inside:
            return f"within {radius} km", inside
    everyone = np.arange(len(area.dealers))
    inside = _within(area, lat, lon, everyone, np.inf, allowed)
    return (f"beyond {radii[-1]} km", inside) if inside else None


def _within(
    area: Area,
    lat: float,
    lon: float,
    indexes: IndexArray,
    radius: float,
    allowed: npt.NDArray[np.bool_],
) -> list[tuple[DealerEntry, float | None]]:
    """The allowed dealers at `indexes` within `radius` km, at most the `RING_LOOKAHEAD`
    nearest."""
    indexes = indexes[allowed[indexes]]
    if indexes.size == 0:
        return []
    distances = area.distances_km(lat, lon, indexes)
    keep = distances <= radius
    indexes, distances = indexes[keep], distances[keep]
    if indexes.size > RING_LOOKAHEAD:
        nearest = np.argpartition(distances, RING_LOOKAHEAD)[:RING_LOOKAHEAD]
        indexes, distances = indexes[nearest], distances[nearest]
    return [(area.dealers[i], float(km)) for i, km in zip(indexes, distances, strict=True)]


def _rank(candidate: Candidate, brand_first: bool) -> tuple[int, int, float, int, str]:
    dealer = candidate.dealer
    kind = 0 if dealer.brand_dealer or not brand_first else 1
    distance = candidate.distance_km if candidate.distance_km is not None else 0.0
    return (kind, 0 if candidate.open_now else 1, distance, -dealer.capacity, dealer.code)


def _add(result: Plan, chosen: set[uuid.UUID], candidate: Candidate) -> None:
    result.candidates.append(candidate)
    chosen.add(candidate.dealer.id)


def _km(request: RouteRequest, dealer: DealerEntry) -> float | None:
    if request.latitude is None or request.longitude is None:
        return None
    return distance_km(request.latitude, request.longitude, dealer.latitude, dealer.longitude)


# -- time ------------------------------------------------------------------------------------


def local_day(dealer: DealerEntry, now: datetime) -> date:
    """The dealer's calendar day at `now`: daily capacity counts by it."""
    return now.astimezone(dealer.zone).date()


def is_open(dealer: DealerEntry, now: datetime) -> bool:
    """Whether the dealer is open at `now`: its local opening hours, and not a public holiday
    unless it trades on them (the dealer's calendar decides, as it does for the response clock)."""
    return dealer.calendar.is_open(now)


def on_shift(staff: StaffEntry, dealer: DealerEntry, now: datetime) -> bool:
    """Whether a salesperson works at `now`: their shifts, else the dealer's hours."""
    return dealer.calendar.is_open(now, staff.shifts)


# -- within the dealer -----------------------------------------------------------------------


def choose_staff(
    dealer: DealerEntry,
    now: datetime,
    *,
    turn: int,
    method: str,
    open_leads: dict[uuid.UUID, int] | None = None,
) -> tuple[StaffEntry | None, str]:
    """The salesperson to give the lead to, and why: among those on shift (else all of them),
    the next in turn (`turn` is the dealer's count of leads today) or the one with fewest open
    leads."""
    if not dealer.staff:
        return None, f"{dealer.code} has no salesperson: the lead waits in the dealer's queue"
    working = [s for s in dealer.staff if on_shift(s, dealer, now)]
    pool, where = (working, "on shift") if working else (list(dealer.staff), "(no one on shift)")
    if method == "least_busy" and open_leads is not None:
        person = min(pool, key=lambda s: open_leads.get(s.id, 0))
        return person, f"{person.name}: fewest open leads among {len(pool)} {where}"
    person = pool[(turn - 1) % len(pool)]
    return person, f"{person.name}: next in turn among {len(pool)} {where}"
