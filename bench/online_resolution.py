"""Online identity resolution of one new lead against N stored customers, on SQLite.

Run: .venv/bin/python bench/online_resolution.py [--customers 1000000] [--leads 2000] [--splink]
     → one JSON line. The stored population is built once into var/bench/online-N.db
     (synthetic Chinese and European people from `people.population`, with common names
     shared by many) and reused.

Each measured lead goes through the same service the API calls: normalisation, blocking-key
candidate fetch, Fellegi–Sunter scoring, the decision, and the writes and commit of the new
source identity. Half the leads are returning people under another spelling, half are new.

With --splink the same leads are also scored by Splink 5's single-record path
(`compare_records` with its SQL cache) against every identity stored in the same database,
read into DuckDB once, joined on the same blocking keys; see `measure_splink`. Splink's
figures cover normalising the lead and scoring its candidates; nothing is written.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import logging
import os
import random
import sqlite3
import statistics
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pandas as pd  # type: ignore[import-untyped, unused-ignore]
import pyarrow as pa  # type: ignore[import-untyped, unused-ignore]
from splink import DuckDBAPI, Linker, block_on
from splink.internals.realtime import compare_records
from sqlalchemy import insert

from forecourt import migrations
from forecourt.bootstrap import bootstrap
from forecourt.config import Settings
from forecourt.customer import service as customers
from forecourt.customer.matching.blocking import blocking_keys
from forecourt.customer.matching.normalise import normalise_person
from forecourt.customer.matching.records import PersonRecord
from forecourt.customer.models import BlockingKey, Customer, SourceIdentity
from forecourt.kernel.ids import new_id
from multichannel_accuracy import splink_blocking, splink_row, splink_settings
from people import population, variant

BATCH = 20_000
#: The columns whose term frequencies Splink's comparisons use.
TF_COLUMNS = ("name_hanzi", "name", "phone", "email", "city")


def populate(url: str, count: int) -> None:
    """Store `count` customers, one source identity each, with their blocking keys."""
    migrations.upgrade(url)
    container = bootstrap(Settings(database_url=url))
    now = datetime.now(UTC)
    rows: dict[str, list[dict[str, Any]]] = {"c": [], "i": [], "k": []}
    with container.engine.begin() as conn:
        for n, person in enumerate(population(count, seed=7)):
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


def leads_to_measure(count: int, leads: int) -> list[dict[str, Any]]:
    """The measured leads: even ones a stored person under another spelling, odd ones new."""
    rng = random.Random(11)
    stored = list(population(min(count, 200_000), seed=7))
    fresh = list(population(leads, seed=99))
    return [variant(rng.choice(stored), rng) if n % 2 == 0 else fresh[n] for n in range(leads)]


def measure(url: str, people: list[dict[str, Any]]) -> dict[str, float]:
    """Resolve the leads one at a time through the service; latency per lead in ms."""
    container = bootstrap(Settings(database_url=url))
    timings: list[float] = []
    for n, person in enumerate(people):
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
    return _stats(timings[warm_up(len(people)) :])


def warm_up(leads: int) -> int:
    """How many first leads are left out: they warm caches and the gazetteer."""
    return min(100, leads // 10)


# --- Splink's single-record scoring on the same stored population ----------------------------


def measure_splink(path: Path, people: list[dict[str, Any]]) -> dict[str, Any]:
    """Splink's `compare_records` for each lead against every stored identity it blocks with.

    The stored identities are read from the same database into DuckDB once, a model is trained
    on them (λ, u by sampling, m by EM), and term frequencies are attached as `tf_` columns as
    `compare_records` expects. Each lead is then normalised and scored with the cached SQL
    against the stored frame, joined on the same blocking keys Forecourt uses; the time per
    lead includes fetching its scored candidates. Nothing is written back.
    """
    started = time.perf_counter()
    frame = stored_frame(path)
    db_api = DuckDBAPI()
    linker = Linker(db_api.register(frame), splink_settings())
    train_on_population(linker)
    tf = {col: _tf_table(linker, col) for col in TF_COLUMNS}
    # Arrow, not pandas: DuckDB scans Arrow strings in place instead of converting every call.
    stored = pa.Table.from_pandas(_with_tf(frame, tf), preserve_index=False)
    settings = linker.misc.save_model_to_json()
    condition = " or ".join(f"({rule})" for rule in blocking_sql())
    prepared = time.perf_counter() - started
    timings: list[float] = []
    for n, person in enumerate(people):
        begun = time.perf_counter()
        record = normalise_person(record_id=f"splink-{n}", **person).record
        row = _with_tf_row(splink_row(record), tf)
        scored = compare_records(
            row, stored, settings, db_api, sql_cache_key="online", join_condition=condition
        )
        scored.as_pandas_dataframe()  # type: ignore[no-untyped-call]
        timings.append((time.perf_counter() - begun) * 1000)
        scored.drop_table_from_database_and_remove_from_cache(force_non_splink_table=True)
    return {
        **_stats(timings[warm_up(len(people)) :]),
        "method": "splink.internals.realtime.compare_records, cached SQL, blocking join",
        "stored_records": len(frame),
        "prepare_s": round(prepared, 1),
    }


def stored_frame(path: Path) -> pd.DataFrame:
    """Every stored source identity as Splink's input columns."""
    with sqlite3.connect(path) as conn:
        rows = conn.execute(
            "select id, name_key, name_hanzi, phone, email, city_id, country from source_identity"
        ).fetchall()
    return pd.DataFrame(
        [
            splink_row(
                PersonRecord(
                    str(i), tuple(key.split()) if key else (), hanzi, phone, email, city, country
                )
            )
            for i, key, hanzi, phone, email, city, country in rows
        ]
    )


