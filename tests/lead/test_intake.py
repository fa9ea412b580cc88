"""Group commit of captures: each caller gets its own answer, a failing lead loses nothing else,
and a lead sent twice in one batch is stored once."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import Connection
from tests.conftest import table_count

from forecourt.bootstrap import Container
from forecourt.kernel.principal import SYSTEM
from forecourt.lead import intake, service
from forecourt.lead.incoming import IncomingLead
from forecourt.lead.intake import CaptureIntake, Waiting, WrittenKeys


def lead(source_id: str, **fields: Any) -> IncomingLead:
    person = {"full_name": f"Person {source_id}", "email": f"{source_id}@example.com"}
    return IncomingLead.model_validate(
        {"channel": "web", "source_id": source_id, "city": "Berlin", **person, **fields}
    )


def capture_all(queue: CaptureIntake, sources: list[str]) -> list[Any]:
    """Capture a lead per source id at once, as concurrent requests would; each one's answer or
    error. A capture that never gets its answer fails the test instead of hanging it."""

    async def run() -> list[Any]:
        captures = [queue.capture(SYSTEM, lead(s)) for s in sources]
        return await asyncio.wait_for(asyncio.gather(*captures, return_exceptions=True), 30)

    try:
        return asyncio.run(run())
    finally:
        queue.close()


def recording(
    monkeypatch: pytest.MonkeyPatch, owner: Any, name: str, noted: Callable[..., Any]
) -> list[Any]:
    """What `noted` says of every call of `owner.name` from now on (None: nothing)."""
    seen: list[Any] = []
    real = getattr(owner, name)

    def spy(*args: Any, **kwargs: Any) -> Any:
        if (note := noted(*args, **kwargs)) is not None:
            seen.append(note)
        return real(*args, **kwargs)

    monkeypatch.setattr(owner, name, spy)
    return seen


def recording_batches(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The size of every batch written from now on."""
    return recording(monkeypatch, CaptureIntake, "_write", lambda _self, batch: len(batch))


