"""The capture writer: one process that writes every lead captured on a SQLite database, fed by
the server's processes over a local socket.

On SQLite captures write one at a time. Inside a server process the writing thread shares the
interpreter with the requests, so while it holds the write lock the requests' work takes turns
with it, and the lock is held longer than the writing needs. `forecourt serve` therefore starts
one writer process beside the server. A server process prepares each capture itself
(`lead.service.prepare_capture`: normalising, the replay check, the campaign, the person's
resolution, all of them reads) and sends it here; the writer writes the captures that arrive
together in one transaction (`lead.intake`) and sends each its answer. A capture prepared on
data that changed since is decided again as it is written: the writer knows which blocking keys
it wrote under in which batch, and each answer names its batch, so the server process tells it
which batches the data it prepared on includes (`lead.intake.WrittenKeys`); a capture whose
keys were written under since, or prepared before anyone else committed, reads its candidates
again.

On the wire, over a Unix socket that only its owner may open: frames of a 4-byte length and a
pickle of a list, of (request id, actor, lead, idempotency key, prepared) one way and of
(request id, result as its JSON, error, the number of the writer's batch that ended with it)
the other. The captures a server process prepared together go in one frame, and the answers a
batch owes one server process in one: pickled together, what they share (the caller, the
classes) is written and read once. A server process that cannot reach the writer captures in
process instead
(`lead.intake` on its own thread). If the writer goes away with captures in flight, or does
not answer within `ANSWER_WAIT_S`, they fail: one may have been written all the same, so sending
it again is safe for a lead with a source id or an Idempotency-Key, which then gets the first
capture back, and may store a second lead for one with neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import logging
import os
import pickle
import select
import socket
import struct
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, BinaryIO

from forecourt.bootstrap import Container
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.intake import CaptureIntake, Waiting, WrittenKeys, prepare_together
from forecourt.lead.schemas import Captured

log = logging.getLogger(__name__)

HEADER = struct.Struct(">I")
ACCEPT_POLL_S = 0.5
"""How often the writer looks whether it was told to stop while nobody connects."""
SEND_WAIT_S = 1.0
"""How long the writer waits for a server process to take its answers (module docstring)."""
ANSWER_WAIT_S = 60.0
"""How long a request waits for the writer's answer before it fails rather than hang."""


# -- the writer process ------------------------------------------------------------------------


def run_writer(container: Container, address: str, *, stop: threading.Event) -> None:
    """Serve captures on the socket `address` until `stop` is set, then write what was queued."""
    replies = _Replies()
    intake = CaptureIntake(
        container.uow,
        batching=True,
        reader_factory=container.reader,
        after_replies=replies.send,
    )
    replies.written = intake.written
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)  # left by a writer that died
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        # Bound and listening under another name first: a server process that finds the
        # address can connect at once (`wait_until_listening` waits for the name).
        server.bind(address + ".new")
        os.chmod(address + ".new", 0o600)  # the frames are pickles: only our own may send them
        server.listen()
        os.rename(address + ".new", address)
        server.settimeout(ACCEPT_POLL_S)
        while not stop.is_set():
            with contextlib.suppress(TimeoutError):
                connection, _ = server.accept()
                connection.settimeout(None)
                threading.Thread(
                    target=_serve_connection, args=(connection, intake, replies), daemon=True
                ).start()
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            os.unlink(address)
        intake.close()


class _Replies:
    """The answers of a batch, gathered per connection and sent together once the batch is
    written: a system call per connection and batch rather than per lead."""

    def __init__(self) -> None:
        # Filled and sent by the intake's one writer thread only.
        self._waiting: dict[socket.socket, list[tuple[Any, ...]]] = {}
        self.written: WrittenKeys | None = None
        """The intake's batches: each answer says which batch it ended, so that the server
        process can tell the captures it prepares afterwards which data they read."""

    def answer(self, connection: socket.socket, request_id: int) -> Callable[[Waiting], None]:
        """The reply callback of one capture received on `connection`."""

        def on_reply(item: Waiting) -> None:
            batch = self.written.batch if self.written else None
            # The result goes as its JSON: pydantic writes and reads it several times faster
            # than pickle does the model.
            result = None if item.result is None else item.result.model_dump_json()
            reply = (request_id, result, _portable(item.error), batch)
            self._waiting.setdefault(connection, []).append(reply)

        return on_reply

    def send(self) -> None:
        """Send what each connection is owed (the intake's writer calls this after a batch)."""
        waiting, self._waiting = self._waiting, {}
        for connection, replies in waiting.items():
            _send_or_drop(connection, _frame(replies))


