"""The capture writer: leads prepared in a server process are written by the writer and each
request gets its own answer; replays, domain errors and an unreachable writer behave as in
process. The writer runs on a thread here, on a SQLite file of its own (it exists for SQLite)."""

from __future__ import annotations

import asyncio
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import bindparam, text

from forecourt import migrations
from forecourt.bootstrap import Container, bootstrap
from forecourt.campaign import service as campaign
from forecourt.config import Settings
from forecourt.customer import repository as customer_repository
from forecourt.dealer import service as dealer
from forecourt.entrypoints import capture_writer
from forecourt.entrypoints.capture_writer import (
    HEADER,
    RemoteIntake,
    _portable,
    _send_or_drop,
    run_writer,
    socket_address,
)
from forecourt.kernel.errors import InvalidInput
from forecourt.kernel.principal import SYSTEM
from forecourt.lead import service
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.intake import CaptureIntake, Waiting, prepare_together
from forecourt.lead.schemas import Captured
from forecourt.market import service as market


@pytest.fixture(scope="module")
def database(tmp_path_factory: pytest.TempPathFactory) -> str:
    url = f"sqlite:///{tmp_path_factory.mktemp('writer') / 'writer.db'}"
    migrations.upgrade(url)
    container = bootstrap(Settings(database_url=url))
    for feature in (market, dealer, campaign):
        feature.seed_reference_data(container.uow())
    container.engine.dispose()
    return url


@pytest.fixture
def writer(database: str, tmp_path: Path) -> Iterator[str]:
    """A writer serving on a socket of its own; its address."""
    container = bootstrap(Settings(database_url=database))
    address, stop = str(tmp_path / "capture.sock"), threading.Event()
    thread = threading.Thread(target=run_writer, args=(container, address), kwargs={"stop": stop})
    thread.start()
    deadline = time.monotonic() + 30
    while not os.path.exists(address) and time.monotonic() < deadline:
        time.sleep(0.01)
    yield address
    stop.set()
    thread.join()
    container.engine.dispose()


@pytest.fixture
def front(database: str) -> Iterator[Container]:
    """The wiring of a server process on the same database."""
    container = bootstrap(Settings(database_url=database))
    yield container
    container.engine.dispose()


def remote(front: Container, address: str, *, in_process: bool = False) -> RemoteIntake:
    local = CaptureIntake(front.uow, batching=True, reader_factory=front.reader)
    if not in_process:
        local.capture = _never  # type: ignore[method-assign]
    return RemoteIntake(address, reader_factory=front.reader, local=local)


async def _never(*_args: Any) -> Captured:
    raise AssertionError("captured in process although the writer was there")


def lead(source_id: str, **fields: Any) -> IncomingLead:
    person = {"full_name": f"Person {source_id}", "email": f"{source_id}@example.com"}
    return IncomingLead.model_validate(
        {"channel": "web", "source_id": source_id, "city": "Berlin", **person, **fields}
    )


def capture_all(intake: RemoteIntake, leads: list[IncomingLead]) -> list[Any]:
    """Capture the leads at once, as concurrent requests would; each one's answer or error."""

    async def run() -> list[Any]:
        captures = [intake.capture(SYSTEM, one) for one in leads]
        try:
            return await asyncio.wait_for(asyncio.gather(*captures, return_exceptions=True), 30)
        finally:
            intake.close()  # as the server's lifespan does, on its loop

    return asyncio.run(run())


def stored(front: Container, source_ids: list[str]) -> int:
    query = text("SELECT count(*) FROM lead WHERE source_id IN :ids").bindparams(
        bindparam("ids", expanding=True)
    )
    with front.engine.connect() as connection:
        return int(connection.execute(query, {"ids": source_ids}).scalar_one())


def test_captures_sent_together_are_written_by_the_writer_each_with_its_answer(
    writer: str, front: Container
) -> None:
    sources = [f"remote-{uuid.uuid4().hex[:8]}-{n}" for n in range(12)]
    answers = capture_all(remote(front, writer), [lead(s) for s in sources])
    assert [a.lead.source_id for a in answers] == sources
    assert all(a.created for a in answers)
    assert len({a.lead.id for a in answers}) == 12
    assert stored(front, sources) == 12


@pytest.mark.parametrize("together", [False, True], ids=["later", "at-once"])
def test_a_lead_sent_again_is_answered_with_the_first_capture(
    writer: str, front: Container, together: bool
) -> None:
    # Later, preparing finds the first capture. At once, the two may be prepared together, when
    # neither finds the other and the writer's unique constraint does.
    source = f"again-{uuid.uuid4().hex[:8]}"
    if together:
        first, second = capture_all(remote(front, writer), [lead(source), lead(source)])
    else:
        (first,) = capture_all(remote(front, writer), [lead(source)])
        (second,) = capture_all(remote(front, writer), [lead(source)])
    assert first.created
    assert not second.created
    assert second.lead.id == first.lead.id
    assert stored(front, [source]) == 1


