"""Long-running CLI jobs with progress bars: lead imports (row by row or in bulk), bulk
re-clustering of customers, the cross-reference export, training."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeRemainingColumn,
)

from forecourt.bootstrap import Container
from forecourt.customer import curation
from forecourt.lead import bulk as leads_bulk
from forecourt.lead import service as leads
from forecourt.lead.files import read_leads
from forecourt.lead.incoming import RowError


@dataclass
class ImportSummary:
    """What an import did: how many rows were captured, replayed and refused."""

    created: int = 0
    replayed: int = 0
    rejected: list[RowError] = field(default_factory=list)

    def describe(self) -> str:
        return f"{self.created} leads created, {self.replayed} already known, {len(self.rejected)} rows rejected"


def import_leads(
    container: Container,
    path: Path,
    *,
    default_channel: str | None,
    report: Path | None,
    console: Console,
    rows: int | None,
) -> ImportSummary:
    """Capture every lead of a file (`rows` of them, if counted), one transaction each; report
    each rejected row."""
    summary = ImportSummary()
    with _progress(console) as progress:
        task = progress.add_task(f"importing {path.name}", total=rows)
        for outcome in leads.capture_batch(
            container.uow(), items=read_leads(path, default_channel=default_channel)
        ):
            _count(summary, outcome)
            progress.advance(task)
    _report_rejected(summary, report, console)
    return summary


AUTO_BULK_ROWS = 20_000
"""From this many rows (counted in CSV and JSON Lines files) an import runs in bulk unless told
otherwise: below it, the row-by-row import finishes in seconds anyway and routes each lead as it
goes."""


def wants_bulk(rows: int | None, requested: bool | None) -> bool:
    """Whether to import in bulk: as requested, else by the file's counted rows."""
    if requested is not None:
        return requested
    return rows is not None and rows >= AUTO_BULK_ROWS


def import_leads_bulk(
    container: Container,
    path: Path,
    *,
    default_channel: str | None,
    report: Path | None,
    console: Console,
    rows: int | None,
    workers: int | None = None,
) -> ImportSummary:
    """Import a file in bulk (`lead.bulk`): normalise on every core, resolve and store in one
    transaction; report each rejected row as the row-by-row import does."""
    with _progress(console) as progress:
        tasks: dict[str, TaskID] = {}

        def advance(phase: str, done: int, known: int | None) -> None:
            if phase not in tasks:
                tasks[phase] = progress.add_task(phase, total=known or rows)
            progress.update(tasks[phase], completed=done)

        result = leads_bulk.import_file(
            container.uow(),
            path=path,
            default_channel=default_channel,
            workers=workers,
            progress=advance,
        )
    summary = ImportSummary(
        created=result.created, replayed=result.replayed, rejected=result.rejected
    )
    _report_rejected(summary, report, console)
    return summary


def resolve_customers(container: Container, console: Console) -> str:
    """Re-cluster every source identity into customers in bulk; returns a one-line summary."""
    with _progress(console) as progress:
        task = progress.add_task("resolving", total=None)

        def advance(_phase: str, done: int, total: int | None) -> None:
            progress.update(task, completed=done, total=total)

        result = leads_bulk.recluster(container.uow(), progress=advance)
    return (
        f"{result.identities} identities in {result.customers} customers; "
        f"{len(result.moved)} moved, {result.kept_by_people} kept as people decided, "
        f"{result.open_reviews} new reviews"
    )


def _report_rejected(summary: ImportSummary, report: Path | None, console: Console) -> None:
    for error in summary.rejected:
        console.print(f"[yellow]line {error.line}[/] {error.field or ''}: {error.reason}")
    if report is not None:
        _write_report(report, summary.rejected)


def _count(summary: ImportSummary, outcome: object) -> None:
    if isinstance(outcome, RowError):
        summary.rejected.append(outcome)
    elif getattr(outcome, "created", False):
        summary.created += 1
    else:
        summary.replayed += 1


def _progress(console: Console) -> Progress:
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=console,
    )


def _write_report(path: Path, rejected: list[RowError]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=["line", "field", "reason", "source_id"])
        writer.writeheader()
        writer.writerows(error.as_dict() for error in rejected)


def write_xref(container: Container, output: Path) -> int:
    """Write channel,source_id,customer_id for every source record; returns the row count."""
    rows = 0
    with output.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle)
        writer.writerow(["channel", "source_id", "customer_id"])
        for channel, source_id, customer_id in curation.xref(container.uow()):
            writer.writerow([channel, source_id or "", customer_id])
            rows += 1
    return rows


def train(container: Container) -> str:
    """Train and activate a new identity model; returns its version."""
    return curation.train_model(container.uow())