def test_captures_arriving_together_each_get_their_own_answer(
    container: Container, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    sizes = recording_batches(monkeypatch)
    sources = [f"together-{n}" for n in range(12)]
    answers = capture_all(CaptureIntake(container.uow, batching=True), sources)
    assert [a.lead.source_id for a in answers] == sources
    assert all(a.created for a in answers)
    assert len({a.lead.id for a in answers}) == 12
    assert table_count(connection, "lead") == 12
    assert max(sizes) > 1  # some of them shared a transaction


def test_a_failing_lead_loses_nothing_else_of_its_batch(
    container: Container, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = service._capture

    def failing(uow: Any, data: IncomingLead, key: str | None, *args: Any) -> Any:
        answer = real(uow, data, key, *args)  # its rows and events are written, then it fails
        if data.source_id == "bad":
            raise RuntimeError("broken after writing")
        return answer

    monkeypatch.setattr(service, "_capture", failing)
    batch = [Waiting(SYSTEM, lead(s), None) for s in ("good-1", "bad", "good-2")]
    CaptureIntake(container.uow, batching=True)._write(batch)
    assert [item.done for item in batch] == [True, True, True]
    assert isinstance(batch[1].error, RuntimeError)
    assert batch[0].outcome().created
    assert batch[2].outcome().created
    assert table_count(connection, "lead") == 2
    kept = _events_of(batch[0]) + _events_of(batch[2])
    assert table_count(connection, "outbox") == kept  # none of the failed lead's events


def recording_savepoints(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The source id of every capture written in a savepoint of its own from now on."""

    def guarded(_uow: Any, *, data: IncomingLead, guarded: bool = True, **_: Any) -> str | None:
        return str(data.source_id) if guarded else None

    return recording(monkeypatch, service, "capture_joined", guarded)


def test_a_batch_that_fails_nowhere_is_written_without_savepoints(
    container: Container, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    guarded = recording_savepoints(monkeypatch)
    batch = [Waiting(SYSTEM, lead(s), None) for s in ("plain-1", "plain-2", "plain-3")]
    CaptureIntake(container.uow, batching=True)._write(batch)
    assert all(item.outcome().created for item in batch)
    assert guarded == []
    assert table_count(connection, "lead") == 3


def test_a_batch_with_a_failing_lead_is_written_again_each_in_its_savepoint(
    container: Container, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    guarded = recording_savepoints(monkeypatch)
    batch = [Waiting(SYSTEM, lead(s), None) for s in ("again-1", "again-2")]
    batch.append(Waiting(SYSTEM, lead("again-1"), None))  # a replay inside the batch
    CaptureIntake(container.uow, batching=True)._write(batch)
    assert guarded == ["again-1", "again-2", "again-1"]
    assert [item.outcome().created for item in batch] == [True, True, False]
    assert batch[2].outcome().lead.id == batch[0].outcome().lead.id
    assert table_count(connection, "lead") == 2
    kept = _events_of(batch[0]) + _events_of(batch[1])
    assert table_count(connection, "outbox") == kept  # the first try's events went with it


def _events_of(item: Waiting) -> int:
    # lead.captured, and lead.assigned with lead.status_changed when a dealer took it, or the
    # status change to unassigned when none could.
    return 3 if item.outcome().lead.dealer_id else 2


def test_the_same_lead_twice_in_one_batch_is_stored_once(
    container: Container, connection: Connection
) -> None:
    batch = [Waiting(SYSTEM, lead("twice"), None) for _ in range(2)]
    CaptureIntake(container.uow, batching=True)._write(batch)
    first, second = batch[0].outcome(), batch[1].outcome()
    assert first.created
    assert not second.created
    assert second.lead.id == first.lead.id
    assert table_count(connection, "lead") == 1


def test_without_batching_each_capture_commits_alone(
    container: Container, connection: Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(CaptureIntake, "_write", None)  # never reached
    (answer,) = capture_all(CaptureIntake(container.uow, batching=False), ["alone"])
    assert answer.created
    assert table_count(connection, "lead") == 1


def test_a_batch_is_bounded(container: Container, monkeypatch: pytest.MonkeyPatch) -> None:
    sizes = recording_batches(monkeypatch)
    monkeypatch.setattr(intake, "MAX_BATCH", 3)
    answers = capture_all(
        CaptureIntake(container.uow, batching=True), [f"bounded-{n}" for n in range(16)]
    )
    assert all(a.created for a in answers)
    assert sum(sizes) == 16
    assert max(sizes) <= 3


def test_when_no_transaction_can_start_every_capture_gets_the_error_and_none_hangs() -> None:
    def broken(actor: Any) -> Any:
        raise RuntimeError("database unavailable")

    errors = capture_all(CaptureIntake(broken, batching=True), [f"down-{n}" for n in range(20)])
    assert all(isinstance(e, RuntimeError) and "unavailable" in str(e) for e in errors)


def test_the_writer_goes_on_after_a_batch_that_failed(
    container: Container, connection: Connection
) -> None:
    calls = 0

    def failing_once(actor: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("database unavailable")
        return container.uow(actor)

    queue = CaptureIntake(failing_once, batching=True)
    (error,) = capture_all(queue, ["first"])
    assert isinstance(error, RuntimeError)
    (answer,) = capture_all(queue, ["second"])
    assert answer.created
    assert table_count(connection, "lead") == 1


def test_closing_writes_what_was_handed_over_then_ends_the_writer(
    container: Container, connection: Connection
) -> None:
    queue = CaptureIntake(container.uow, batching=True)

    async def run() -> tuple[list[Any], threading.Thread | None]:
        captures = [asyncio.ensure_future(queue.capture(SYSTEM, lead(f"c-{n}"))) for n in range(5)]
        await asyncio.sleep(0)  # every capture hands its lead over
        writer = queue._writer
        queue.close()
        return await asyncio.gather(*captures), writer

    answers, writer = asyncio.run(run())
    assert all(a.created for a in answers)
    assert writer is not None
    assert not writer.is_alive()
    assert table_count(connection, "lead") == 5


def test_the_writer_knows_which_prepared_captures_saw_their_candidates_as_they_are() -> None:
    written = WrittenKeys()
    first = written.next_batch()
    written.observe((1, 7))
    written.wrote(["n:wang wei|c:1"])
    assert not written.current(["e:a@example.com"], None)  # prepared on unknown data
    assert not written.current(["e:a@example.com"], first - 1)  # before the writer knew the data
    assert written.current(["n:wang wei|c:1"], first)
    written.next_batch()
    written.observe((1, 7))  # nobody else committed
    written.wrote(["n:wang wei|c:1"])
    assert not written.current(["n:wang wei|c:1", "e:a@example.com"], first)
    assert written.current(["e:a@example.com"], first)
    written.observe((1, 8))  # somebody else did
    assert not written.current(["e:a@example.com"], first)


def test_the_writer_reads_again_what_was_prepared_before_the_batches_it_remembers() -> None:
    written = WrittenKeys()
    first = written.next_batch()
    written.observe((1, 7))
    for _ in range(2 * intake.LEDGER_BATCHES):  # forgotten by the second pruning at the latest
        written.next_batch()
        written.observe((1, 7))
    assert written.current(["e:b@example.com"], written.batch - 1)
    assert not written.current(["e:b@example.com"], first)
