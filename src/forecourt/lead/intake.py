"""Group commit for captures arriving at once: one transaction for the leads that queued.

Every capture writes a dozen rows and commits, and on SQLite captures take turns at the one
writer, each paying for its own transaction's start and commit. When
captures arrive together (a live show's sign-ups), the thread that finds no batch being written
becomes the leader: it takes every capture waiting (up to `MAX_BATCH`), writes each in its own
savepoint (a lead that fails loses nothing else), commits once, and hands every waiting thread
its own result or error. Events go out after that one commit, as always. A capture that finds
nobody else waiting is written at once, alone.

Each waiting thread sleeps on its own event and is woken once: with its answer, or to lead the
next batch (the oldest capture still waiting leads it). Waking every waiting thread after each
batch, to let them find out which of them is done, made sixteen threads race for the
interpreter lock per batch, to have all but one go back to sleep.

On SQLite only. PostgreSQL runs captures side by side, and a batch's long transaction would hold
the row locks of the dealers' daily counters for the whole batch: captures of other processes
queued behind them, and two batches taking counters in a different order deadlocked.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.schemas import Captured

MAX_BATCH = 8
"""At most this many captures share a transaction: a bound on how long the last one waits."""


@dataclass
class _Waiting:
    """One capture in the queue, and what became of it."""

    actor: Principal
    data: IncomingLead
    idempotency_key: str | None
    done: bool = False
    result: Captured | None = None
    error: BaseException | None = None
    woken: threading.Event = field(default_factory=threading.Event)

    def outcome(self) -> Captured:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


class CaptureIntake:
    """Captures lead after lead from many request threads, committing together those that
    arrive together (see the module's docstring)."""

    def __init__(self, uow_factory: Callable[[Principal], UnitOfWork], *, batching: bool) -> None:
        self._uow_factory = uow_factory
        self._batching = batching
        self._lock = threading.Lock()
        self._waiting: list[_Waiting] = []
        self._leading = False

    def capture(
        self, actor: Principal, data: IncomingLead, idempotency_key: str | None = None
    ) -> Captured:
        """Capture one lead as `actor` (as `service.capture_lead` does), in the next batch."""
        if not self._batching:
            uow = self._uow_factory(actor)
            return service.capture_lead(uow, data=data, idempotency_key=idempotency_key)
        mine = _Waiting(actor, data, idempotency_key)
        with self._lock:
            self._waiting.append(mine)
            follow, self._leading = self._leading, True
        if follow:
            mine.woken.wait()
            if mine.done:
                return mine.outcome()
        # Leading: `mine` is the oldest capture waiting, so it is in the batch.
        self._lead()
        return mine.outcome()

    def _lead(self) -> None:
        """Write the next batch, answer its captures, and hand the lead on (or put it down)."""
        with self._lock:
            batch = self._waiting[:MAX_BATCH]
            del self._waiting[:MAX_BATCH]
        try:
            self._write(batch)
        finally:
            with self._lock:
                following = self._waiting[0] if self._waiting else None
                self._leading = following is not None
            for item in batch:
                item.woken.set()
            if following is not None:
                following.woken.set()

    def _write(self, batch: list[_Waiting]) -> None:
        try:
            uow = self._uow_factory(SYSTEM)
            with uow:
                for item in batch:
                    _capture_one(uow, item)
                uow.commit()
        except Exception as exc:  # the commit failed: nothing of the batch was kept
            for item in batch:
                item.result, item.error = None, item.error or exc
        finally:
            for item in batch:
                if item.result is None and item.error is None:  # interrupted before its turn
                    item.error = RuntimeError("the capture was interrupted; send it again")
                item.done = True


def _capture_one(uow: UnitOfWork, item: _Waiting) -> None:
    try:
        joined = uow.for_actor(item.actor)
        item.result = service.capture_joined(
            joined, data=item.data, idempotency_key=item.idempotency_key
        )
    except (
        Exception
    ) as exc:  # this lead's own failure (bad input, a conflict): its thread raises it
        item.error = exc