def _send_or_drop(connection: socket.socket, data: bytes) -> None:
    """Send without blocking the writer for long: a server process that reads nothing for
    `SEND_WAIT_S` loses its connection (its captures in flight fail there, and it connects
    again), rather than hold up the captures of every other one."""
    deadline = time.monotonic() + SEND_WAIT_S
    view = memoryview(data)
    try:
        while view:
            try:
                view = view[connection.send(view, socket.MSG_DONTWAIT) :]
            except BlockingIOError:
                left = deadline - time.monotonic()
                if left <= 0 or not select.select([], [connection], [], left)[1]:
                    connection.shutdown(socket.SHUT_RDWR)
                    return
    except OSError:  # the server process went away
        return


def _serve_connection(connection: socket.socket, intake: CaptureIntake, replies: _Replies) -> None:
    """Queue every capture a server process sends; it is answered once its batch is written."""
    with connection, connection.makefile("rb") as incoming:
        try:
            while (body := _receive(incoming)) is not None:
                for request_id, actor, data, key, prepared in pickle.loads(body):  # our server's
                    answer = replies.answer(connection, request_id)
                    intake.submit(actor, data, key, prepared=prepared, on_reply=answer)
        except Exception:
            # A frame that cannot be read: closing the connection fails the server process's
            # captures in flight at once, where waiting would leave their requests hanging.
            log.exception("capture writer: dropping a connection that sent a broken frame")


def _receive(incoming: BinaryIO) -> bytes | None:
    """One frame's body, or None when the other side closed the connection. Read through a
    buffer: frames sent one after the other arrive with one system call."""
    head = incoming.read(HEADER.size)
    if len(head) < HEADER.size:
        return None
    size = HEADER.unpack(head)[0]
    body = incoming.read(size)
    return body if len(body) == size else None


def _frame(payload: Any) -> bytes:
    body = pickle.dumps(payload, protocol=pickle.HIGHEST_PROTOCOL)
    return HEADER.pack(len(body)) + body


def _portable(error: BaseException | None) -> BaseException | None:
    """The error as the server process can receive it: a domain error as it is, anything that
    does not survive pickling as a RuntimeError with its text."""
    if error is None:
        return None
    try:
        pickle.loads(pickle.dumps(error))
    except Exception:  # whatever it was, its text still goes back
        return RuntimeError(f"{type(error).__name__}: {error}")
    return error


# -- in a server process -----------------------------------------------------------------------


class RemoteIntake:
    """Captures for the requests of a server process: prepared here, written by the writer
    process at `address` (module docstring); in process by `local` while the writer cannot be
    reached."""

    def __init__(
        self,
        address: str,
        *,
        reader_factory: Callable[[Principal], UnitOfWork],
        local: CaptureIntake,
    ) -> None:
        self._address = address
        self._reader_factory = reader_factory
        self._local = local
        self._channel: _Channel | None = None
        self._connecting: asyncio.Lock | None = None

    async def capture(
        self, actor: Principal, data: IncomingLead, idempotency_key: str | None = None
    ) -> Captured:
        """Capture one lead as `actor`, as `service.capture_lead` does."""
        channel = await self._connected()
        if channel is None:
            return await self._local.capture(actor, data, idempotency_key)
        return await channel.capture(actor, data, idempotency_key)

    def close(self) -> None:
        """Close the connection to the writer, and the in-process writer if it was used."""
        if self._channel is not None:
            self._channel.close()
        self._local.close()

    async def _connected(self) -> _Channel | None:
        if self._channel is not None and not self._channel.broken:
            return self._channel
        self._connecting = self._connecting or asyncio.Lock()
        async with self._connecting:  # the requests arriving meanwhile share one connection
            if self._channel is None or self._channel.broken:
                try:
                    reader, writer = await asyncio.open_unix_connection(self._address)
                except OSError:
                    log.warning("capture writer %s unreachable: capturing here", self._address)
                    return None
                self._channel = _Channel(reader, writer, self._reader_factory)
        return self._channel


