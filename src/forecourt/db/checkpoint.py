"""Background WAL checkpoints for SQLite, so no request pays for one.

In WAL mode SQLite copies the log back into the database file (a checkpoint, with an fsync) once
the log passes 1,000 pages, inside whichever commit crossed the line: that commit then takes
tens of milliseconds instead of a fraction of one. Forecourt's connections turn the automatic
checkpoint off and one daemon thread per database file checkpoints every half second instead, in
PASSIVE mode, which never blocks readers or writers. If the process dies, nothing is lost: the
log is replayed and checkpointed by the next connection.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time
from pathlib import Path

INTERVAL_S = 0.5

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
    while True:  # a daemon thread: it lives as long as the process
        time.sleep(INTERVAL_S)
        with contextlib.suppress(sqlite3.Error):  # a busy or missing file: try again later
            connection.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
