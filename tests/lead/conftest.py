"""Fixtures of the lead tests: a clock standing at a Monday morning in Munich, and the container
wired with it and with the response clocks' timer handlers."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session, sessionmaker
from tests.lead.response_helpers import MONDAY_10_MUNICH, wire

from forecourt.bootstrap import Container
from forecourt.kernel.clock import FixedClock


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock(MONDAY_10_MUNICH)


@pytest.fixture
def wired(
    database_url: str, session_factory: sessionmaker[Session], clock: FixedClock
) -> Container:
    return wire(database_url, session_factory, clock)
