"""The `forecourt` command line: schema, reference data, users and tokens, the server, the demo."""

from __future__ import annotations

import contextlib
import gc
import logging
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from sqlalchemy.engine import make_url

from forecourt import migrations
from forecourt.auth import demo as demo_users
from forecourt.auth import service as auth
from forecourt.bootstrap import Container, bootstrap
from forecourt.campaign import service as campaign
from forecourt.catalog import service as catalog
from forecourt.config import Settings
from forecourt.dealer import service as dealer
from forecourt.entrypoints import bulk, partner_cli, simulator
from forecourt.entrypoints import capture_writer as capture_writer_module
from forecourt.entrypoints import demo as demo_run
from forecourt.entrypoints.worker import Worker, stopping_on_signals
from forecourt.kernel.errors import DomainError
from forecourt.kernel.principal import Role
from forecourt.lead import assignment as lead_assignment
from forecourt.lead.files import count_rows
from forecourt.market import service as market

app = typer.Typer(help="Forecourt: the customer platform of a car brand.", no_args_is_help=True)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
users_app = typer.Typer(help="Users and API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(users_app, name="users")
leads_app = typer.Typer(help="Leads.", no_args_is_help=True)
customers_app = typer.Typer(help="Customers and identity resolution.", no_args_is_help=True)
app.add_typer(leads_app, name="leads")
app.add_typer(customers_app, name="customers")
simulate_app = typer.Typer(help="Simulated traffic for demos and load.", no_args_is_help=True)
app.add_typer(simulate_app, name="simulate")
app.add_typer(partner_cli.app, name="partners")
console = Console()


# Exit codes, one per kind of domain error, so scripts can tell them apart.
EXIT_CODES = {"NotFound": 3, "Conflict": 4, "InvalidInput": 5, "Unauthenticated": 6, "Forbidden": 7}


def _container() -> Container:
    return bootstrap(Settings())


@db_app.command("upgrade")
def db_upgrade(revision: str = "head") -> None:
    """Create or upgrade the schema (SQLite or PostgreSQL) to REVISION."""
    url = Settings().database_url
    migrations.upgrade(url, revision)
    console.print(f"schema at [bold]{migrations.current(url)}[/] on {_redacted(url)}")


@db_app.command("downgrade")
def db_downgrade(revision: str) -> None:
    """Take the schema back to REVISION ("base" drops every table)."""
    migrations.downgrade(Settings().database_url, revision)
    console.print(f"schema at {migrations.current(Settings().database_url)}")


@db_app.command("current")
def db_current() -> None:
    """Print the schema revision the database is at."""
    console.print(migrations.current(Settings().database_url) or "empty")


@app.command()
def seed() -> None:
    """Load the reference data (markets, dealer network, catalogue) and the demo users; idempotent."""
    container = _container()
    counts = {
        "markets": market.seed_reference_data(container.uow()),
        "dealers": dealer.seed_reference_data(container.uow()),
        "catalogue items": catalog.seed_reference_data(container.uow()),
        "campaigns": campaign.seed_reference_data(container.uow()),
        "demo users": len(demo_users.seed_demo_users(container.uow())),
    }
    console.print(", ".join(f"{n} {what}" for what, n in counts.items()) + " loaded")


@users_app.command("create")
def users_create(
    email: str,
    role: Role,
    password: Annotated[str, typer.Option(prompt=True, hide_input=True)],
    name: str = "",
    market: Annotated[list[str] | None, typer.Option(help="Market code (repeat)")] = None,
    dealer_code: str | None = None,
) -> None:
    """Create a user with a role and its scope (markets or one dealer)."""
    user = auth.create_user(
        _container().uow(),
        email=email,
        name=name or email,
        role=role,
        password=password,
        market_codes=market or [],
        dealer_code=dealer_code,
    )
    console.print(f"user {user.email} ({user.role}) created: {user.id}")


@users_app.command("token")
def users_token(email: str, name: str = "cli") -> None:
    """Issue an API token for EMAIL; it is shown once and stored only as a hash."""
    issued = auth.issue_token_for(_container().uow(), email=email, name=name)
    console.print(issued.token)


@leads_app.command("route")
def leads_route(
    pending: Annotated[
        bool, typer.Option("--pending", help="Route every lead stored without routing")
    ] = False,
    limit: Annotated[int, typer.Option(min=1, help="At most this many leads")] = 1_000_000,
) -> None:
    """Score and route leads stored without routing (status "new"), e.g. after a bulk import."""
    if not pending:
        raise typer.BadParameter("say which leads: --pending", param_hint="--pending")
    routed = lead_assignment.route_pending(_container().uow(), limit=limit)
    console.print(f"{routed:,} leads routed")


@leads_app.command("train-score")
def leads_train_score() -> None:
    """Learn the lead score from won and lost leads and store it as the version in use."""
    console.print_json(data=lead_assignment.train_score(_container().uow()))


@leads_app.command("import")
def leads_import(
    path: Annotated[
        Path, typer.Argument(exists=True, dir_okay=False, help="CSV, XLSX, JSONL or ADF XML")
    ],
    channel: Annotated[str | None, typer.Option(help="Channel for rows that name none")] = None,
    report: Annotated[
        Path | None, typer.Option(help="Write every rejected row to this CSV")
    ] = None,
    in_bulk: Annotated[
        bool | None,
        typer.Option(
            "--bulk/--one-by-one",
            help=f"Bulk: all cores, one transaction (default from {bulk.AUTO_BULK_ROWS:,} rows)",
        ),
    ] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="Processes for --bulk")] = None,
) -> None:
    """Import leads from a file: every valid row is captured, every rejected row reported."""
    rows = count_rows(path)  # once: the choice and the progress bars both need it
    if bulk.wants_bulk(rows, in_bulk):
        summary = bulk.import_leads_bulk(
            _container(),
            path,
            default_channel=channel,
            report=report,
            console=console,
            rows=rows,
            workers=workers,
        )
    else:
        summary = bulk.import_leads(
            _container(), path, default_channel=channel, report=report, console=console, rows=rows
        )
    console.print(summary.describe())
    if summary.rejected:
        raise typer.Exit(code=2)


