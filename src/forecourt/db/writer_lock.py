"""One writer at a time per SQLite file, queued in Python rather than in SQLite's busy handler.

SQLite lets one connection write at a time. A connection that finds the lock taken sleeps in
SQLite's busy handler and polls, with sleeps that grow to 100 ms: under concurrent captures
much of the time went to those sleeps, and an unlucky request waited through many of them.
Writers therefore queue before they BEGIN IMMEDIATE: the threads of a process on a
`threading.Lock` per database file, and the processes serving one file (several server
workers) on an advisory lock (`flock`) on a file beside it, `<database>-writer`, polled every
fraction of a millisecond. Both pass to the next writer the moment the transaction's COMMIT or
ROLLBACK has returned (not before: the next writer would meet SQLite's lock still held). The
operating system drops a dead process's `flock`, so a crashed worker blocks nobody. Connections
that bypass this (a migration, the sqlite3 shell) still meet SQLite's own lock and its busy
timeout.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time
from pathlib import Path

from sqlalchemy.exc import OperationalError

WAIT_S = 5.0
"""As long as SQLite's busy_timeout: a thread waits no longer for a writer of its own process."""

FIRST_PAUSE_S = 0.0002
LONGEST_PAUSE_S = 0.002
"""Between two tries for another process's writer lock: a capture writes in a few ms."""


class WriterLock:
    """The writer lock of one database file: a thread lock for this process's threads, then
    the file lock that the processes on that database share."""

    def __init__(self, database: Path) -> None:
        self._threads = threading.Lock()
        self._path = database.with_name(database.name + "-writer")
        self._fd: int | None = None
        self._pid = 0

    def acquire(self, timeout: float) -> bool:
        """Wait up to `timeout` seconds to be the one writer; False if that did not happen."""
        deadline = time.monotonic() + timeout
        if not self._threads.acquire(timeout=timeout):
            return False
        try:
            if self._lock_file(deadline):
                return True
        except BaseException:
            self._threads.release()
            raise
        self._threads.release()
        return False

    def release(self) -> None:
        """Let the next writer in: this process's next thread, or another process."""
        if self._fd is not None:
            fcntl.flock(self._fd, fcntl.LOCK_UN)
        self._threads.release()

    def _lock_file(self, deadline: float) -> bool:
        fd, pause = self._file(), FIRST_PAUSE_S
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, LONGEST_PAUSE_S)

    def _file(self) -> int:
        # Opened per process: a forked child shares its parent's open file, and with it the
        # parent's lock, so it opens its own.
        if self._fd is None or self._pid != os.getpid():
            self._fd = os.open(self._path, os.O_RDWR | os.O_CREAT, 0o644)
            self._pid = os.getpid()
        return self._fd


_locks: dict[Path, WriterLock] = {}
_guard = threading.Lock()


def lock_for(database: str) -> WriterLock:
    """The writer lock of a database file, shared by every engine of this process on it."""
    path = Path(database).resolve()
    with _guard:
        if path not in _locks:
            _locks[path] = WriterLock(path)
        return _locks[path]


class LockingConnection(sqlite3.Connection):
    """A sqlite3 connection that hands its process's writer lock on when its write transaction
    has ended: after COMMIT or ROLLBACK returned, or when it is closed."""

    held: WriterLock | None = None

    def take(self, lock: WriterLock) -> None:
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
