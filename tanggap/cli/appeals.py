"""`tanggap objection ...` and `tanggap month close`: the appeals process for scripts (the web pages
are the main way in)."""

from __future__ import annotations

from pathlib import Path

import click

from sla.appeals import ObjectionReason
from tanggap.appeals.commands import CloseMonth, DecideObjection, EvidenceFile, FileObjection
from tanggap.appeals.months import ClosedMonth, seal_closed
from tanggap.cli.app import app, main, one_line_errors
from tanggap.display import wall_time


@main.group()
def objection() -> None:
    """Objections (keberatan) to breaches."""


@objection.command("file")
@click.argument("breach_id", type=int)
@click.option("--actor", required=True, help="the breach's officer, or their OPD head")
@click.option("--reason", required=True, type=click.Choice([r.value for r in ObjectionReason]))
@click.option("--text", required=True, help="what happened")
@click.option("--evidence", multiple=True, type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="a photo or PDF; repeat for more")
@one_line_errors
def objection_file(breach_id: int, actor: str, reason: str, text: str, evidence: tuple[Path, ...]) -> None:
    """Object to a breach within the objection window."""
    files = tuple(EvidenceFile(path.name, path.read_bytes()) for path in evidence)
    objection_id = app().handle(FileObjection(breach_id, actor, reason, text, files))
    click.echo(f"objection #{objection_id} filed against breach #{breach_id}; the supervisors are notified")


@objection.command("decide")
@click.argument("objection_id", type=int)
@click.option("--actor", required=True, help="a supervisor's username")
@click.option("--accept/--refuse", default=None, help="accept (the breach is waived) or refuse")
@click.option("--reason", required=True, help="the written reason for the decision")
@one_line_errors
def objection_decide(objection_id: int, actor: str, accept: bool | None, reason: str) -> None:
    """Accept (waive the breach) or refuse an objection, with a reason."""
    if accept is None:
        raise ValueError("say --accept or --refuse")
    app().handle(DecideObjection(objection_id, actor, accept, reason))
    click.echo(f"objection #{objection_id} {'accepted: the breach is waived' if accept else 'refused'}")


@main.group()
def month() -> None:
    """Payroll months."""


@month.command("close")
@click.argument("month_name", metavar="MONTH")
@click.option("--actor", required=True, help="an HR username")
@one_line_errors
def month_close(month_name: str, actor: str) -> None:
    """Close a month: its allowance becomes final and its files are kept as they are now."""
    tanggap = app()
    closed: ClosedMonth = tanggap.handle(CloseMonth(month_name, actor, tanggap.settings.data_dir / "exports"))
    click.echo(f"{closed.month} closed by {closed.closed_by} on {wall_time(closed.closed_at, 'en')}")
    for name, sha in closed.files.items():
        click.echo(f"  {closed.folder / name if closed.folder else name}  sha256 {sha}")
    sealed = seal_closed(tanggap.uow(), closed, tanggap.settings.seal_key, tanggap.clock.now())
    if sealed is None:
        click.echo("not sealed: TANGGAP_SEAL_KEY is not set; once it is, run "
                   f"`tanggap seal write --month {closed.month}`")
    else:
        click.echo(f"sealed: {sealed.path}  fingerprint {sealed.fingerprint}")
