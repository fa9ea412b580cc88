"""One writer at a time per SQLite file within a process, queued in Python.

SQLite lets one connection write at a time. A connection that finds the lock taken sleeps in
SQLite's busy handler and polls, with sleeps that grow to 100 ms: under concurrent captures from
a server's thread pool much of the time went to those sleeps, and an unlucky request waited
through many of them. Threads of one process therefore queue on a `threading.Lock` per database file
before they BEGIN IMMEDIATE, and the lock passes to the next thread the moment the transaction's
COMMIT or ROLLBACK has returned (not before: the next writer would meet SQLite's lock still
held). Other processes on the same file still meet SQLite's own lock and its busy timeout.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

from sqlalchemy.exc import OperationalError

WAIT_S = 5.0
"""As long as SQLite's busy_timeout: a thread waits no longer for a writer of its own process."""

_locks: dict[Path, threading.Lock] = {}
_guard = threading.Lock()


def lock_for(database: str) -> threading.Lock:
    """The writer lock of a database file, shared by every engine of this process on it."""
    path = Path(database).resolve()
    with _guard:
        return _locks.setdefault(path, threading.Lock())


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that hands its process's writer lock on when its write transaction
    has ended: after COMMIT or ROLLBACK returned, or when it is closed."""

    held: threading.Lock | None = None

    def take(self, lock: threading.Lock) -> None:
        """Queue for the write lock before this connection begins writing."""
        if not lock.acquire(timeout=WAIT_S):
            raise OperationalError("BEGIN IMMEDIATE", {}, Exception("database is locked"))
        self.held = lock

    def hand_on(self) -> None:
        """Let the next writer of this process in."""
        lock, self.held = self.held, None
        if lock is not None:
            lock.release()

    def commit(self) -> None:
        super().commit()  # a failed COMMIT leaves the transaction open: the lock stays held
        self.hand_on()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self.hand_on()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.hand_on()
