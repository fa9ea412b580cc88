"""Demo sign-ins, one per role, created by `forecourt seed` for the demo and the tests."""

from __future__ import annotations

from forecourt.auth import repository as repo
from forecourt.auth import service
from forecourt.auth.schemas import DemoCredential
from forecourt.dealer import service as dealer_service
from forecourt.kernel.principal import Role
from forecourt.kernel.uow import UnitOfWork

DEMO_PASSWORD = "forecourt-demo"

_DEMO_USERS: list[tuple[str, Role, list[str], str]] = [
    ("hq@forecourt.demo", Role.HQ, [], "brand HQ, every market"),
    ("manager.cn@forecourt.demo", Role.MARKET_MANAGER, ["CN"], "market manager, China"),
    (
        "manager.eu@forecourt.demo",
        Role.MARKET_MANAGER,
        ["DE", "PL", "CZ"],
        "market manager, DE PL CZ",
    ),
    ("agent@forecourt.demo", Role.CALL_CENTRE, [], "call-centre agent"),
    ("staff@forecourt.demo", Role.DEALER_STAFF, ["CN"], "staff of the first own dealer in China"),
]


def demo_credentials() -> list[DemoCredential]:
    """The demo sign-ins, for printing."""
    return [
        DemoCredential(email=email, password=DEMO_PASSWORD, role=role, scope=scope)
        for email, role, _markets, scope in _DEMO_USERS
    ]


def seed_demo_users(uow: UnitOfWork) -> list[DemoCredential]:
    """Create the demo users that do not exist yet; returns every demo credential."""
    for email, role, markets, _scope in _DEMO_USERS:
        with uow:
            exists = repo.user_by_email(uow.session, email) is not None
        if not exists:
            service.create_user(
                uow,
                email=email,
                name=email.split("@")[0],
                role=role,
                password=DEMO_PASSWORD,
                market_codes=[] if role is Role.DEALER_STAFF else markets,
                dealer_code=_first_own_dealer(uow, markets[0])
                if role is Role.DEALER_STAFF
                else None,
            )
    return demo_credentials()


def _first_own_dealer(uow: UnitOfWork, market_code: str) -> str:
    dealers = dealer_service.list_dealers(uow, market_code=market_code, kind="own")
    return min(d.code for d in dealers)
