"""Several workers on PostgreSQL: they share the due timers without firing one twice, and a
worker killed in the middle of a timer leaves it to be fired by another.

These need committed rows seen by other connections and processes, so they run on a scratch
database holding only the timer table; SQLite runs a single worker and skips them.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url

from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.db.engine import make_engine
from forecourt.entrypoints.worker import Worker
from forecourt.kernel import timers
from forecourt.kernel.records import Timer
from forecourt.kernel.uow import UnitOfWork

pytestmark = pytest.mark.postgres_only


@pytest.fixture
def timer_db(database_url: str) -> Iterator[str]:
    """An empty PostgreSQL database with the timer table."""
    if make_url(database_url).get_backend_name() != "postgresql":
        pytest.skip("several workers need PostgreSQL")
    name = f"workers_{uuid.uuid4().hex[:12]}"
    admin = make_engine(database_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(database_url).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    Timer.__table__.create(engine)  # type: ignore[attr-defined]
    engine.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
    admin.dispose()


def _container(url: str) -> Container:
    return bootstrap(Settings(database_url=url))


def _schedule(container: Container, kind: str, count: int) -> None:
    uow = container.uow()
    with uow:
        for n in range(count):
            timers.schedule(uow, kind=kind, due_at=uow.clock.now(), payload={"n": n})
        uow.commit()


def _states(url: str) -> Counter[str]:
    engine = make_engine(url)
    with engine.connect() as conn:
        states = Counter(conn.scalars(select(Timer.state)))
    engine.dispose()
    return states


def test_two_workers_share_the_timers_without_firing_one_twice(timer_db: str) -> None:
    fired: list[tuple[str, uuid.UUID]] = []
    lock = threading.Lock()

    def handler_of(name: str) -> timers.TimerHandler:
        def handle(_uow: UnitOfWork, timer: Timer) -> None:
            with lock:
                fired.append((name, timer.id))
            time.sleep(0.002)  # long enough for the two workers to overlap

        return handle

    workers = []
    for name in ("a", "b"):
        container = _container(timer_db)
        container.timers.register("test.share", handler_of(name))
        workers.append(Worker(container, jobs=[], batch=5))
    _schedule(workers[0].container, "test.share", 300)

    threads = [threading.Thread(target=w.drain) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    ids = [timer_id for _name, timer_id in fired]
    assert len(ids) == 300
    assert len(set(ids)) == 300, "a timer fired twice"
    by_worker = Counter(name for name, _id in fired)
    assert by_worker["a"] > 0
    assert by_worker["b"] > 0
    assert _states(timer_db) == Counter({"done": 300})
    for worker in workers:
        worker.container.engine.dispose()


CHILD = """
import sys, time
from pathlib import Path
from forecourt.bootstrap import bootstrap
from forecourt.config import Settings
from forecourt.entrypoints.worker import Worker

def hang(uow, timer):
    Path(sys.argv[2]).write_text(str(timer.id))
    time.sleep(120)

container = bootstrap(Settings(database_url=sys.argv[1]))
container.timers.register("test.hang", hang)
Worker(container, jobs=[]).run_once()
"""


def test_a_worker_killed_mid_timer_leaves_it_to_another(timer_db: str, tmp_path: Path) -> None:
    marker = tmp_path / "claimed"
    container = _container(timer_db)
    _schedule(container, "test.hang", 1)
    child = subprocess.Popen(
        [sys.executable, "-c", CHILD, timer_db, str(marker)], env=dict(os.environ)
    )
    try:
        _wait_for(marker.exists, child)
        fired: list[uuid.UUID] = []
        container.timers.register("test.hang", lambda _uow, t: fired.append(t.id))
        # While the first worker holds the timer, a second one skips it.
        assert timers.run_due(container.uow(), container.timers) == 0
        os.kill(child.pid, signal.SIGKILL)
        child.wait(timeout=10)
        _wait_for(lambda: timers.run_due(container.uow(), container.timers) == 1, None)
    finally:
        if child.poll() is None:
            child.kill()
    assert [str(timer_id) for timer_id in fired] == [marker.read_text()]
    assert _states(timer_db) == Counter({"done": 1})
    container.engine.dispose()


def _wait_for(condition: object, child: subprocess.Popen[bytes] | None) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        if child is not None and child.poll() is not None:
            pytest.fail(f"the worker exited with {child.returncode} before claiming the timer")
        time.sleep(0.1)
    pytest.fail("timed out")
