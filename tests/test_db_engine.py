"""SQLite transactions: writers queue for the write lock, readers never wait for a writer."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from sqlalchemy import text

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


def test_a_second_engine_on_the_same_file_queues_on_the_same_lock(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'two.db'}"
    first, second = make_engine(url), make_engine(url)
    with first.begin() as setup:
        setup.execute(text("CREATE TABLE t (n INTEGER)"))
    holder = make_session_factory(first)()
    holder.execute(text("INSERT INTO t VALUES (1)"))  # holds the write lock
    done = threading.Event()

    def write_through_second() -> None:
        with make_session_factory(second)() as session:
            session.execute(text("INSERT INTO t VALUES (2)"))
            session.commit()
        done.set()

    waiter = threading.Thread(target=write_through_second)
    waiter.start()
    assert not done.wait(0.2)  # queued behind the first engine's transaction
    holder.commit()
    holder.close()
    waiter.join(timeout=5)
    assert done.is_set()
    first.dispose()
    second.dispose()
