"""Online identity resolution of one new lead against N stored customers, on SQLite.

Run: .venv/bin/python bench/online_resolution.py [--customers 1000000] [--leads 2000]
     → one JSON line. The stored population is built once into var/bench/online-N.db
     (synthetic Chinese and European people, with common names shared by many) and reused.

Each measured lead goes through the same service the API calls: normalisation, blocking-key
candidate fetch, Fellegi–Sunter scoring, the decision, and the writes and commit of the new
source identity. Half the leads are returning people under another spelling, half are new.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from faker import Faker
from sqlalchemy import insert

from forecourt import migrations
from forecourt.bootstrap import bootstrap
from forecourt.config import Settings
from forecourt.customer import service as customers
from forecourt.customer.matching.blocking import blocking_keys
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.models import BlockingKey, Customer, SourceIdentity
from forecourt.kernel.ids import new_id

CITIES = {
    "CN": [
        "上海",
        "北京",
        "广州",
        "深圳",
        "成都",
        "武汉",
        "洛阳",
        "赣州",
        "遵义",
        "绵阳",
        "宜昌",
        "上饶",
    ],
    "DE": ["Berlin", "München", "Hamburg", "Köln", "Frankfurt am Main", "Stuttgart"],
    "PL": ["Warsaw", "Kraków", "Wrocław", "Gdańsk", "Poznań"],
}
LOCALES = {"CN": "zh_CN", "DE": "de_DE", "PL": "pl_PL"}
BATCH = 20_000


def people(count: int, seed: int) -> Iterator[dict[str, Any]]:
    """Synthetic people: names drawn from small pools, so common names repeat many times."""
    rng = random.Random(seed)
    pools = {c: _name_pool(loc, seed) for c, loc in LOCALES.items()}
    for n in range(count):
        country = rng.choices(("CN", "DE", "PL"), weights=(6, 2, 2))[0]
        first, last = rng.choice(pools[country])
        yield {
            "first_name": first,
            "last_name": last,
            "phone": _phone(country, rng),
            "email": f"{_ascii(first)}.{_ascii(last)}.{n}@example.com"
            if rng.random() < 0.6
            else None,
            "city": rng.choice(CITIES[country]),
            "country": country,
        }


def _name_pool(locale: str, seed: int) -> list[tuple[str, str]]:
    fake = Faker(locale)
    fake.seed_instance(seed)
    return [(fake.first_name(), fake.last_name()) for _ in range(3000)]


def _phone(country: str, rng: random.Random) -> str:
    if country == "CN":
        return f"1{rng.choice('3589')}{rng.randrange(10**9):09d}"
    prefix = {"DE": "+49 151", "PL": "+48 601"}[country]
    return f"{prefix} {rng.randrange(10**7):07d}"


def _ascii(text: str) -> str:
    return "".join(ch for ch in text.lower() if ch.isascii() and ch.isalpha()) or "x"


def populate(url: str, count: int) -> None:
    """Store `count` customers, one source identity each, with their blocking keys."""
    migrations.upgrade(url)
    container = bootstrap(Settings(database_url=url))
    now = datetime.now(UTC)
    rows: dict[str, list[dict[str, Any]]] = {"c": [], "i": [], "k": []}
    with container.engine.begin() as conn:
        for n, person in enumerate(people(count, seed=7)):
            _rows(rows, n, person, now)
            if len(rows["c"]) >= BATCH:
                _flush(conn, rows)
        _flush(conn, rows)
    container.engine.dispose()


def _rows(
    rows: dict[str, list[dict[str, Any]]], n: int, person: dict[str, Any], now: datetime
) -> None:
    normal = normalise_person(record_id=str(n), **person)
    record, customer_id, identity_id = normal.record, new_id(), new_id()
    name_key = " ".join(record.name_tokens) or None
    shared = {
        "display_name": normal.display_name,
        "name_key": name_key,
        "name_hanzi": record.name_hanzi,
        "phone": record.phone,
        "email": record.email,
        "city_id": record.city_id,
        "city_name": normal.city_name,
        "city_tier": normal.city_tier,
    }
    rows["c"].append(
        {
            "id": customer_id,
            "market_code": normal.market_code,
            "created_at": now,
            "updated_at": now,
            **shared,
        }
    )
    rows["i"].append(
        {
            "id": identity_id,
            "customer_id": customer_id,
            "channel": "web",
            "source_id": f"seed-{n}",
            "phone_raw": person["phone"],
            "country": normal.market_code,
            "flags": [],
            "match_outcome": "new",
            "created_at": now,
            **shared,
        }
    )
    rows["k"].extend(
        {"key": key, "identity_id": identity_id} for key in dict.fromkeys(blocking_keys(record))
    )


def _flush(conn: Any, rows: dict[str, list[dict[str, Any]]]) -> None:
    for table, key in (
        (Customer.__table__, "c"),
        (SourceIdentity.__table__, "i"),
        (BlockingKey.__table__, "k"),
    ):
        if rows[key]:
            conn.execute(insert(table), rows[key])
            rows[key].clear()


def variant(person: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """The same person through another door: other name order or script, phone format, case."""
    changed = dict(person)
    changed["full_name"] = f"{person['last_name']} {person['first_name']}"
    changed.pop("first_name")
    changed.pop("last_name")
    if rng.random() < 0.5 and changed["email"]:
        changed["email"] = changed["email"].upper()
    changed["phone"] = ("+86 " if person["country"] == "CN" else "") + person["phone"]
    return changed


def measure(url: str, count: int, leads: int) -> dict[str, float]:
    """Resolve `leads` new leads one at a time through the service; latency per lead in ms."""
    container = bootstrap(Settings(database_url=url))
    rng = random.Random(11)
    stored = list(people(min(count, 200_000), seed=7))
    fresh = list(people(leads, seed=99))
    timings: list[float] = []
    for n in range(leads):
        person = variant(rng.choice(stored), rng) if n % 2 == 0 else fresh[n]
        started = time.perf_counter()
        normal = normalise_person(record_id=f"bench-{n}", **person)
        customers.resolve_person(
            container.uow(),
            person=normal,
            channel="call_centre",
            source_id=f"bench-{time.time_ns()}-{n}",
        )
        timings.append((time.perf_counter() - started) * 1000)
    container.engine.dispose()
    return _stats(timings[min(100, leads // 10) :])  # the first leads warm caches and the gazetteer


def _stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "leads": len(ordered),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=2000)
    args = parser.parse_args()
    path = Path("var/bench") / f"online-{args.customers}.db"
    url = f"sqlite:///{path}"
    built = 0.0
    if not path.exists():
        started = time.perf_counter()
        populate(url, args.customers)
        built = time.perf_counter() - started
    result = {
        "bench": "online_resolution",
        "database": "sqlite",
        "customers": args.customers,
        "forecourt": measure(url, args.customers, args.leads),
        "population_build_s": round(built, 1),
    }
    print(json.dumps(result))


if __name__ == "__main__":
    main()
