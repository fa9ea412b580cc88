"""The worker loop: fires due timers with the container's handlers, runs the periodic jobs, sleeps
when idle, and stops cleanly on a signal."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Connection, select
from typer.testing import CliRunner

from forecourt import migrations
from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.db.engine import make_engine
from forecourt.entrypoints.cli import app
from forecourt.entrypoints.worker import Worker
from forecourt.kernel import timers
from forecourt.kernel.records import Timer
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service as leads
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.models import Lead


def _schedule(container: Container, kind: str, count: int = 1) -> uuid.UUID:
    subject = uuid.uuid4()
    uow = container.uow()
    with uow:
        for _ in range(count):
            timers.schedule(uow, kind=kind, due_at=uow.clock.now(), subject_id=subject)
        uow.commit()
    return subject


def test_a_pass_fires_due_timers_then_runs_the_periodic_jobs(
    container: Container, connection: Connection
) -> None:
    fired: list[str] = []
    container.timers.register("test.ping", lambda _uow, t: fired.append(t.kind))
    subject = _schedule(container, "test.ping", count=3)
    jobs_seen: list[Container] = []

    def job(c: Container) -> int:
        jobs_seen.append(c)
        return 0

    def broken(_c: Container) -> int:
        raise RuntimeError("relay down")

    worker = Worker(container, jobs=[broken, job], batch=2)
    assert worker.run_once() == 2  # one batch of timers; the broken job is logged, not fatal
    assert jobs_seen == [container]
    assert worker.drain() == 1
    assert fired == ["test.ping"] * 3
    states = connection.scalars(select(Timer.state).where(Timer.subject_id == subject))
    assert set(states) == {"done"}


def test_periodic_jobs_count_as_work(container: Container) -> None:
    remaining = [3]

    def relay(_c: Container) -> int:
        done, remaining[0] = min(remaining[0], 2), max(remaining[0] - 2, 0)
        return done

    assert Worker(container, jobs=[relay]).drain() == 3


def test_an_idle_worker_sleeps_and_stops_at_once_when_asked(container: Container) -> None:
    worker = Worker(container, jobs=[], idle_s=30)
    thread = threading.Thread(target=worker.run)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    worker.stop.set()
    thread.join(timeout=5)
    assert not thread.is_alive()
    assert time.monotonic() - started < 2


@pytest.fixture
def migrated_sqlite(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> str:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    migrations.upgrade(url)
    monkeypatch.setenv("FORECOURT_DATABASE_URL", url)
    return url


def _timer_rows(url: str) -> list[tuple[str, str, int]]:
    engine = make_engine(url)
    with engine.connect() as conn:
        rows = conn.execute(select(Timer.kind, Timer.state, Timer.attempts).order_by(Timer.kind))
        result = [(kind, state, attempts) for kind, state, attempts in rows]
    engine.dispose()
    return result


def test_forecourt_worker_once_fires_what_is_due_and_exits(migrated_sqlite: str) -> None:
    container = bootstrap(Settings(database_url=migrated_sqlite))
    _schedule(container, "no.such.kind")
    later = container.uow()
    with later:
        timers.schedule(later, kind="later", due_at=datetime.now(UTC) + timedelta(hours=1))
        later.commit()
    container.engine.dispose()
    result = CliRunner().invoke(app, ["worker", "--once"])
    assert result.exit_code == 0, result.output
    assert "worker stopped: 1 done" in result.output
    # No handler for the kind: kept, counted as a failed attempt, retried later with back-off.
    assert _timer_rows(migrated_sqlite) == [("later", "pending", 0), ("no.such.kind", "pending", 1)]


def test_sigterm_stops_the_worker_cleanly(migrated_sqlite: str) -> None:
    env = {**os.environ, "FORECOURT_DATABASE_URL": migrated_sqlite, "COLUMNS": "200"}
    command = [sys.executable, "-m", "forecourt.entrypoints.cli", "worker", "--idle", "0.2"]
    process = subprocess.Popen(
        command, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()  # printed once the signal handlers are in place
        assert first.startswith("worker started"), first
        assert "lead.response.breach" in first
        time.sleep(0.5)  # a few idle passes
        process.send_signal(signal.SIGTERM)
        output, _ = process.communicate(timeout=15)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 0, output
    assert "worker stopped: 0 done" in output


def test_the_worker_uses_the_handlers_bootstrap_wired(
    uow: UnitOfWork, container: Container
) -> None:
    assert {"lead.response.warn", "lead.response.breach"} <= set(container.timers.kinds())


def test_the_worker_routes_leads_stored_unrouted(container: Container) -> None:
    data = IncomingLead(
        channel="web",
        source_id="unrouted-1",
        full_name="Jana Nováková",
        phone="+420 601 123 456",
        city="Praha",
        country="CZ",
    )
    lead_id = leads.capture_lead(container.uow(), data=data).lead.id
    uow = container.uow()
    with uow:  # as a bulk import stores it: captured, not yet routed
        stored = uow.session.get(Lead, lead_id)
        assert stored is not None
        stored.status, stored.dealer_id, stored.assigned_staff_id = "new", None, None
        uow.commit()

    Worker(container).drain()

    with uow:
        routed = uow.session.get(Lead, lead_id)
        assert routed is not None
        assert routed.status == "assigned"
        assert routed.dealer_id is not None
