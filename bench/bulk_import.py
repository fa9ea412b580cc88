"""Bulk import and bulk resolution of N leads on a fresh SQLite file.

Run: .venv/bin/python bench/bulk_import.py [--leads 1000000] [--workers 2]
                                          [--database sqlite|postgresql --pg-url URL]
     → one JSON line: wall time per phase of `leads import --bulk` (read and normalise,
     resolve, store) and of the re-cluster that follows (`customers resolve`), total,
     rows per second and peak RSS (this process, and the largest worker).

The leads are the multi-channel set of `people.multichannel` (Chinese and European people
through every channel, each written down the channel's own way: scripts, name orders, phone
formats, typos, households), about 2.2 leads a person, with a marketing consent on some rows
and a campaign code on others. The CSV is generated once into var/bench/ and reused; the
database is rebuilt every run (a new SQLite file, or the PostgreSQL database migrated down to
nothing and up again).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import resource
import time
from pathlib import Path
from typing import Any

from forecourt import migrations
from forecourt.bootstrap import bootstrap
from forecourt.campaign import service as campaign
from forecourt.config import Settings
from forecourt.dealer import service as dealer
from forecourt.lead import bulk
from forecourt.market import service as market
from people import multichannel

COLUMNS = (
    "channel",
    "source_id",
    "first_name",
    "last_name",
    "full_name",
    "phone",
    "email",
    "city",
    "country",
    "consent_marketing",
    "campaign_code",
)
LEADS_PER_PERSON = 2.2
CAMPAIGNS = ("LIVE-CN-2026-11", "RS-CN-LUOYANG", "UNKNOWN-CODE")


def lead_file(leads: int) -> Path:
    """The CSV of `leads` rows, generated on first use."""
    path = Path("var/bench") / f"bulk-leads-{leads}.csv"
    if path.exists():
        return path
    path.parent.mkdir(parents=True, exist_ok=True)
    rows = multichannel(persons=int(leads / LEADS_PER_PERSON) + 1, seed=2026)[:leads]
    rng = random.Random(3)
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        for lead in rows:
            writer.writerow([*_values(lead), *_extras(rng)])
    return path


def _values(lead: Any) -> list[str]:
    fields = lead.fields()
    return [lead.channel, lead.source_id, *(fields[c] or "" for c in COLUMNS[2:9])]


def _extras(rng: random.Random) -> list[str]:
    consent = rng.choice(("yes", "no", "", ""))
    code = rng.choice(CAMPAIGNS) if rng.random() < 0.2 else ""
    return [consent, code]


def fresh_database(leads: int, pg_url: str | None = None) -> str:
    """A new database, migrated and seeded with the reference data: a new SQLite file, or
    the PostgreSQL database at `pg_url` emptied and migrated again."""
    if pg_url is None:
        path = Path("var/bench") / f"bulk-{leads}.db"
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        url = f"sqlite:///{path}"
    else:
        url = pg_url
        migrations.downgrade(url, "base")
    migrations.upgrade(url)
    container = bootstrap(Settings(database_url=url))
    market.seed_reference_data(container.uow())
    dealer.seed_reference_data(container.uow())
    campaign.seed_reference_data(container.uow())
    container.engine.dispose()
    return url


def run(url: str, path: Path, workers: int) -> dict[str, Any]:
    """Import the file in bulk, then re-cluster everything; wall times per phase."""
    container = bootstrap(Settings(database_url=url))
    started, cpu = time.perf_counter(), _cpu()
    imported = bulk.import_file(container.uow(), path=path, workers=workers)
    import_s, import_cpu = time.perf_counter() - started, _cpu() - cpu
    started, cpu = time.perf_counter(), _cpu()
    reclustered = bulk.recluster(container.uow())
    recluster_s, recluster_cpu = time.perf_counter() - started, _cpu() - cpu
    container.engine.dispose()
    return {
        "import_s": round(import_s, 1),
        "import_phases_s": imported.seconds,
        "import_cpu_s": round(import_cpu, 1),
        "recluster_s": round(recluster_s, 1),
        "recluster_cpu_s": round(recluster_cpu, 1),
        "created": imported.created,
        "rejected": len(imported.rejected),
        "resolutions": imported.resolutions,
        "recluster_moved": len(reclustered.moved),
    }


def _cpu() -> float:
    """CPU seconds used so far by this process and its finished workers (the machine is shared:
    wall time depends on what else runs, CPU time much less)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    workers = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + workers.ru_utime + workers.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--leads", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:55432/forecourt_bench")
    args = parser.parse_args()
    started = time.perf_counter()
    path = lead_file(args.leads)
    generated = time.perf_counter() - started
    url = fresh_database(args.leads, args.pg_url if args.database == "postgresql" else None)
    result = run(url, path, args.workers)
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    print(
        json.dumps(
            {
                "bench": "bulk_import",
                "database": args.database,
                "leads": args.leads,
                "workers": args.workers,
                **result,
                "import_rows_per_s": round(args.leads / result["import_s"]),
                "load_average_1m": round(os.getloadavg()[0], 1),
                "peak_rss_mb": round(own / 1024),
                "peak_worker_rss_mb": round(workers / 1024),
                "file_generation_s": round(generated, 1),
            }
        )
    )


if __name__ == "__main__":
    main()
