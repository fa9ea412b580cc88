"""Users, passwords, tokens and the audit trail, at the service layer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from forecourt.auth import service as auth
from forecourt.auth import verified
from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.kernel.clock import FixedClock
from forecourt.kernel.errors import Forbidden, InvalidInput, NotFound, Unauthenticated
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork

PASSWORD = "correct horse battery staple"


def _user(uow: UnitOfWork, email: str, role: Role = Role.HQ, **scope: object) -> None:
    auth.create_user(uow, email=email, name="N", role=role, password=PASSWORD, **scope)


def test_password_sign_in_gives_the_users_scope(uow: UnitOfWork) -> None:
    _user(uow, "Mia@Example.com", Role.MARKET_MANAGER, market_codes=["PL", "CZ"])
    principal = auth.authenticate_password(uow, email="mia@example.com", password=PASSWORD)
    assert principal.role is Role.MARKET_MANAGER
    assert principal.market_codes == frozenset({"PL", "CZ"})
    with pytest.raises(Unauthenticated):
        auth.authenticate_password(uow, email="mia@example.com", password="wrong password!")
    with pytest.raises(Unauthenticated):
        auth.authenticate_password(uow, email="nobody@example.com", password=PASSWORD)


def test_password_is_stored_hashed(uow: UnitOfWork) -> None:
    _user(uow, "hash@example.com")
    with uow:
        from forecourt.auth.models import User

        stored = uow.session.query(User).filter_by(email="hash@example.com").one().password_hash
    assert PASSWORD not in stored
    assert stored.startswith("$argon2id$")


@pytest.mark.parametrize(
    ("role", "scope", "field"),
    [
        (Role.MARKET_MANAGER, {}, "market_codes"),
        (Role.DEALER_STAFF, {}, "dealer_code"),
        (Role.HQ, {"dealer_code": "X"}, "dealer_code"),
        (Role.HQ, {"email_override": "not-an-email"}, "email"),
    ],
)
def test_a_scope_that_does_not_fit_the_role_is_refused(
    uow: UnitOfWork, role: Role, scope: dict[str, object], field: str
) -> None:
    email = str(scope.pop("email_override", "scope@example.com"))
    with pytest.raises(InvalidInput) as err:
        auth.create_user(uow, email=email, name="N", role=role, password=PASSWORD, **scope)
    assert err.value.details["field"] == field


def test_unknown_market_in_scope_is_not_found(uow: UnitOfWork) -> None:
    with pytest.raises(NotFound):
        _user(uow, "zz@example.com", Role.MARKET_MANAGER, market_codes=["ZZ"])


def test_only_hq_creates_users(container: Container, uow: UnitOfWork) -> None:
    _user(uow, "agent@example.com", Role.CALL_CENTRE)
    agent = auth.authenticate_password(uow, email="agent@example.com", password=PASSWORD)
    with pytest.raises(Forbidden):
        _user(container.uow(agent), "new@example.com")


def test_dealer_staff_are_scoped_to_their_dealer_and_its_market(uow: UnitOfWork) -> None:
    from forecourt.dealer import service as dealers

    some_dealer = dealers.list_dealers(uow, market_code="DE")[0]
    _user(uow, "staff@example.com", Role.DEALER_STAFF, dealer_code=some_dealer.code)
    principal = auth.authenticate_password(uow, email="staff@example.com", password=PASSWORD)
    assert principal.dealer_id == some_dealer.id
    assert principal.market_codes == frozenset({"DE"})


def test_token_round_trip_and_revocation(uow: UnitOfWork) -> None:
    _user(uow, "tok@example.com")
    issued = auth.issue_token_for(uow, email="tok@example.com", name="ci")
    assert auth.authenticate_token(uow, token=issued.token).email == "tok@example.com"
    auth.revoke_token(uow, token_id=issued.id)
    with pytest.raises(Unauthenticated):
        auth.authenticate_token(uow, token=issued.token)


def test_a_token_verified_a_moment_ago_is_recalled_until_revoked(uow: UnitOfWork) -> None:
    _user(uow, "recall@example.com")
    issued = auth.issue_token_for(uow, email="recall@example.com", name="ci")
    now = uow.clock.now()
    assert auth.recall_token(issued.token, now) is None  # never verified: ask the database
    auth.authenticate_token(uow, token=issued.token)
    recalled = auth.recall_token(issued.token, now)
    assert recalled is not None
    assert recalled.email == "recall@example.com"
    assert auth.recall_token(issued.token, issued.expires_at) is None  # never past its expiry
    auth.revoke_token(uow, token_id=issued.id)
    assert auth.recall_token(issued.token, now) is None


def test_a_verified_token_is_trusted_only_for_a_moment(
    uow: UnitOfWork, monkeypatch: pytest.MonkeyPatch
) -> None:
    _user(uow, "moment@example.com")
    issued = auth.issue_token_for(uow, email="moment@example.com", name="ci")
    auth.authenticate_token(uow, token=issued.token)
    monkeypatch.setattr(verified, "TRUST_S", -1.0)
    assert auth.recall_token(issued.token, uow.clock.now()) is None


@pytest.mark.parametrize(
    "token", ["", "abc", "fct_short", "Bearer fct_" + "a" * 43, "fct_" + "a" * 42 + "!"]
)
def test_malformed_tokens_are_unauthenticated(uow: UnitOfWork, token: str) -> None:
    with pytest.raises(Unauthenticated):
        auth.authenticate_token(uow, token=token)


def test_expired_token_is_refused(database_url: str, container: Container) -> None:
    clock = FixedClock(datetime(2026, 1, 1, tzinfo=UTC))
    timed = bootstrap(
        Settings(database_url=database_url), session_factory=container.session_factory, clock=clock
    )
    _user(timed.uow(), "exp@example.com")
    issued = auth.issue_token_for(timed.uow(), email="exp@example.com", name="short", ttl_days=1)
    clock.advance(timedelta(hours=23))
    auth.authenticate_token(timed.uow(), token=issued.token)
    clock.advance(timedelta(hours=2))
    with pytest.raises(Unauthenticated):
        auth.authenticate_token(timed.uow(), token=issued.token)


def test_tokens_only_for_oneself_unless_hq(container: Container, uow: UnitOfWork) -> None:
    _user(uow, "a@example.com", Role.CALL_CENTRE)
    _user(uow, "b@example.com", Role.CALL_CENTRE)
    a = auth.authenticate_password(uow, email="a@example.com", password=PASSWORD)
    with pytest.raises(Forbidden):
        auth.issue_token_for(container.uow(a), email="b@example.com", name="x")
    assert auth.issue_token(container.uow(a), name="mine").token.startswith("fct_")


def test_changes_are_in_the_audit_trail_within_scope(container: Container, uow: UnitOfWork) -> None:
    _user(uow, "audited@example.com", Role.MARKET_MANAGER, market_codes=["CN"])
    entries = auth.audit_trail(uow, entity_type="user")
    assert any(
        e.action == "user.created" and e.changes["email"] == "audited@example.com" for e in entries
    )
    manager = auth.authenticate_password(uow, email="audited@example.com", password=PASSWORD)
    # user entries carry no market, so a market manager does not see HQ's user administration
    assert auth.audit_trail(container.uow(manager), entity_type="user") == []
    _user(uow, "cc@example.com", Role.CALL_CENTRE)
    agent = auth.authenticate_password(uow, email="cc@example.com", password=PASSWORD)
    with pytest.raises(Forbidden):
        auth.audit_trail(container.uow(agent))