def train_on_population(linker: Linker) -> None:
    """λ from a deterministic rule, u by random sampling, m by EM on names in their city."""
    linker.training.estimate_probability_two_random_records_match(
        [block_on("phone", "name")], recall=0.7
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=1e6, seed=1)
    linker.training.estimate_parameters_using_expectation_maximisation(
        block_on("name", "city"), estimate_without_term_frequencies=True
    )


def _tf_table(linker: Linker, column: str) -> dict[str, float]:
    """Splink's term-frequency table of one column, as a dict."""
    table = linker.table_management.compute_tf_table(column).as_pandas_dataframe()  # type: ignore[no-untyped-call]
    return dict(zip(table[column], table[f"tf_{column}"], strict=True))


def _with_tf(frame: pd.DataFrame, tf: dict[str, dict[str, float]]) -> pd.DataFrame:
    """The stored frame with a `tf_` column per TF column."""
    out = frame.copy()
    for column, table in tf.items():
        out[f"tf_{column}"] = out[column].map(table)
    return out


def _with_tf_row(row: dict[str, Any], tf: dict[str, dict[str, float]]) -> dict[str, Any]:
    """A new record with its term frequencies (an unseen value gets the rarest frequency)."""
    out = dict(row)
    for column, table in tf.items():
        value = row[column]
        out[f"tf_{column}"] = None if value is None else table.get(value, min(table.values()))
    return out


def blocking_sql() -> list[str]:
    """The prediction blocking rules as SQL on the tables l and r."""
    return [rule.get_blocking_rule("duckdb").blocking_rule_sql for rule in splink_blocking()]


def _stats(ms: list[float]) -> dict[str, float]:
    ordered = sorted(ms)
    return {
        "p50_ms": round(statistics.median(ordered), 3),
        "p99_ms": round(ordered[int(len(ordered) * 0.99) - 1], 3),
        "mean_ms": round(statistics.fmean(ordered), 3),
        "leads": len(ordered),
    }


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def _copy_database(source: Path, target: Path) -> None:
    """A consistent copy through SQLite's backup API: the population just built may still be
    partly in its write-ahead log, which a copy of the main file alone would miss."""
    with (
        contextlib.closing(sqlite3.connect(source)) as db,
        contextlib.closing(sqlite3.connect(target)) as copy,
    ):
        db.backup(copy)


def stored_counts(path: Path) -> dict[str, int]:
    """How many customers and source identities the measured database holds."""
    with contextlib.closing(sqlite3.connect(path)) as connection:
        return {
            table: int(connection.execute(f"SELECT count(*) FROM {table}").fetchone()[0])
            for table in ("customer", "source_identity")
        }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--customers", type=int, default=1_000_000)
    parser.add_argument("--leads", type=int, default=2000)
    parser.add_argument(
        "--splink",
        action="store_true",
        help="also time Splink's single-record scoring (compare_records) on the same leads",
    )
    args = parser.parse_args()
    logging.getLogger("splink").setLevel(logging.ERROR)
    path = Path("var/bench") / f"online-{args.customers}.db"
    url = f"sqlite:///{path}"
    built = 0.0
    if not path.exists():
        started = time.perf_counter()
        populate(url, args.customers)
        built = time.perf_counter() - started
    migrations.upgrade(url)  # a population stored by older code gets today's schema
    people = leads_to_measure(args.customers, args.leads)
    # Measured on a copy: every run commits its leads, and the stored population must stay N.
    run = path.with_suffix(".run.db")
    _remove_database(run)  # with its -wal and -shm, or SQLite would replay an old run's log
    _copy_database(path, run)
    # Write the copy out before measuring: otherwise the kernel flushes its 1 GB or more of
    # dirty pages during the run, and the figures measure that.
    os.sync()
    try:
        result: dict[str, Any] = {
            "bench": "online_resolution",
            "database": "sqlite",
            "customers": args.customers,
            "stored": stored_counts(run),
            "load_average_1m_before": round(os.getloadavg()[0], 2),
            "forecourt": measure(f"sqlite:///{run}", people),
            "population_build_s": round(built, 1),
        }
        if args.splink:
            result["splink"] = measure_splink(run, people)
    finally:
        _remove_database(run)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
