"""Background WAL checkpoints for SQLite, so no request pays for one.

In WAL mode SQLite copies the log back into the database file (a checkpoint, with an fsync) once
the log passes 1,000 pages, inside whichever commit crossed the line: that commit then takes
tens of milliseconds instead of a fraction of one. Forecourt's connections turn the automatic
checkpoint off and one daemon thread per database file checkpoints every half second instead, in
PASSIVE mode, which never blocks readers or writers. If the process dies, nothing is lost: the
log is replayed and checkpointed by the next connection.

A PASSIVE checkpoint copies the log back but never starts it over: the log starts again from
its beginning only when a writer finds it copied back and nobody reading from it, and under a
steady stream of captures somebody always is. The log then grew by some 30 MB a second of
captures, and every commit paid for new blocks of a growing file. So once the log passes
`RESTART_BYTES` the thread checkpoints in RESTART mode: it waits for the readers of the log to
finish (they take milliseconds) and makes the next writer start the log over, reusing the file's
first `RESTART_BYTES` (`PRAGMA journal_size_limit`, set on every connection). It queues for the
writer lock first, as writers do (db/writer_lock.py), so writers wait for it in Python rather
than in SQLite's busy handler, and gives up after `RESTART_BUSY_MS` if readers keep it waiting
(trying again half a second later), so writers are never held up for longer.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

from forecourt.db import writer_lock

INTERVAL_S = 0.5
RESTART_BYTES = 64 * 1024 * 1024
RESTART_WAIT_S = 1.0
"""How long the thread waits for the writer lock before a RESTART; else it tries next time."""
RESTART_BUSY_MS = 100
"""How long a RESTART waits for the log's readers while writers wait for it: readers that
keep overlapping could hold it off for good, so it gives up and tries again next time."""

_started: set[Path] = set()
_lock = threading.Lock()


def ensure_checkpointer(database: str) -> None:
    """Start the checkpoint thread of this database file, once per process."""
    path = Path(database).resolve()
    with _lock:
        if path in _started:
            return
        _started.add(path)
    threading.Thread(
        target=_run, args=(path,), name=f"sqlite-checkpoint:{path.name}", daemon=True
    ).start()


def _run(path: Path) -> None:
    connection = sqlite3.connect(path, check_same_thread=False, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout={RESTART_BUSY_MS}")
    log = path.with_name(path.name + "-wal")
    while True:  # a daemon thread: it lives as long as the process
        time.sleep(INTERVAL_S)
        # A busy or missing file, a lock not had: try again later. Nothing may end this thread,
        # the only one that checkpoints this file in this process.
        with contextlib.suppress(Exception):
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
            if _size(log) > RESTART_BYTES:
                _restart(connection, path)


def _restart(connection: sqlite3.Connection, path: Path) -> None:
    lock = writer_lock.lock_for(str(path))
    if not lock.acquire(timeout=RESTART_WAIT_S):
        return
    try:
        connection.execute("PRAGMA wal_checkpoint(RESTART)").fetchall()
    finally:
        lock.release()


def _size(file: Path) -> int:
    try:
        return file.stat().st_size
    except FileNotFoundError:
        return 0
