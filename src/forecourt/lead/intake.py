"""Group commit for captures arriving at once: one transaction for the leads that queued.

Every capture writes a dozen rows and commits, and on SQLite captures take turns at the one
writer, each paying for its own transaction's start and commit. So on SQLite one writer thread
per process does every capture's work: a request hands its lead over and awaits the answer on
the event loop, without a thread of its own. The writer takes every capture waiting (up to
`MAX_BATCH`) and first works out, on a reader that waits for nobody, what each needs before it
writes (`service.prepare_capture`: the person normalised, a replay, the campaign, the person's
resolution). Only then does it queue for the write lock, write the captures, commit once, and
answer each request with its own result or error. A batch is first written as a whole; only
when something in it fails is it written again with each capture in its own savepoint, so that
a lead that fails loses nothing else. Events go out after that one commit, as always. A
capture that finds nobody else waiting is written at once, alone.

The lock is thus held for the writing, not for the reading and deciding before it. With a
capture writer process (`entrypoints.capture_writer`), the server prepares and the writer only
writes: the captures it receives come prepared. Either way a prepared capture's candidates are
read again as it is written only when they may have changed since (`WrittenKeys`).

Why a writer thread rather than a thread per request: Python runs one thread at a time, so
sixteen request threads waiting their turn at the interpreter lock added CPU to every capture
for work that one thread does alone (bench/capture_http.py measured the difference).

On SQLite only. PostgreSQL runs captures side by side, each on a thread of the pool, and a
batch's long transaction would hold the row locks of the dealers' daily counters for the whole
batch: captures of other processes queued behind them, and two batches taking counters in a
different order deadlocked.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from starlette.concurrency import run_in_threadpool

from forecourt.db.engine import others_commits
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import service
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.schemas import Captured


class Intake(Protocol):
    """What a request hands its lead to: this module's `CaptureIntake`, or one that sends it to
    a writer process (`entrypoints.capture_writer`)."""

    async def capture(
        self, actor: Principal, data: IncomingLead, idempotency_key: str | None = None
    ) -> Captured:
        """Capture one lead as `actor`, as `service.capture_lead` does."""
        ...

    def close(self) -> None:
        """Stop taking captures (those already handed over are written, or fail)."""
        ...


log = logging.getLogger(__name__)

MAX_BATCH = 8
"""At most this many captures share a transaction: a bound on how long the last one waits."""
LEDGER_BATCHES = 1024
"""How many batches back, at least, the writer remembers the keys it wrote under
(`WrittenKeys`; it forgets every so many batches, so up to twice as many): a capture prepared on
older data has its candidates read again."""


@dataclass
class Waiting:
    """One capture in the queue, what became of it, and where its request awaits the answer."""

    actor: Principal
    data: IncomingLead
    idempotency_key: str | None
    answer: asyncio.Future[Captured] | None = None
    result: Captured | None = None
    error: BaseException | None = None
    prepared: service.Prepared | None = None
    """Worked out by the sender already (another process, `entrypoints.capture_writer`)."""
    on_reply: Callable[[Waiting], None] | None = None
    """Called with the outcome, for a sender that awaits it on no event loop of this process."""

    @property
    def done(self) -> bool:
        """Whether the capture has its outcome: a result or an error."""
        return self.result is not None or self.error is not None

    def outcome(self) -> Captured:
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result

    def reply(self) -> None:
        """Hand the outcome over: to `on_reply`, and to the awaiting request on its own event
        loop."""
        if self.on_reply is not None:
            self.on_reply(self)
        if self.answer is None:
            return
        # A loop that has closed (the server stopping) has nobody left to answer.
        with contextlib.suppress(RuntimeError):
            self.answer.get_loop().call_soon_threadsafe(_settle, self.answer, self)


def _settle(answer: asyncio.Future[Captured], item: Waiting) -> None:
    if answer.done():  # the request was cancelled (its client went away): the lead stays
        return
    if item.error is not None:
        answer.set_exception(item.error)
    else:
        answer.set_result(item.outcome())


class WrittenKeys:
    """The blocking keys a capture writer has written identities under, batch by batch: what
    lets it keep a capture's candidates as they were read when it was prepared (`Prepared.plan`)
    instead of reading them again as it writes.

    Batches are numbered, and a capture prepared on a snapshot known to include every batch up
    to a number (`Prepared.snapshot`: a server process learns the numbers from the writer's
    answers) has current candidates when nothing was written under any of its keys in a later
    batch, and nobody else committed to the database in between. The writer learns of others'
    commits (a merge, an import, a review decided, another process) from SQLite's data version,
    read at the start of each of its transactions; after one, every capture prepared before is
    read again. A current capture keeps its decision too, even one that consulted open reviews:
    the writer's own captures open reviews only on the customers they create, which no capture
    prepared before them has among its candidates.
    Numbers start at the clock in nanoseconds, so a writer started again numbers after the one
    before it, whose numbers are thus older than anything it remembers."""

    def __init__(self) -> None:
        self.batch = time.time_ns()
        """The number of the batch being written, or of the last one."""
        self._fresh_from = self.batch + 1  # snapshots older than this are read again
        self._written: dict[str, int] = {}
        self._others: tuple[int, int] | None = None

    def next_batch(self) -> int:
        """Number a new batch; the one before it has ended (committed or not)."""
        self.batch += 1
        if self.batch % LEDGER_BATCHES == 0:
            oldest = self.batch - LEDGER_BATCHES
            self._written = {key: n for key, n in self._written.items() if n > oldest}
            self._fresh_from = max(self._fresh_from, oldest + 1)
        return self.batch

    def observe(self, others: tuple[int, int] | None) -> None:
        """At the start of a transaction of the batch: the database's mark of others' commits
        (`db.engine.others_commits`). A changed mark (or none) makes every capture prepared
        before this batch read its candidates again."""
        if others is None or others != self._others:
            self._fresh_from = self.batch
        self._others = others

    def current(self, keys: Iterable[str], snapshot: int | None) -> bool:
        """Whether a capture prepared on `snapshot` saw its candidates as they are now."""
        if snapshot is None or snapshot < self._fresh_from:
            return False
        written = self._written
        return all(written.get(key, 0) <= snapshot for key in keys)

    def wrote(self, keys: Iterable[str]) -> None:
        """Identities were written (or may have been) under `keys` in this batch."""
        for key in keys:
            self._written[key] = self.batch


_STOP = None  # put on the queue by `close`: the writer ends


class CaptureIntake:
    """Captures lead after lead for the requests of one process, committing together those that
    arrive together (see the module's docstring)."""

    def __init__(
        self,
        uow_factory: Callable[[Principal], UnitOfWork],
        *,
        batching: bool,
        reader_factory: Callable[[Principal], UnitOfWork] | None = None,
        after_replies: Callable[[], None] | None = None,
    ) -> None:
        self._uow_factory = uow_factory
        self._after_replies = after_replies
        self._reader_factory = reader_factory or uow_factory
        self._batching = batching
        self._queue: queue.SimpleQueue[Waiting | None] = queue.SimpleQueue()
        self.written = WrittenKeys()  # used by the writer thread only
        self._writer: threading.Thread | None = None
        self._lock = threading.Lock()
        self._closed = False

    async def capture(
        self, actor: Principal, data: IncomingLead, idempotency_key: str | None = None
    ) -> Captured:
        """Capture one lead as `actor` (as `service.capture_lead` does): on SQLite in the writer's
        next batch, on PostgreSQL at once on a thread of the pool."""
        if not self._batching:
            return await run_in_threadpool(self._alone, actor, data, idempotency_key)
        answer: asyncio.Future[Captured] = asyncio.get_running_loop().create_future()
        self._start_writer()
        self._queue.put(Waiting(actor, data, idempotency_key, answer))
        return await answer

    def submit(
        self,
        actor: Principal,
        data: IncomingLead,
        idempotency_key: str | None,
        *,
        prepared: service.Prepared,
        on_reply: Callable[[Waiting], None],
    ) -> None:
        """Queue a capture prepared elsewhere for the writer's next batch; `on_reply` gets its
        outcome, on the writer's thread (SQLite only). Once closed, at once: an error."""
        item = Waiting(actor, data, idempotency_key, prepared=prepared, on_reply=on_reply)
        if self._closed:
            item.error = RuntimeError("the capture writer is stopping; send it again")
            item.reply()
            return
        self._start_writer()
        self._queue.put(item)

    def close(self) -> None:
        """Let the writer finish the captures already queued, then end."""
        with self._lock:
            self._closed = True
            writer, self._writer = self._writer, None
        if writer is not None:
            self._queue.put(_STOP)
            writer.join()

    def _alone(self, actor: Principal, data: IncomingLead, idempotency_key: str | None) -> Captured:
        uow = self._uow_factory(actor)
        return service.capture_lead(uow, data=data, idempotency_key=idempotency_key)

    def _start_writer(self) -> None:
        with self._lock:
            if self._writer is None:
                self._writer = threading.Thread(
                    target=self._write_until_closed, name="capture-writer", daemon=True
                )
                self._writer.start()

    def _write_until_closed(self) -> None:
        """The writer: batch after batch of what is waiting, until `close`."""
        while (batch := self._next_batch()) is not None:
            try:
                self._write(batch)
            finally:
                self._reply(batch)

    def _reply(self, batch: list[Waiting]) -> None:
        """Answer every capture of a batch; a reply that fails costs no other its answer, and
        never the writer its thread."""
        for item in batch:
            try:
                item.reply()
            except Exception:
                log.exception("a capture's answer could not be handed over")
        if self._after_replies is not None:
            try:
                self._after_replies()  # e.g. send a batch's answers together
            except Exception:
                log.exception("a batch's answers could not be sent")

    def _next_batch(self) -> list[Waiting] | None:
        """The captures waiting (at least one: it waits for it), or None once closed."""
        first = self._queue.get()
        if first is _STOP:
            return None
        batch = [first]
        while len(batch) < MAX_BATCH:
            try:
                item = self._queue.get_nowait()
            except queue.Empty:
                break
            if item is _STOP:
                self._queue.put(_STOP)  # ends the writer after this batch
                break
            batch.append(item)
        return batch

    def _write(self, batch: list[Waiting]) -> None:
        todo: list[tuple[Waiting, service.Prepared]] = []
        try:
            todo = self._prepared(batch)
            self.written.next_batch()
            if not todo or self._written_at_once(todo):
                return
            uow = self._uow_factory(SYSTEM)
            with uow:
                self.written.observe(others_commits(uow.session.connection()))
                for item, prepared in todo:
                    self._capture_one(uow, item, prepared)
                uow.commit()
        except Exception as exc:  # no transaction, or the commit failed: nothing was kept
            # Replays answered while preparing keep their answers; the rest get the error.
            unwritten = [item for item, _ in todo] if todo else batch
            for item in unwritten:
                item.result, item.error = None, item.error or exc
        finally:
            for item in batch:
                if not item.done:  # interrupted before its turn
                    item.error = RuntimeError("the capture was interrupted; send it again")

    def _written_at_once(self, todo: list[tuple[Waiting, service.Prepared]]) -> bool:
        """Write the batch's captures in one transaction without a savepoint each, and say
        whether it committed. A savepoint costs two statements per capture, a good share of the
        writer's time, while a capture that fails is rare: on any failure nothing of this try
        is kept, and `_write` writes the batch again, each capture in its own savepoint."""
        uow = self._uow_factory(SYSTEM)
        try:
            with uow:
                self.written.observe(others_commits(uow.session.connection()))
                results = [
                    self._captured(uow, item, prepared, guarded=False) for item, prepared in todo
                ]
                uow.commit()
        except Exception:
            log.debug("a batch of captures failed as a whole; written again one by one")
            return False
        for (item, _), result in zip(todo, results, strict=True):
            item.result = result
        return True

    def _captured(
        self, uow: UnitOfWork, item: Waiting, prepared: service.Prepared, *, guarded: bool
    ) -> Captured:
        """Write one capture in the batch's transaction, its candidates as read when it was
        prepared if nothing was written under its keys since (`WrittenKeys`)."""
        keys = prepared.plan.keys
        try:
            return service.capture_joined(
                uow.for_actor(item.actor),
                data=item.data,
                idempotency_key=item.idempotency_key,
                prepared=prepared,
                guarded=guarded,
                plan_current=self.written.current(keys, prepared.snapshot),
            )
        finally:  # written, or perhaps partly before it failed
            self.written.wrote(keys)

    def _capture_one(self, uow: UnitOfWork, item: Waiting, prepared: service.Prepared) -> None:
        try:
            item.result = self._captured(uow, item, prepared, guarded=True)
        except Exception as exc:  # this lead's own failure (bad input, a conflict): its request's
            item.error = exc

    def _prepared(self, batch: list[Waiting]) -> list[tuple[Waiting, service.Prepared]]:
        """Prepare the batch's captures on one reader, before the write lock; a replay found is
        answered here, a capture whose preparing failed gets its error. What is left to write."""
        todo = [(item, item.prepared) for item in batch if item.prepared is not None]
        fresh = [item for item in batch if item.prepared is None]
        outcomes = prepare_together(
            self._reader_factory(SYSTEM),
            [(item.actor, item.data, item.idempotency_key) for item in fresh],
            snapshot=self.written.batch,  # every batch before this one has ended
        )
        for item, prepared in zip(fresh, outcomes, strict=True):
            if isinstance(prepared, BaseException):
                item.error = prepared
            elif prepared.earlier is not None:
                item.result = prepared.earlier
            else:
                todo.append((item, prepared))
        return todo


def prepare_together(
    reader: UnitOfWork,
    captures: Sequence[tuple[Principal, IncomingLead, str | None]],
    *,
    snapshot: int | None = None,
) -> list[service.Prepared | Exception]:
    """Prepare captures (actor, lead, idempotency key) on one reader, one snapshot for them all:
    a read transaction costs its start, and on SQLite re-reading the pages other processes
    changed since the last one. `snapshot`: the last batch of the writer known to have ended
    before this reading starts (`WrittenKeys`). Each capture's preparation, or the error it
    alone met."""
    outcomes: list[service.Prepared | Exception] = []
    with reader:
        for actor, data, key in captures:
            try:
                joined = reader.for_actor(actor)
                prepared = service.prepare_capture(
                    joined, data=data, idempotency_key=key, snapshot=snapshot
                )
                outcomes.append(prepared)
            except Exception as exc:  # this lead's own failure: the others go on
                outcomes.append(exc)
    return outcomes
