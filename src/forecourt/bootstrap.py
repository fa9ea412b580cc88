"""The one place that wires real or fake pieces together. Nothing is built at import time."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from forecourt.adapters.smtp import SmtpMailer
from forecourt.adapters.webhooks import HttpWebhookSender
from forecourt.comms import handlers as comms_handlers
from forecourt.config import Settings
from forecourt.db.engine import make_engine, make_session_factory
from forecourt.kernel.bus import MessageBus
from forecourt.kernel.clock import Clock, SystemClock
from forecourt.kernel.principal import SYSTEM, Principal
from forecourt.kernel.relay import OutboxConsumers, relay
from forecourt.kernel.timers import TimerRegistry
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import response
from forecourt.partner import handlers as partner_handlers


@dataclass
class Container:
    """The wired application: settings, database, bus, clock and the timer handlers."""

    settings: Settings
    engine: Engine
    session_factory: sessionmaker[Session]
    bus: MessageBus
    clock: Clock
    reader_factory: sessionmaker[Session] | None = None
    timers: TimerRegistry = field(default_factory=TimerRegistry)
    outbox: OutboxConsumers = field(default_factory=OutboxConsumers)

    def uow(self, actor: Principal = SYSTEM) -> UnitOfWork:
        """A new unit of work acting as `actor`."""
        return UnitOfWork(self.session_factory, bus=self.bus, clock=self.clock, actor=actor)

    def reader(self, actor: Principal = SYSTEM) -> UnitOfWork:
        """A unit of work for use cases that only read: on SQLite it never waits for a writer."""
        factory = self.reader_factory or self.session_factory
        return UnitOfWork(factory, bus=self.bus, clock=self.clock, actor=actor)


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
    container = Container(
        settings=settings,
        engine=engine,
        session_factory=session_factory or make_session_factory(engine),
        # Tests pass one factory bound to their rolled-back transaction: reads share it.
        reader_factory=None if session_factory else make_session_factory(engine, read_only=True),
        bus=bus,
        clock=clock or SystemClock(),
    )
    response.wire(container.timers)
    wire_outbound(container)
    return container


def relay_outbox(container: Container) -> int:
    """The worker's periodic job that turns committed events into e-mails and webhook deliveries."""
    return relay(container.uow(), container.outbox)


def wire_outbound(container: Container) -> None:
    """E-mail through SMTP and partner webhooks: their outbox consumers and timers."""
    settings = container.settings
    password = settings.smtp_password.get_secret_value() if settings.smtp_password else None
    mailer = SmtpMailer(
        host=settings.smtp_host,
        port=settings.smtp_port,
        sender=settings.smtp_sender,
        username=settings.smtp_username,
        password=password,
        starttls=settings.smtp_starttls,
        timeout_s=settings.smtp_timeout_s,
    )
    comms_handlers.register(
        container.timers, container.outbox, mailer=mailer, max_attempts=settings.comms_max_attempts
    )
    partner_handlers.register(
        container.timers,
        container.outbox,
        sender=HttpWebhookSender(timeout_s=settings.webhook_timeout_s),
        max_attempts=settings.webhook_max_attempts,
    )
