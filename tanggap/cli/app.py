"""The `tanggap` command line. Each command parses input and calls the service layer."""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from functools import wraps
from typing import Any, ParamSpec, TypeVar

import click

from states.errors import DomainError
from states.model import Trigger
from tanggap import commands as c
from tanggap.bootstrap import Tanggap, bootstrap
from tanggap.demo.seed import seed_demo as seed
from tanggap.intake import IssueApiKey, RevokeApiKey
from tanggap.migrate import prepare_prefect_database, upgrade
from tanggap.reports.views import report_detail
from tanggap.staff import handlers as staff

P = ParamSpec("P")
R = TypeVar("R")


def one_line_errors(fn: Callable[P, R]) -> Callable[P, R]:
    """Bad input ends the command with one line naming the problem, and a non-zero status."""

    @wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return fn(*args, **kwargs)
        except (DomainError, ValueError) as err:
            click.echo(f"error: {err}", err=True)
            sys.exit(1)

    return wrapper


def app() -> Tanggap:
    ctx = click.get_current_context()
    if ctx.obj is None:
        ctx.obj = bootstrap(pause_collector=True)  # `serve` turns it off for its web threads
    tanggap: Tanggap = ctx.obj
    return tanggap


@click.group()
def main() -> None:
    """Tanggap: citizens' reports, routed to the right OPD and answered on time."""


@main.group()
def db() -> None:
    """Database schema."""


@db.command("upgrade")
@one_line_errors
def db_upgrade() -> None:
    """Apply all migrations."""
    tanggap = app()
    upgrade(tanggap.engine)
    click.echo("database is up to date")
    prepare_prefect_database(tanggap.settings.data_dir / "prefect")
    click.echo("Prefect's database is up to date")


@main.command("seed-demo")
@click.option("--reports", default=300, show_default=True, help="historical reports to create")
@one_line_errors
def seed_demo(reports: int) -> None:
    """Load the Kota Kupang demo data. Running it again changes nothing."""
    seed(app(), reports=reports, echo=click.echo)


@main.group()
def report() -> None:
    """Submit, inspect and advance reports."""


@report.command("submit")
@click.option("--description", required=True)
@click.option("--category")
@click.option("--lat", type=float)
@click.option("--long", "lon", type=float)
@click.option("--address")
@click.option("--actor", default="citizen", show_default=True)
@one_line_errors
def report_submit(
    description: str, category: str | None, lat: float | None, lon: float | None, address: str | None, actor: str
) -> None:
    """Submit a report; prints its id."""
    cmd = c.SubmitReport(
        description=description, category=category, lat=lat, lon=lon, address=address, source="cli", actor=actor
    )
    click.echo(app().handle(cmd))


@report.command("show")
@click.argument("report_id", type=int)
@one_line_errors
def report_show(report_id: int) -> None:
    """Print a report and its history as JSON."""
    click.echo(json.dumps(report_detail(app().reader(), report_id), indent=2, ensure_ascii=False))


ADVANCE: dict[Trigger, type[c.ReportCommand]] = {
    Trigger.CLASSIFY: c.ClassifyReport,
    Trigger.ASSIGN: c.AssignReport,
    Trigger.REASSIGN: c.ReassignReport,
    Trigger.RETURN: c.ReturnReport,
    Trigger.RESPOND: c.RespondReport,
    Trigger.CLOSE: c.CloseReport,
    Trigger.REJECT: c.RejectReport,
    Trigger.REOPEN: c.ReopenReport,
}


@report.command("advance")
@click.argument("report_id", type=int)
@click.argument("trigger", type=click.Choice([t.value for t in Trigger]))
@click.option("--actor", required=True, help="username, or citizen / system")
@click.option("--category")
@click.option("--confidence", type=float)
@click.option("--opd")
@click.option("--officer")
@click.option("--reason")
@click.option("--response")
@click.option("--proof-photo")
@click.option("--kind", type=click.Choice(["spam", "duplicate", "outside_authority"]))
@click.option("--duplicate-of", type=int)
@click.option("--note")
@click.option("--expected-version", type=int)
@one_line_errors
def report_advance(report_id: int, trigger: str, **options: Any) -> None:
    """Fire TRIGGER on a report, e.g. `advance 7 assign --actor dispatch.yuliana --opd PUPR`."""
    command_type = ADVANCE[Trigger(trigger)]
    accepted = command_type.__dataclass_fields__
    given = {k: v for k, v in options.items() if v is not None}
    unused = sorted(k for k in given if k not in accepted)
    if unused:
        raise ValueError(f"'{trigger}' does not take --{unused[0].replace('_', '-')}")
    app().handle(command_type(report_id=report_id, **given))
    click.echo(json.dumps(report_detail(app().reader(), report_id)["state"]))


@main.group()
def user() -> None:
    """Staff accounts."""


@user.command("create")
@click.argument("username")
@click.option("--role", required=True)
@click.option("--opd")
@click.option("--password")
@click.option("--full-name", default="")
@one_line_errors
def user_create(username: str, role: str, opd: str | None, password: str | None, full_name: str) -> None:
    """Create a staff account; prints the password once when it was generated."""
    cmd = c.CreateUser(username=username, role=role, opd=opd, password=password, full_name=full_name)
    generated = app().handle(cmd)
    click.echo(f"created {username}" + ("" if password else f" with password {generated}"))


@user.command("password")
@click.argument("username")
@click.option("--actor", required=True, help="an admin, or the account itself")
@click.password_option(help="the new password (asked twice when not given)")
@one_line_errors
def user_password(username: str, actor: str, password: str) -> None:
    """Set a new password; every open session of the account ends."""
    app().handle(staff.ChangePassword(actor, username, password))
    click.echo(f"password of {username} changed; its sessions ended")


@user.command("deactivate")
@click.argument("username")
@click.option("--actor", required=True, help="an admin")
@one_line_errors
def user_deactivate(username: str, actor: str) -> None:
    """Close an account: it can no longer sign in and its open sessions end at once."""
    app().handle(staff.DeactivateUser(actor, username))
    click.echo(f"{username} deactivated; its sessions ended")


@main.group("api-key")
def api_key() -> None:
    """Keys of the client apps that file reports through Open311."""


@api_key.command("create")
@click.argument("name")
@one_line_errors
def api_key_create(name: str) -> None:
    """Issue a key for the app NAME and print it. Only its hash is kept: this is the one chance to copy it."""
    click.echo(app().handle(IssueApiKey(name)))


@api_key.command("revoke")
@click.argument("name")
@one_line_errors
def api_key_revoke(name: str) -> None:
    """Revoke the active key of the app NAME; its requests are refused from now on."""
    app().handle(RevokeApiKey(name))
    click.echo(f"revoked the key of {name}")
