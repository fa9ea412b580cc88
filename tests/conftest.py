"""Test wiring: one migrated, seeded database per run; each test inside a rolled-back transaction.

Set FORECOURT_TEST_DATABASE_URL to a PostgreSQL URL to run the same suite on PostgreSQL;
by default a throwaway SQLite file is used.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, text
from sqlalchemy.orm import Session, sessionmaker

from forecourt import migrations
from forecourt.auth import service as auth
from forecourt.auth import verified
from forecourt.bootstrap import Container, bootstrap
from forecourt.campaign import service as campaign
from forecourt.catalog import service as catalog
from forecourt.config import Settings
from forecourt.db.engine import make_engine
from forecourt.dealer import service as dealer
from forecourt.entrypoints.app import create_app
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork
from forecourt.lead import assignment
from forecourt.lead import network as networks
from forecourt.market import service as market


def _database_url(tmp_dir: Path) -> str:
    return os.environ.get("FORECOURT_TEST_DATABASE_URL") or f"sqlite:///{tmp_dir / 'test.db'}"


@pytest.fixture(scope="session")
def database_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    return _database_url(tmp_path_factory.mktemp("db"))


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The test database, rebuilt from empty by the migrations and seeded once per run."""
    migrations.downgrade(database_url, "base")
    migrations.upgrade(database_url)
    settings = Settings(database_url=database_url)
    container = bootstrap(settings)
    market.seed_reference_data(container.uow())
    dealer.seed_reference_data(container.uow())
    catalog.seed_reference_data(container.uow())
    campaign.seed_reference_data(container.uow())
    container.engine.dispose()
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def _fresh_process_caches() -> None:
    """Each test's writes are rolled back: no dealer is full, no score model is cached and no
    token is trusted at the start of the next."""
    networks.forget_full_days()
    assignment.forget_rates()
    verified.forget()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection whose outer transaction is rolled back after the test."""
    with engine.connect() as conn:
        transaction = conn.begin()
        yield conn
        transaction.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    # Every commit inside the code under test only releases a SAVEPOINT of the outer transaction.
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def container(database_url: str, session_factory: sessionmaker[Session]) -> Container:
    return bootstrap(
        Settings(database_url=database_url, secret_key="test-secret"),
        session_factory=session_factory,
    )


@pytest.fixture
def uow(container: Container) -> UnitOfWork:
    """A unit of work acting as the system (HQ scope)."""
    return container.uow()


@pytest.fixture
def app(container: Container) -> FastAPI:
    return create_app(container)


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    """An HTTP client with no credential."""
    with TestClient(app) as test_client:
        yield test_client


@dataclass(frozen=True)
class Caller:
    """A user of a given role with an API token, and the headers that carry it."""

    email: str
    token: str
    role: Role

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


MakeCaller = Callable[..., Caller]


@pytest.fixture
def make_caller(container: Container) -> MakeCaller:
    """Create a user with a role and scope, plus an API token: make_caller(Role.DEALER_STAFF, dealer_code="...")."""
    counter = iter(range(10_000))

    def make(
        role: Role, *, market_codes: list[str] | None = None, dealer_code: str | None = None
    ) -> Caller:
        email = f"{role.value}-{next(counter)}@example.com"
        auth.create_user(
            container.uow(),
            email=email,
            name=email,
            role=role,
            password="correct horse battery staple",
            market_codes=market_codes or [],
            dealer_code=dealer_code,
        )
        issued = auth.issue_token_for(container.uow(), email=email, name="test")
        return Caller(email=email, token=issued.token, role=role)

    return make


@pytest.fixture
def hq(make_caller: MakeCaller) -> Caller:
    """A brand-HQ user: sees everything."""
    return make_caller(Role.HQ)


def table_count(connection: Connection, table: str) -> int:
    """Rows in `table`, for tests that check nothing was written."""
    return int(connection.execute(text(f"SELECT count(*) FROM {table}")).scalar_one())
