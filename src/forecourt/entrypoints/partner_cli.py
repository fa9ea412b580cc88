"""`forecourt partners …`: subscribe partner endpoints, read and replay the dead-letter list."""

from __future__ import annotations

import uuid
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from forecourt.bootstrap import Container, bootstrap
from forecourt.config import Settings
from forecourt.partner import service
from forecourt.partner.schemas import SubscriptionCreate

app = typer.Typer(help="Partner webhooks.", no_args_is_help=True)
console = Console()


def _container() -> Container:
    return bootstrap(Settings())


@app.command("subscribe")
def subscribe(
    name: str,
    url: str,
    event: Annotated[list[str], typer.Option(help="Event name (repeat): lead.assigned …")],
    market: Annotated[list[str] | None, typer.Option(help="Only this market (repeat)")] = None,
) -> None:
    """Subscribe URL to events; prints the signing secret, shown this once."""
    data = SubscriptionCreate(name=name, url=url, events=event, market_codes=market or [])
    created = service.create_subscription(_container().uow(), data=data)
    console.print(f"subscription {created.id}\nsecret {created.secret}")


@app.command("list")
def list_subscriptions() -> None:
    """Every subscription, without secrets."""
    table = Table("id", "name", "url", "events", "markets", "active")
    for s in service.list_subscriptions(_container().uow()):
        table.add_row(
            str(s.id), s.name, s.url, ", ".join(s.events), ", ".join(s.market_codes), str(s.active)
        )
    console.print(table)


@app.command("dead-letters")
def dead_letters(subscription: uuid.UUID | None = None, limit: int = 100) -> None:
    """Deliveries that failed every attempt, with their last error."""
    found = service.list_deliveries(
        _container().uow(), state="dead", subscription_id=subscription, limit=limit
    )
    table = Table("delivery", "event", "event id", "attempts", "last error")
    for d in found:
        table.add_row(str(d.id), d.event_name, str(d.event_id), str(d.attempts), d.last_error or "")
    console.print(table)


@app.command("replay")
def replay(
    delivery: Annotated[uuid.UUID | None, typer.Argument(help="One dead delivery")] = None,
    subscription: Annotated[uuid.UUID | None, typer.Option(help="Its dead letters")] = None,
    every: Annotated[bool, typer.Option("--all", help="Every dead letter")] = False,
) -> None:
    """Send dead letters again with fresh attempts: one, one subscription's, or all (--all)."""
    uow = _container().uow()
    if delivery is not None:
        service.replay_dead_letter(uow, delivery_id=delivery)
        count = 1
    elif subscription is not None or every:
        count = service.replay_dead_letters(uow, subscription_id=subscription)
    else:
        raise typer.BadParameter("name a DELIVERY, --subscription ID or --all")
    console.print(f"{count} replayed; the worker sends them on its next pass")
