"""`forecourt demo`: the server, a timer worker and the lead simulator in one process.

The simulator sends leads over HTTP to the server it runs beside, so the root page and the API
show capture, identity resolution, routing and the response clocks at work; the worker fires the
response clocks' warnings and breaches (one worker: the embedded database has one writer).
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request

from rich.console import Console

from forecourt.bootstrap import Container
from forecourt.entrypoints import simulator
from forecourt.entrypoints.worker import Worker


def start_worker(container: Container) -> Worker:
    """A timer worker on a daemon thread; stop it with `worker.stop.set()`."""
    loop = Worker(container, batch=20, idle_s=1.0)
    threading.Thread(target=loop.run, name="forecourt-worker", daemon=True).start()
    return loop


def start_simulator(
    container: Container, *, base_url: str, rate: float, console: Console
) -> threading.Event:
    """Send simulated leads to the server at `base_url` once it answers; set the event to stop."""
    stop = threading.Event()

    def send() -> None:
        if not wait_until_up(base_url, stop=stop):
            return
        token = simulator.simulator_token(container)
        simulator.run(url=base_url, token=token, rate=rate, count=None, console=console, stop=stop)

    threading.Thread(target=send, name="forecourt-simulator", daemon=True).start()
    return stop


def wait_until_up(
    base_url: str, *, stop: threading.Event | None = None, timeout_s: float = 60.0
) -> bool:
    """Wait until a Forecourt at `base_url` answers its health check; False on timeout or stop."""
    stop = stop or threading.Event()
    deadline = time.monotonic() + timeout_s
    while not stop.is_set() and time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base_url}/api/v1/health", timeout=2):
                return True
        except (urllib.error.URLError, OSError):
            stop.wait(0.5)
    return False
