"""One writer at a time per SQLite file within a process, queued in Python.

SQLite lets one connection write at a time. A connection that finds the lock taken sleeps in
SQLite's busy handler and polls, with sleeps that grow to 100 ms: under concurrent captures from
a server's thread pool most of the time went to those sleeps, and the unlucky request waited a
second or more. Threads of one process therefore queue on a `threading.Lock` per database file
before they BEGIN IMMEDIATE, and the lock passes to the next thread the moment a transaction
commits or rolls back. Other processes on the same file still meet SQLite's own lock and its
busy timeout.
"""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

from sqlalchemy.exc import OperationalError

WAIT_S = 5.0
"""As long as SQLite's busy_timeout: a thread waits no longer for a writer of its own process."""

_HOLDS = "forecourt_writer_lock"
_locks: dict[Path, threading.Lock] = {}
_guard = threading.Lock()


def lock_for(database: str) -> threading.Lock:
    """The writer lock of a database file, shared by every engine of this process on it."""
    path = Path(database).resolve()
    with _guard:
        return _locks.setdefault(path, threading.Lock())


def acquire(lock: threading.Lock, connection: Any) -> None:
    """Queue for the write lock before the connection begins writing; remember it is held."""
    if not lock.acquire(timeout=WAIT_S):
        raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
    connection.info[_HOLDS] = lock


def release(connection: Any) -> None:
    """Hand the write lock on when the connection's transaction ends (commit or rollback)."""
    lock: threading.Lock | None = connection.info.pop(_HOLDS, None)
    if lock is not None:
        lock.release()
