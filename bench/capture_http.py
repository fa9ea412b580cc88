"""End-to-end lead capture over HTTP under a real load generator (wrk) on loopback.

Run: .venv/bin/python bench/capture_http.py [--database sqlite|postgresql --pg-url URL]
     [--duration 20] [--connections 16] [--server-workers N] [--no-capture-writer]
     → one JSON line.

A fresh database is migrated and seeded, `forecourt serve` is started as its own processes (on
SQLite with its capture writer process, unless `--no-capture-writer`), and
wrk posts simulated leads (the demo's simulator: a live broadcast across China, European web and
dealer enquiries, returning customers under another spelling), each with its own source id, for
`--duration` seconds after a short warm-up. Every request goes the whole way: validation,
normalisation, identity resolution, scoring, routing, the response clock, commit. The leads
stored are counted afterwards, so a request that failed cannot pass for a capture.
Needs `wrk` (Debian package wrk).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from forecourt import migrations
from forecourt.bootstrap import bootstrap
from forecourt.config import Settings
from forecourt.db.engine import make_engine
from forecourt.entrypoints import simulator
from forecourt.entrypoints.cli import stop_process
from forecourt.entrypoints.demo import wait_until_up
from forecourt.entrypoints.simulation import LeadSimulator

BODIES = 20_000
LUA = r"""
local bodies, n, thread_id, counter = {}, 0, 0, 0
setup = function(thread)
  thread:set("tid", counter)
  counter = counter + 1
