"""SQLite transactions: writers queue for the write lock, readers never wait for a writer."""

from __future__ import annotations

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
