"""The one place that wires real or fake pieces together. Nothing is built at import time."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from forecourt.config import Settings
from forecourt.db.engine import make_engine, make_session_factory
from forecourt.kernel.bus import MessageBus
from forecourt.kernel.clock import Clock, SystemClock
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.timers import TimerRegistry
from forecourt.kernel.uow import UnitOfWork


@dataclass
class Container:
    """The wired application: settings, database, bus, clock and the timer handlers."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: MessageBus
    clock: Clock
    timers: TimerRegistry = field(default_factory=TimerRegistry)

    def uow(self, actor: Principal = SYSTEM) -> UnitOfWork:
        """A new unit of work acting as `actor`."""
        return UnitOfWork(self.session_factory, bus=self.bus, clock=self.clock, actor=actor)


def bootstrap(
    settings: Settings | None = None,
    *,
    session_factory: sessionmaker[Session] | None = None,
    clock: Clock | None = None,
) -> Container:
    """Build the container; tests pass their own session factory (rolled-back transaction) or clock."""
    settings = settings or Settings()
    engine = make_engine(settings.database_url, echo=settings.echo_sql)
    bus = MessageBus()
    return Container(
        settings=settings,
        engine=engine,
        session_factory=session_factory or make_session_factory(engine),
        bus=bus,
        clock=clock or SystemClock(),
    )