end
init = function(args)
  for line in io.lines(args[1]) do bodies[#bodies + 1] = line end
  wrk.method = "POST"
  wrk.headers["Content-Type"] = "application/json"
  wrk.headers["Authorization"] = "Bearer " .. args[2]
  thread_id = tid
end
request = function()
  n = n + 1
  local body = bodies[(n % #bodies) + 1]
  body = body:gsub("SOURCE_ID", args_run .. "-" .. thread_id .. "-" .. n)
  return wrk.format(nil, "/api/v1/leads", nil, body)
end
done = function(summary, latency, requests)
  local errors = summary.errors
  io.stderr:write(string.format(
    '{"requests": %d, "duration_us": %d, "non_2xx": %d, "socket_errors": %d, ' ..
    '"p50_us": %d, "p90_us": %d, "p99_us": %d, "max_us": %d}\n',
    summary.requests, summary.duration, errors.status,
    errors.connect + errors.read + errors.write + errors.timeout,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max))
end
"""


def main() -> None:
    args = _arguments()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory(prefix="forecourt-http-") as tmp:
        work = Path(tmp)
        url = args.pg_url if args.database == "postgresql" else f"sqlite:///{work / 'http.db'}"
        token = _prepare(url)
        bodies = _bodies(work / "bodies.jsonl")
        port = _free_port()
        server = _serve(url, port, args.server_workers, capture_writer=args.capture_writer)
        try:
            base = f"http://127.0.0.1:{port}"
            if not wait_until_up(base):
                sys.exit("the server did not come up")
            _wrk(base, work, bodies, token, run="warm", duration=10, connections=args.connections)
            before, cpu_before = _stored_leads(url), _server_cpu_s(server.pid)
            result = _wrk(
                base,
                work,
                bodies,
                token,
                run="m",
                duration=args.duration,
                connections=args.connections,
            )
            captured = _stored_leads(url) - before
            server_cpu = _server_cpu_s(server.pid) - cpu_before
        finally:
            stop_process(server)
    print(json.dumps(_summary(args, result, captured, server_cpu)))


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--pg-url", default="postgresql://postgres@127.0.0.1:55432/forecourt_bench")
    parser.add_argument("--duration", type=int, default=20)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--server-workers", type=int, default=None)
    parser.add_argument(
        "--no-capture-writer",
        dest="capture_writer",
        action="store_false",
        help="SQLite: write captures in the server process, not in a writer process",
    )
    args = parser.parse_args()
    if args.server_workers is None:
        # SQLite has one writer per file: there one server process prepares the captures and
        # the capture writer process writes them, one core each; a second server process
        # would only compete with the writer for a core. PostgreSQL takes a process per core.
        args.server_workers = 1 if args.database == "sqlite" else 2
    return args


def _prepare(url: str) -> str:
    """Migrate and seed a fresh database; return the simulator's API token."""
    migrations.downgrade(url, "base")
    migrations.upgrade(url)
    subprocess.run(
        [sys.executable, "-m", "forecourt.entrypoints.cli", "seed"],
        env={**os.environ, "FORECOURT_DATABASE_URL": url},
        check=True,
        stdout=subprocess.DEVNULL,
    )
    container = bootstrap(Settings(database_url=url))
    token = simulator.simulator_token(container)
    container.engine.dispose()
    return token


def _bodies(path: Path) -> Path:
    """Simulated lead bodies, one JSON per line, with a placeholder for a unique source id."""
    sim = LeadSimulator(seed=21)
    with path.open("w", encoding="utf-8") as handle:
        for _ in range(BODIES):
            body = sim.next_lead()
            body["source_id"] = "SOURCE_ID"
            handle.write(json.dumps(body, ensure_ascii=False) + "\n")
    return path


def _serve(url: str, port: int, workers: int, *, capture_writer: bool) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-m", "forecourt.entrypoints.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers), "--no-access-log"]
    command += [] if capture_writer else ["--no-capture-writer"]
    env = {**os.environ, "FORECOURT_DATABASE_URL": url, "FORECOURT_SECRET_KEY": "bench"}
    return subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def _wrk(
    base: str, work: Path, bodies: Path, token: str, *, run: str, duration: int, connections: int
) -> dict[str, Any]:
    script = work / f"{run}.lua"
    script.write_text(f'args_run = "{run}{time.time_ns()}"\n' + LUA, encoding="utf-8")
    command = ["wrk", "-t", "1", "-c", str(connections), "-d", f"{duration}s", "--timeout", "10s"]
    command += ["-s", str(script), base, "--", str(bodies), token]
    finished = subprocess.run(command, capture_output=True, text=True, check=True)
    return dict(json.loads(finished.stderr.strip().splitlines()[-1]))


def _stored_leads(url: str) -> int:
    engine = make_engine(url)
    with engine.connect() as connection:
        count = int(connection.execute(text("SELECT count(*) FROM lead")).scalar_one())
    engine.dispose()
    return count


def _server_cpu_s(pid: int) -> float:
    """CPU seconds (user and system) the server's processes have used so far: the process and
    its workers, read from /proc (Linux)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for process in _tree(pid):
        try:
            fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        except FileNotFoundError:
            continue  # ended in between
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _tree(pid: int) -> list[int]:
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        children = Path(f"/proc/{current}/task/{current}/children")
        if children.exists():
            todo += [int(child) for child in children.read_text().split()]
    return found


def _summary(
    args: argparse.Namespace, wrk: dict[str, Any], captured: int, server_cpu: float
) -> dict[str, Any]:
    seconds = wrk["duration_us"] / 1e6
    return {
        "bench": "capture_http",
        "database": args.database,
        "server_workers": args.server_workers,
        "capture_writer": args.capture_writer and args.database == "sqlite",
        "connections": args.connections,
        "load_generator": "wrk 4.1, 1 thread",
        "seconds": round(seconds, 1),
        "requests": wrk["requests"],
        "leads_captured": captured,
        "leads_per_s": round(captured / seconds, 1),
        # Server CPU over the measured run per lead stored (the database server's not counted).
        "server_cpu_ms_per_lead": round(1000 * server_cpu / max(captured, 1), 2),
        "p50_ms": round(wrk["p50_us"] / 1000, 2),
        "p90_ms": round(wrk["p90_us"] / 1000, 2),
        "p99_ms": round(wrk["p99_us"] / 1000, 2),
        "max_ms": round(wrk["max_us"] / 1000, 2),
        "non_2xx": wrk["non_2xx"],
        "socket_errors": wrk["socket_errors"],
    }


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