@customers_app.command("resolve")
def customers_resolve() -> None:
    """Re-cluster every source identity into customers in bulk, as the online path decides;
    what people merged, split or reviewed is kept."""
    console.print(bulk.resolve_customers(_container(), console))


@customers_app.command("xref")
def customers_xref(output: Annotated[Path, typer.Option(help="CSV file to write")]) -> None:
    """Write one row per source record: channel,source_id,customer_id."""
    rows = bulk.write_xref(_container(), output)
    console.print(f"{rows} source records written to {output}")


@customers_app.command("train")
def customers_train() -> None:
    """Estimate the identity-resolution model from the stored identities and make it active."""
    console.print(f"model {bulk.train(_container())} is active")


@app.command()
def serve(
    host: str = "127.0.0.1",
    port: int = 8000,
    workers: int = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request")] = True,
    capture_writer: Annotated[
        bool, typer.Option(help="On SQLite, write captures in a process of their own")
    ] = True,
) -> None:
    """Serve the API and the web console. On a SQLite file, captured leads are written by a
    writer process started beside the server (`entrypoints.capture_writer`)."""
    import uvicorn  # noqa: PLC0415 - only the server needs it

    writer = _start_capture_writer() if capture_writer else None
    if writer is None:  # not one inherited from the environment or .env either
        os.environ["FORECOURT_CAPTURE_WRITER"] = ""
    try:
        uvicorn.run(
            "forecourt.entrypoints.app:app_from_environment",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level="info",
            access_log=access_log,
            # A worker answers the supervisor only once the app is imported; on a busy machine
            # that takes longer than uvicorn's default 5 s, and it would be killed and restarted.
            timeout_worker_healthcheck=60,
        )
    finally:
        if writer is not None:
            stop_process(writer)


def _start_capture_writer() -> subprocess.Popen[bytes] | None:
    """Start the capture writer for a SQLite file and tell the server's processes where it
    listens (through the environment they inherit); None on PostgreSQL, which needs none."""
    database = make_url(Settings().database_url)
    if database.get_backend_name() != "sqlite" or database.database in (None, "", ":memory:"):
        return None
    address = capture_writer_module.socket_address(str(database.database))
    command = [sys.executable, "-m", "forecourt.entrypoints.cli", "capture-writer"]
    with contextlib.suppress(FileNotFoundError):
        os.unlink(address)  # left by a writer that died: the new one is ready when it is back
    # A session of its own: Ctrl-C reaches the server, which drains its requests, and only
    # then is the writer stopped (by `serve`, or when it sees `serve` gone).
    writer = subprocess.Popen([*command, "--socket", address], start_new_session=True)
    if capture_writer_module.wait_until_listening(address, writer, timeout=120):
        os.environ["FORECOURT_CAPTURE_WRITER"] = address
    else:  # the server captures in process, as it would without a writer
        console.print("[yellow]the capture writer did not start: capturing in process[/]")
    return writer