class _Channel:
    """One server process's connection to the writer: captures prepared and sent, answers
    matched back by id.

    The captures requested in one turn of the event loop are prepared together, on one
    snapshot (`lead.intake.prepare_together`), and go out in one write. They are prepared on the
    loop itself: this process does nothing but serve requests, and a thread would only take
    turns with the loop at the interpreter lock."""

    def __init__(
        self,
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        reader_factory: Callable[[Principal], UnitOfWork],
    ) -> None:
        self._reader, self._writer = reader, writer
        self._reader_factory = reader_factory
        self._ids = itertools.count()
        self._waiting: dict[int, asyncio.Future[Captured]] = {}
        self._queued: list[tuple[Principal, IncomingLead, str | None, asyncio.Future[Captured]]]
        self._queued = []
        self._ended: int | None = None  # the writer's last batch this process knows has ended
        self.broken = False
        self._task = asyncio.get_running_loop().create_task(self._answers())

    async def capture(
        self, actor: Principal, data: IncomingLead, idempotency_key: str | None
    ) -> Captured:
        loop = asyncio.get_running_loop()
        answer: asyncio.Future[Captured] = loop.create_future()
        self._queued.append((actor, data, idempotency_key, answer))
        if len(self._queued) == 1:
            loop.call_soon(self._send_queued)
        try:
            return await asyncio.wait_for(answer, ANSWER_WAIT_S)
        except TimeoutError:
            raise RuntimeError("the capture writer did not answer in time") from None

    def _send_queued(self) -> None:
        queued, self._queued = self._queued, []
        try:
            captures = self._prepared(queued)
            if self.broken:  # the writer went away meanwhile: nobody would answer
                self._fail_all()
            elif captures:
                self._writer.write(_frame(captures))
        except Exception as exc:  # whatever went wrong, every request gets an answer
            for *_, answer in queued:
                if not answer.done():
                    answer.set_exception(exc)

    def _prepared(
        self, queued: list[tuple[Principal, IncomingLead, str | None, asyncio.Future[Captured]]]
    ) -> list[tuple[Any, ...]]:
        """Prepare the queued captures together; answer replays and failures at once, and
        register the rest to be answered by the writer. What to send it of them."""
        outcomes = prepare_together(
            self._reader_factory(SYSTEM),
            [(actor, data, key) for actor, data, key, _ in queued],
            # Answered, so committed before this reading starts: the data read includes it.
            snapshot=self._ended,
        )
        captures = []
        for (actor, data, key, answer), prepared in zip(queued, outcomes, strict=True):
            if answer.done():  # the request was cancelled meanwhile
                continue
            if isinstance(prepared, Exception):
                answer.set_exception(prepared)
            elif prepared.earlier is not None:  # a replay: answered without the writer
                answer.set_result(prepared.earlier)
            else:
                request_id = next(self._ids)
                self._waiting[request_id] = answer
                captures.append((request_id, actor, data, key, prepared))
        return captures

    def close(self) -> None:
        with contextlib.suppress(RuntimeError):  # its event loop has already closed
            self._task.cancel()
            self._writer.close()

    async def _answers(self) -> None:
        try:
            while True:
                head = await self._reader.readexactly(HEADER.size)
                body = await self._reader.readexactly(HEADER.unpack(head)[0])
                for request_id, answer, error, batch in pickle.loads(body):  # our writer's
                    result = None if answer is None else Captured.model_validate_json(answer)
                    if batch is not None:
                        self._ended = max(batch, self._ended or batch)
                    self._settle(request_id, result, error)
        except (asyncio.IncompleteReadError, OSError):
            pass  # the writer went away
        except Exception:
            log.exception("capture writer: an answer that cannot be read; reconnecting")
        finally:  # however this ended, nothing more will be answered on this connection
            self._fail_all()

    def _settle(
        self, request_id: int, result: Captured | None, error: BaseException | None
    ) -> None:
        answer = self._waiting.pop(request_id, None)
        if answer is None or answer.done():  # its request was cancelled: the lead stays
            return
        if error is not None or result is None:
            answer.set_exception(error or RuntimeError("the capture writer sent no result"))
        else:
            answer.set_result(result)

    def _fail_all(self) -> None:
        self.broken = True
        waiting, self._waiting = self._waiting, {}
        for answer in waiting.values():
            if not answer.done():
                answer.set_exception(RuntimeError("the capture writer went away; send it again"))


# -- started by `forecourt serve` --------------------------------------------------------------


def wait_until_listening(address: str, process: subprocess.Popen[bytes], timeout: float) -> bool:
    """Wait for a writer just started to listen (it warms up first); False if it ended or
    did not listen in time."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and process.poll() is None:
        if os.path.exists(address):
            return True
        time.sleep(0.05)
    return False


def socket_address(database: str) -> str:
    """Where the writer of a SQLite database listens: beside the file when the path is short
    enough for a Unix socket, else in a new private temporary directory."""
    beside = Path(database).resolve().with_name(Path(database).name + "-capture.sock")
    if len(str(beside)) < 100:
        return str(beside)
    private = tempfile.mkdtemp(prefix="forecourt-capture-")  # only its owner may enter
    return str(Path(private) / "capture.sock")
