"""Rows written at once: defaults filled in, read back in the transaction, undone by savepoints."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from forecourt.bootstrap import Container
from forecourt.kernel.records import Timer
from forecourt.kernel.rows import row_of

DUE = datetime(2026, 1, 1, tzinfo=UTC)


def test_row_of_fills_the_objects_defaults_into_it() -> None:
    timer = Timer(kind="k", due_at=DUE, created_at=DUE)
    _, row = row_of(timer)
    assert timer.id is not None
    assert row["id"] == timer.id
    assert row["state"] == timer.state == "pending"
    assert row["payload"] == {}


def test_an_inserted_row_is_read_back_in_the_same_transaction(container: Container) -> None:
    with container.uow() as uow:
        timer = Timer(kind="k", due_at=DUE, created_at=DUE, payload={"a": 1})
        uow.insert(timer)
        found = uow.session.scalars(select(Timer).where(Timer.id == timer.id)).one()
        assert found.payload == {"a": 1}
        assert found.state == "pending"


def _insert_then_fail(container: Container, dropped: Timer) -> None:
    with container.uow() as uow:
        kept = Timer(kind="k", due_at=DUE, created_at=DUE)
        uow.insert(kept)
        try:
            with uow.savepoint():
                uow.insert(dropped)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        uow.commit()
        dropped.payload = {"kept": str(kept.id)}


def test_a_savepoint_undoes_rows_inserted_in_it(container: Container) -> None:
    dropped = Timer(kind="k", due_at=DUE, created_at=DUE)
    _insert_then_fail(container, dropped)
    with container.uow() as uow:
        ids = {str(i) for i in uow.session.scalars(select(Timer.id))}
    assert dropped.payload["kept"] in ids
    assert str(dropped.id) not in ids


def test_values_are_written_with_the_defaults_of_the_columns_not_given(
    container: Container,
) -> None:
    with container.uow() as uow:
        row = uow.insert_values(Timer, kind="k", due_at=DUE, created_at=DUE)
        found = uow.session.scalars(select(Timer).where(Timer.id == row["id"])).one()
        assert (found.kind, found.state, found.payload) == ("k", "pending", {})
        assert row["state"] == "pending"


def test_a_value_for_no_attribute_is_refused(container: Container) -> None:
    with container.uow() as uow, pytest.raises(TypeError, match="'kinds'"):
        uow.insert_values(Timer, kinds="k", due_at=DUE, created_at=DUE)