def stop_process(process: subprocess.Popen[bytes]) -> None:
    """Ask a process to end, and kill it if it has not within 30 s."""
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@app.command("capture-writer", hidden=True)
def capture_writer_command(
    socket_path: Annotated[str, typer.Option("--socket", help="Unix socket to listen on")],
) -> None:
    """Write the leads the server's processes capture (started by `serve`); stops on SIGTERM
    or when the process that started it is gone."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    from forecourt.entrypoints.app import warm_up  # noqa: PLC0415 - the web app is not needed

    container = _container()
    warm_up(container)
    gc.freeze()  # as the server does: a full collection need not walk the reference tables
    stop = threading.Event()
    parent = os.getppid()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    threading.Thread(target=_orphaned, args=(parent, stop), daemon=True).start()
    capture_writer_module.run_writer(container, socket_path, stop=stop)


def _orphaned(parent: int, stop: threading.Event) -> None:
    """Set `stop` once the process that started this one has ended."""
    while not stop.wait(1.0):
        if os.getppid() != parent:
            stop.set()


@app.command()
def worker(
    once: Annotated[
        bool, typer.Option("--once", help="Run until nothing is due, then exit (cron, tests)")
    ] = False,
    idle: Annotated[float, typer.Option(help="Seconds to sleep when nothing is due")] = 1.0,
    batch: Annotated[int, typer.Option(min=1, max=1000, help="Timers per pass")] = 20,
) -> None:
    """Fire due timers (response clocks, retries) and run the periodic jobs until stopped.
    On PostgreSQL start as many as you like; on SQLite run one."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    loop = Worker(_container(), batch=batch, idle_s=idle)
    with stopping_on_signals(loop):
        kinds = ", ".join(loop.container.timers.kinds())
        console.print(f"worker started: timers {kinds}; {len(loop.jobs)} periodic jobs")
        done = loop.drain() if once else loop.run()
    console.print(f"worker stopped: {done} done")


@app.command()
def demo(
    host: str = "127.0.0.1",
    port: int = 8000,
    rate: Annotated[float, typer.Option(help="Simulated leads per second (0: none)")] = 2.0,
) -> None:
    """Migrate, seed, print the URL and a demo sign-in, then serve, with a timer worker and the
    lead simulator sending leads to the server."""
    db_upgrade()
    seed()
    console.rule("Forecourt demo")
    console.print(f"open  http://{host}:{port}/   (API docs: http://{host}:{port}/api/docs)")
    for credential in demo_users.demo_credentials():
        console.print(f"sign in as {credential.email} / {credential.password}  ({credential.role})")
    container = _container()
    loop = demo_run.start_worker(container)
    stop = threading.Event()
    if rate > 0:
        base = f"http://{host}:{port}"
        stop = demo_run.start_simulator(container, base_url=base, rate=rate, console=console)
    try:
        serve(host=host, port=port)
    finally:
        stop.set()
        loop.stop.set()


@simulate_app.command("leads")
def simulate_leads(
    rate: Annotated[float, typer.Option(min=0.01, help="Leads per second")] = 5.0,
    count: Annotated[
        int | None, typer.Option(help="Stop after this many (default: run on)")
    ] = None,
    url: Annotated[str, typer.Option(help="The Forecourt to send to")] = "http://127.0.0.1:8000",
    token: Annotated[
        str | None,
        typer.Option(help="API token (default: the simulator user's, from the database)"),
    ] = None,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed sends the same people")] = 7,
) -> None:
    """Send simulated leads over HTTP: a live-broadcast show across China, web and dealer
    enquiries in Europe, and returning customers under another spelling."""
    token = token or simulator.simulator_token(_container())
    with contextlib.suppress(KeyboardInterrupt):
        simulator.run(url=url, token=token, rate=rate, count=count, console=console, seed=seed)


def _redacted(url: str) -> str:
    from sqlalchemy.engine import make_url  # noqa: PLC0415

    return make_url(url).render_as_string(hide_password=True)


def main() -> None:
    """Run the CLI, turning domain errors into a message and an exit code."""
    try:
        app()
    except DomainError as exc:
        Console(stderr=True).print(f"[red]error:[/] {exc.message} {exc.details or ''}")
        sys.exit(EXIT_CODES.get(type(exc).__name__, 1))


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    main()
