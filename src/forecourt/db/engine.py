"""Engine and session factories for SQLite (embedded default) and PostgreSQL."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session, sessionmaker

from forecourt.db import checkpoint, writer_lock
from forecourt.db.checkpoint import ensure_checkpointer

SQLITE_BEGIN = "forecourt_sqlite_begin"
#: Execution option: False turns SQLite's foreign-key checks off for the transactions that
#: connection begins (`db.bulk.loading_connection`); every other transaction has them on.
SQLITE_FOREIGN_KEYS = "forecourt_sqlite_foreign_keys"


def make_engine(url: str, *, echo: bool = False) -> Engine:
    """Build an engine; SQLite gets WAL, foreign keys and real transactions, PostgreSQL psycopg 3."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, echo=echo)
    if parsed.drivername == "postgresql":
        url = str(parsed.set(drivername="postgresql+psycopg"))
    return create_engine(url, echo=echo, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_engine(url: str, *, echo: bool) -> Engine:
    database = make_url(url).database
    on_file = bool(database) and database != ":memory:"
    if on_file:
        Path(str(database)).parent.mkdir(parents=True, exist_ok=True)
    connect_args: dict[str, Any] = {"check_same_thread": False}
    if on_file:
        connect_args["factory"] = writer_lock.LockingConnection
    engine = create_engine(url, echo=echo, connect_args=connect_args)
    event.listen(engine, "connect", _sqlite_on_connect)
    lock = writer_lock.lock_for(str(database)) if on_file else None
    event.listen(engine, "begin", lambda connection: _sqlite_on_begin(connection, lock))
    if on_file:
        ensure_checkpointer(str(database))
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Hand transaction control to SQLAlchemy so SAVEPOINTs (and rolled-back tests) work.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # Capture reads a few hundred scattered index and table pages per lead: keep the hot part of
    # a large database in memory (64 MiB page cache per connection, reads through a map of up to
    # 2 GiB, the most SQLite allows by default: a 1,000,000-customer file is 1.4 GB).
    cursor.execute("PRAGMA cache_size=-65536")
    cursor.execute("PRAGMA mmap_size=2147418112")
    # Checkpoints run on a background thread (db/checkpoint.py), not inside a request's commit.
    cursor.execute("PRAGMA wal_autocheckpoint=0")
    # When the log starts over, its file is cut back to this size, and the blocks kept reused.
    cursor.execute(f"PRAGMA journal_size_limit={checkpoint.RESTART_BYTES}")
    cursor.close()


def _sqlite_on_begin(connection: Any, lock: writer_lock.WriterLock | None = None) -> None:
    # IMMEDIATE takes the write lock at the start, waiting up to busy_timeout for it. A deferred
    # transaction that reads first and writes later cannot wait: when another connection
    # committed in between, SQLite refuses the upgrade at once ("database is locked"), so
    # concurrent captures would fail instead of queueing. Work that only reads (authentication,
    # pages, feeds) asks for DEFERRED through `make_session_factory(read_only=True)`: in WAL
    # mode it then never waits for a writer.
    # Writers of this process queue on a Python lock first (db/writer_lock.py).
    # BEGIN goes straight to the driver: every write transaction runs it, and through
    # `exec_driver_sql` SQLAlchemy's statement machinery cost several times SQLite's work.
    # A driver error is raised as SQLAlchemy's wrapper of it, as that path did.
    options = connection.get_execution_options()
    mode = options.get(SQLITE_BEGIN, "IMMEDIATE")
    dbapi_connection = connection.connection.dbapi_connection
    _foreign_keys(connection, dbapi_connection, enforce=options.get(SQLITE_FOREIGN_KEYS, True))
    locking = isinstance(dbapi_connection, writer_lock.LockingConnection) and lock is not None
    if locking and mode == "IMMEDIATE":
        dbapi_connection.take(lock)
    statement = f"BEGIN {mode}"
    try:
        dbapi_connection.execute(statement)
    except BaseException as error:
        if locking:
            dbapi_connection.hand_on()
        if isinstance(error, sqlite3.Error):
            raise DBAPIError.instance(statement, None, error, sqlite3.Error) from error
        raise


def _foreign_keys(connection: Any, dbapi_connection: Any, *, enforce: bool) -> None:
    # SQLite ignores PRAGMA foreign_keys inside a transaction, so it is set here, before BEGIN,
    # and only when the last transaction on this driver connection wanted the other setting
    # (the pool's per-connection `info` remembers it across checkouts).
    info = connection.connection.info
    if info.get("foreign_keys", True) != enforce:
        dbapi_connection.execute(f"PRAGMA foreign_keys={'ON' if enforce else 'OFF'}")
        info["foreign_keys"] = enforce


def make_session_factory(engine: Engine, *, read_only: bool = False) -> sessionmaker[Session]:
    """Sessions that keep loaded objects usable after commit (results are read after commit);
    `read_only` ones do not take SQLite's write lock (no effect on PostgreSQL)."""
    bind = engine.execution_options(**{SQLITE_BEGIN: "DEFERRED"}) if read_only else engine
    return sessionmaker(bind=bind, expire_on_commit=False)


def others_commits(connection: Connection) -> tuple[int, int] | None:
    """On SQLite, a mark that changes whenever another connection has committed to the database
    since it was last read on this one (`PRAGMA data_version`), with the driver connection it
    belongs to (each connection counts for itself): equal marks read on the writer's
    connection mean nobody else wrote in between. None on other databases."""
    if connection.dialect.name != "sqlite":
        return None
    driver = connection.connection.dbapi_connection
    assert driver is not None  # a connection in use has its driver connection
    version = driver.execute("PRAGMA data_version").fetchone()[0]
    return id(driver), int(version)
