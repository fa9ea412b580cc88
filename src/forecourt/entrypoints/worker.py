"""The worker: fires due timers (response clocks, retries) and runs the periodic jobs, in a loop.

Each timer fires in a transaction of its own (`kernel.timers.run_due`); on PostgreSQL several
workers share the queue (`FOR UPDATE SKIP LOCKED`), and a worker that dies mid-timer leaves it
pending for the next. SIGTERM or SIGINT stops the loop after the timer in hand, never inside it.
When a pass finds nothing to do, the worker sleeps `idle_s` (woken at once by a stop).

Periodic jobs are plain callables `(Container) -> int` returning how much they did; add one to
`PERIODIC_JOBS` (or pass `jobs=`) and every pass runs it after the timers.
"""

from __future__ import annotations

import logging
import signal
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from types import FrameType

from forecourt.bootstrap import Container, relay_outbox
from forecourt.kernel import timers
from forecourt.lead import assignment

log = logging.getLogger(__name__)

PeriodicJob = Callable[[Container], int]


def route_stored_leads(container: Container) -> int:
    """Route leads stored without routing (bulk imports store them as "new")."""
    return assignment.route_pending(container.uow(), limit=500)


# E-mails and partner webhooks start from the outbox: every worker pass relays it; leads a bulk
# import stored unrouted are routed a batch per pass.
PERIODIC_JOBS: list[PeriodicJob] = [relay_outbox, route_stored_leads]
"""Jobs every pass runs after the timers (outbox relays, deliveries); features add theirs."""


@dataclass
class Worker:
    """One worker process's loop over the timers and the periodic jobs."""

    container: Container
    jobs: Sequence[PeriodicJob] = field(default_factory=lambda: list(PERIODIC_JOBS))
    batch: int = 20
    idle_s: float = 1.0
    stop: threading.Event = field(default_factory=threading.Event)

    def run_once(self) -> int:
        """One pass: a batch of due timers, then each periodic job; how much was done."""
        done = self._fire_timers()
        for job in self.jobs:
            if self.stop.is_set():
                break
            done += self._run_job(job)
        return done

    def _fire_timers(self) -> int:
        # One at a time, so that a stop is honoured after the timer in hand, not after a batch.
        uow, fired = self.container.uow(), 0
        while fired < self.batch and not self.stop.is_set():
            if timers.run_due(uow, self.container.timers, limit=1) == 0:
                break
            fired += 1
        return fired

    def _run_job(self, job: PeriodicJob) -> int:
        try:
            return job(self.container)
        except Exception:  # one failing job must not stop the timers or the other jobs
            log.exception("periodic job %s failed", getattr(job, "__name__", job))
            return 0

    def run(self) -> int:
        """Loop until stopped; sleep `idle_s` after a pass with nothing to do. Total done."""
        total = 0
        while not self.stop.is_set():
            done = self.run_once()
            total += done
            if done == 0:
                self.stop.wait(self.idle_s)
        return total

    def drain(self) -> int:
        """Pass after pass until nothing is due (for cron and tests); total done."""
        total = 0
        while not self.stop.is_set() and (done := self.run_once()) > 0:
            total += done
        return total


@contextmanager
def stopping_on_signals(worker: Worker) -> Iterator[None]:
    """SIGTERM and SIGINT ask the worker to stop after the timer in hand."""

    def _stop(signum: int, _frame: FrameType | None) -> None:
        log.info("signal %s: stopping after the current timer", signum)
        worker.stop.set()

    previous = {sig: signal.signal(sig, _stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        yield
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