def test_a_returning_person_prepared_before_their_first_lead_was_written_is_linked(
    writer: str, front: Container
) -> None:
    # Both leads are prepared on data without either person; the writer sees the first one
    # stored when it writes the second, decides that one again, and links it.
    tag = uuid.uuid4().hex[:8]
    same = {"full_name": "Wang Jianguo", "phone": f"+86 138 {tag[:4].translate(DIGITS)} 8000"}
    leads = [lead(f"first-{tag}", **same), lead(f"second-{tag}", **same, email=None)]
    first, second = capture_all(remote(front, writer), leads)
    assert first.lead.resolution == "new"
    assert second.lead.resolution == "linked"
    assert second.lead.customer_id == first.lead.customer_id


DIGITS = str.maketrans("abcdef", "123456")


def test_a_domain_error_in_the_writer_reaches_the_request_as_it_was(
    writer: str, front: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service._capture

    def refusing(uow: Any, data: IncomingLead, *rest: Any) -> Any:
        if data.source_id and data.source_id.startswith("refused"):
            raise InvalidInput("no such model", field="model_interest")
        return real(uow, data, *rest)

    monkeypatch.setattr(service, "_capture", refusing)
    tag = uuid.uuid4().hex[:8]
    refused, kept = capture_all(
        remote(front, writer), [lead(f"refused-{tag}"), lead(f"kept-{tag}")]
    )
    assert isinstance(refused, InvalidInput)
    assert refused.details == {"field": "model_interest"}
    assert kept.created
    assert stored(front, [f"refused-{tag}", f"kept-{tag}"]) == 1


def test_without_a_writer_a_server_process_captures_in_process(
    front: Container, tmp_path: Path
) -> None:
    source = f"alone-{uuid.uuid4().hex[:8]}"
    intake = remote(front, str(tmp_path / "nobody.sock"), in_process=True)
    (answer,) = capture_all(intake, [lead(source)])
    assert answer.created
    assert stored(front, [source]) == 1


def test_the_socket_lies_beside_the_database_unless_its_path_is_too_long(tmp_path: Path) -> None:
    assert socket_address(str(tmp_path / "f.db")) == str(tmp_path / "f.db-capture.sock")
    deep = Path(socket_address(str(tmp_path / ("d" * 120) / "f.db")))
    assert deep.parent.name.startswith("forecourt-capture-")
    assert deep.parent.stat().st_mode & 0o777 == 0o700  # a directory only its owner enters


def test_a_broken_frame_closes_its_connection_instead_of_leaving_it_waiting(writer: str) -> None:
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as sender:
        sender.connect(writer)
        sender.sendall(HEADER.pack(5) + b"bogus")
        sender.settimeout(10)
        assert sender.recv(1) == b""  # closed by the writer


def capture_with_a_writer_that(
    front: Container, address: str, behaves: Callable[[socket.socket], None]
) -> Any:
    """One capture sent to a stand-in writer that `behaves` with the connection it accepts;
    the capture's answer or error."""
    with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as server:
        server.bind(address)
        server.listen()

        def accept() -> None:
            connection, _ = server.accept()
            behaves(connection)
            connection.close()

        threading.Thread(target=accept, daemon=True).start()
        (answer,) = capture_all(remote(front, address), [lead(f"lost-{uuid.uuid4().hex[:8]}")])
        return answer


def test_captures_in_flight_fail_when_the_writer_goes_away(
    front: Container, tmp_path: Path
) -> None:
    def take_one_and_vanish(connection: socket.socket) -> None:
        connection.recv(1 << 16)  # the capture arrives, then the writer is gone

    error = capture_with_a_writer_that(front, str(tmp_path / "w.sock"), take_one_and_vanish)
    assert isinstance(error, RuntimeError)
    assert "send it again" in str(error)


def test_a_writer_that_hangs_up_at_once_fails_the_capture_instead_of_leaving_it_waiting(
    front: Container, tmp_path: Path
) -> None:
    error = capture_with_a_writer_that(front, str(tmp_path / "w.sock"), lambda _: None)
    assert isinstance(error, RuntimeError)


def test_an_error_that_cannot_cross_to_the_server_process_goes_as_its_text() -> None:
    class Unpicklable(Exception):
        def __reduce__(self) -> Any:
            raise TypeError("not today")

    assert isinstance(_portable(InvalidInput("bad", field="phone")), InvalidInput)
    sent = _portable(Unpicklable("the disk is full"))
    assert isinstance(sent, RuntimeError)
    assert "Unpicklable: the disk is full" in str(sent)


def test_a_server_process_that_reads_nothing_loses_its_connection_and_holds_up_nobody(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(capture_writer, "SEND_WAIT_S", 0.1)
    ours, theirs = socket.socketpair()
    with ours, theirs:
        started = time.monotonic()
        _send_or_drop(ours, bytes(16 * 1024 * 1024))  # far more than the socket buffers hold
        assert time.monotonic() - started < 5
        with pytest.raises(BrokenPipeError):
            ours.send(b"more")  # the connection was shut down


def candidate_reads_by_the_writer(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The keys of every candidate read made on the intake's writer thread from now on (the
    writer runs on a thread of this process here)."""
    reads: list[str] = []
    real = customer_repository.candidates

    def spy(session: Any, keys: Any, limits: Any) -> Any:
        if threading.current_thread().name == "capture-writer":
            reads.extend(keys)
        return real(session, keys, limits)

    monkeypatch.setattr(customer_repository, "candidates", spy)
    return reads


def capture_in_turn(intake: RemoteIntake, rounds: list[list[IncomingLead]]) -> list[Any]:
    """Capture round after round on one connection, each round's leads at once; every answer."""

    async def run() -> list[Any]:
        answers: list[Any] = []
        try:
            for leads in rounds:
                captures = [intake.capture(SYSTEM, one) for one in leads]
                answers += await asyncio.wait_for(asyncio.gather(*captures), 30)
        finally:
            intake.close()
        return answers

    return asyncio.run(run())


def test_a_lead_prepared_after_an_answer_keeps_the_candidates_it_read(
    writer: str, front: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The first answer tells the server process which batch its next reading includes; nothing
    # was written under the second lead's keys since, so the writer does not read them again.
    reads = candidate_reads_by_the_writer(monkeypatch)
    tag = uuid.uuid4().hex[:8]
    first, second = capture_in_turn(
        remote(front, writer), [[lead(f"opening-{tag}")], [lead(f"following-{tag}")]]
    )
    assert first.created
    assert second.created
    assert not any(f"following-{tag}" in key for key in reads)


def test_a_person_written_twice_after_the_first_answer_is_still_linked(
    writer: str, front: Container, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Both leads of the person are prepared on the same data, after the opening answer: the
    # writer knows it wrote under the person's keys in the meantime and reads them again.
    reads = candidate_reads_by_the_writer(monkeypatch)
    tag = uuid.uuid4().hex[:8]
    same = {"full_name": "Li Xiuying", "phone": f"+86 139 {tag[:4].translate(DIGITS)} 7000"}
    pair = [lead(f"one-{tag}", **same), lead(f"two-{tag}", **same, email=None)]
    _, first, second = capture_in_turn(remote(front, writer), [[lead(f"opening-{tag}")], pair])
    assert first.lead.resolution == "new"
    assert second.lead.resolution == "linked"
    assert second.lead.customer_id == first.lead.customer_id
    assert any("li xiuying" in key for key in reads)


def test_a_lead_prepared_before_someone_else_committed_reads_its_candidates_again(
    database: str, front: Container
) -> None:
    # Another process stores the same person between this capture's preparing and its writing:
    # nothing the writer wrote tells it so, SQLite's data version does.
    intake = CaptureIntake(front.uow, batching=True, reader_factory=front.reader)
    tag = uuid.uuid4().hex[:8]
    same = {"full_name": "Zhao Min", "phone": f"+86 137 {tag[:4].translate(DIGITS)} 6000"}
    try:
        warm = Waiting(SYSTEM, lead(f"warm-{tag}"), None)
        intake._write([warm])  # the writer's first batch: it knows the database's mark now
        later = lead(f"later-{tag}", **same, email=None)
        (prepared,) = prepare_together(
            front.reader(), [(SYSTEM, later, None)], snapshot=intake.written.batch
        )
        assert isinstance(prepared, service.Prepared)
        assert prepared.plan.found == []
        elsewhere = bootstrap(Settings(database_url=database))
        earlier = service.capture_lead(elsewhere.uow(), data=lead(f"earlier-{tag}", **same))
        elsewhere.engine.dispose()
        item = Waiting(SYSTEM, later, None, prepared=prepared)
        intake._write([item])
    finally:
        intake.close()
    assert item.outcome().lead.resolution == "linked"
    assert item.outcome().lead.customer_id == earlier.lead.customer_id
