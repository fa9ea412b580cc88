"""SQLite transactions: writers of one process and of several queue for the write lock, readers
never wait for a writer."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import IntegrityError

from forecourt.db import checkpoint, writer_lock
from forecourt.db.bulk import indexes_built_after, loading_connection
from forecourt.db.engine import make_engine, make_session_factory


def test_a_reader_reads_while_a_writer_holds_the_lock(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'locks.db'}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
        setup.execute(text("INSERT INTO t VALUES (1)"))
    writer = make_session_factory(engine)()
    reader = make_session_factory(engine, read_only=True)()
    try:
        writer.execute(text("INSERT INTO t VALUES (2)"))  # BEGIN IMMEDIATE: the lock is held
        # A deferred read sees the last committed state at once instead of queueing.
        assert reader.execute(text("SELECT count(*) FROM t")).scalar_one() == 1
        writer.commit()
    finally:
        reader.close()
        writer.close()
        engine.dispose()


def test_writers_of_one_process_take_turns_and_every_write_lands(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'turns.db'}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
    sessions = make_session_factory(engine)
    inside, overlaps = [0], []
    guard = threading.Lock()

    def write(n: int) -> None:
        with sessions() as session:
            session.execute(text("INSERT INTO t VALUES (:n)"), {"n": n})
            with guard:
                inside[0] += 1
                overlaps.append(inside[0])
            time.sleep(0.002)  # hold the transaction open a little
            with guard:
                inside[0] -= 1
            if n % 5 == 0:
                session.rollback()  # a rolled-back writer hands the lock on too
            else:
                session.commit()

    with ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(write, range(60)))
    with engine.connect() as connection:
        stored = connection.execute(text("SELECT count(*) FROM t")).scalar_one()
    engine.dispose()
    assert stored == 48  # every commit landed, no rollback did
    assert max(overlaps) == 1  # never two write transactions at once


def _write_in_background(engine: Engine) -> tuple[threading.Thread, threading.Event]:
    """A thread inserting 2 into t through `engine`, and the event it sets once committed."""
    done = threading.Event()

    def write() -> None:
        with make_session_factory(engine)() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            session.commit()
        done.set()

    waiter = threading.Thread(target=write)
    waiter.start()
    return waiter, done


def test_a_second_engine_on_the_same_file_queues_on_the_same_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
    holder = make_session_factory(first)()
    holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
    waiter, done = _write_in_background(second)
    assert not done.wait(0.2)  # queued behind the first engine's transaction
    holder.commit()
    holder.close()
    waiter.join(timeout=5)
    assert done.is_set()
    first.dispose()
    second.dispose()


# A writer in another process: holds the write lock until its stdin closes, then commits.
_OTHER_PROCESS = """
import sys
from sqlalchemy import Engine, text
from forecourt.db.engine import make_engine, make_session_factory
session = make_session_factory(make_engine(sys.argv[1]))()
session.execute(text("INSERT INTO t VALUES (1)"))
print("holding", flush=True)
sys.stdin.read()
session.commit()
"""


def test_writers_of_two_processes_queue_on_the_file_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'processes.db'}"
    engine = make_engine(url)
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
    other = subprocess.Popen(
        [sys.executable, "-c", _OTHER_PROCESS, url],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert other.stdout is not None
    assert other.stdin is not None
    assert other.stdout.readline().strip() == "holding"
    lock = writer_lock.lock_for(str(tmp_path / "processes.db"))
    assert not lock.acquire(timeout=0.2)  # the other process writes: this one waits its turn
    waiter, done = _write_in_background(engine)
    assert not done.wait(0.2)
    other.stdin.close()  # the other process commits and lets go
    assert other.wait(timeout=10) == 0
    waiter.join(timeout=5)
    assert done.is_set()
    with engine.connect() as conn:
        assert sorted(conn.execute(text("SELECT n FROM t")).scalars()) == [1, 2]
    engine.dispose()


def test_a_loading_connection_skips_foreign_key_checks_in_its_own_transaction_only(
    tmp_path: Path,
) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'load.db'}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE parent (id INTEGER PRIMARY KEY)"))
        setup.execute(text("CREATE TABLE child (parent_id INTEGER REFERENCES parent (id))"))
    session = make_session_factory(engine)()
    try:
        loading = loading_connection(session)
        driver = loading.connection.dbapi_connection
        loading.execute(text("INSERT INTO child VALUES (7)"))  # parent 7 is not checked
        with pytest.raises(RuntimeError, match="its own transaction"):
            loading_connection(session)
        session.rollback()

        # The next transaction on the same driver connection checks references again.
        assert session.connection().connection.dbapi_connection is driver
        with pytest.raises(IntegrityError):
            session.execute(text("INSERT INTO child VALUES (7)"))
    finally:
        session.close()
        engine.dispose()


def _indexes(conn: Any) -> list[tuple[str, str]]:
    found = conn.exec_driver_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND sql IS NOT NULL"
    )
    return sorted((str(name), str(sql)) for name, sql in found)


def test_secondary_indexes_are_built_after_a_load_into_a_smaller_table(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'indexes.db'}")
    with engine.begin() as setup:
        setup.execute(text('CREATE TABLE "t" (id INTEGER PRIMARY KEY, k TEXT UNIQUE, v TEXT)'))
        setup.execute(text('CREATE INDEX "ix t v" ON "t" (v)'))
        setup.execute(text("INSERT INTO t (k, v) VALUES ('a', 'x')"))
        before = _indexes(setup)
    with engine.begin() as conn:
        with indexes_built_after(conn, ["t"], rows=3):
            assert _indexes(conn) == []  # dropped while the rows go in
            conn.execute(text("INSERT INTO t (k, v) VALUES ('b', 'y'), ('c', 'y')"))
            nested = conn.begin_nested()
            with pytest.raises(IntegrityError):  # the unique constraint still holds
                conn.execute(text("INSERT INTO t (k, v) VALUES ('a', 'z')"))
            nested.rollback()
        assert _indexes(conn) == before
        plan = conn.exec_driver_sql("EXPLAIN QUERY PLAN SELECT k FROM t WHERE v = 'y'").all()
        assert "ix t v" in str(plan)
    # Holding 3 rows already, the table keeps its indexes.
    with engine.begin() as conn, indexes_built_after(conn, ["t"], rows=3):
        assert _indexes(conn) == before
    engine.dispose()


def test_a_failed_load_keeps_the_indexes_it_had_dropped(tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'indexes.db'}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)"))
        setup.execute(text("CREATE INDEX ix_t_v ON t (v)"))
        before = _indexes(setup)

    def interrupted_load() -> None:
        with engine.begin() as conn, indexes_built_after(conn, ["t"], rows=10):
            conn.execute(text("INSERT INTO t (v) VALUES ('x')"))
            raise RuntimeError("interrupted")

    with pytest.raises(RuntimeError, match="interrupted"):
        interrupted_load()
    with engine.connect() as conn:
        assert _indexes(conn) == before
        assert conn.execute(text("SELECT count(*) FROM t")).scalar() == 0
    engine.dispose()


def test_the_log_starts_over_under_steady_reads_and_writes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A PASSIVE checkpoint alone never starts the log over while somebody is always reading:
    # here 20 MB are written past readers that never stop, and the log must stay near the bound.
    monkeypatch.setattr(checkpoint, "INTERVAL_S", 0.02)
    monkeypatch.setattr(checkpoint, "RESTART_BYTES", 512 * 1024)
    database = tmp_path / "steady.db"
    engine = make_engine(f"sqlite:///{database}")
    with engine.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER, body BLOB)"))
    reading, stop = make_session_factory(engine, read_only=True), threading.Event()

    def read_forever() -> None:
        while not stop.is_set():
            with reading() as session:
                session.execute(text("SELECT count(*) FROM t")).scalar_one()
                time.sleep(0.02)  # a snapshot held open, as a request's is: they overlap

    readers = [threading.Thread(target=read_forever) for _ in range(4)]
    for reader in readers:
        reader.start()
        time.sleep(0.005)
    largest = 0
    try:
        for batch in range(100):
            with engine.begin() as connection:
                rows = [{"n": batch, "body": bytes(4000)} for _ in range(50)]
                connection.execute(text("INSERT INTO t VALUES (:n, :body)"), rows)
            largest = max(largest, (tmp_path / "steady.db-wal").stat().st_size)
            time.sleep(0.005)
    finally:
        stop.set()
        for reader in readers:
            reader.join()
        engine.dispose()
    assert largest < 8 * 1024 * 1024  # against the 20 MB written
