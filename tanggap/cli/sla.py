"""`tanggap` commands for supervisors and HR: the sweep, breach exports, allowance cuts, the ledger,
the configuration history."""

from __future__ import annotations

import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from tanggap import commands as c
from tanggap.appeals.months import ALLOWANCE_FILE, stored_files
from tanggap.cli.app import app, main, one_line_errors
from tanggap.config_audit import ConfigSubject, change_view, history
from tanggap.display import wall_time
from tanggap.enforcement.closed_months import closed_month
from tanggap.payroll.replay import period, what_if
from tanggap.payroll.seal import generate_key, read_seal, seal_month, trusted_key, verify_against_seal
from tanggap.payroll.service import allowance as allowance_report
from tanggap.payroll.service import allowance_json, breach_log, export_breaches, export_name, verify_ledger
from tanggap.wita import WITA, parse_time


@main.group()
def sla() -> None:
    """SLA clocks and rules."""


@sla.command("sweep")
@click.option("--now", "at", help="ISO time with zone; default: now")
@one_line_errors
def sla_sweep(at: str | None) -> None:
    """Record every warning and breach that has fallen due."""
    moment = _aware(at) if at else None
    result = app().sweep(now=moment)
    click.echo(f"{result.clocks} clocks swept: {result.warnings} warnings, {result.breaches} breaches recorded")


@sla.command("replay")
@click.option("--month", help="YYYY-MM, a WITA calendar month to replay")
@click.option("--from-month", help="YYYY-MM: replay every month from this one to the current month")
@click.option("--rule-file", type=click.Path(dir_okay=False, path_type=Path),
              help="a draft rule as JSON; without it the rules in force are replayed")
@one_line_errors
def sla_replay(month: str | None, from_month: str | None, rule_file: Path | None) -> None:
    """Replay real history under the rules in force or a draft rule; JSON: breaches added, removed, cuts."""
    if (month is None) == (from_month is None):
        raise ValueError("give either --month or --from-month")
    tanggap = app()
    now = tanggap.clock.now()
    span = period(month) if month else period(from_month or "", now.astimezone(WITA).strftime("%Y-%m"))
    draft = _draft(rule_file) if rule_file else None
    result = what_if(tanggap.uow(), span, now, draft)
    click.echo(json.dumps(result.to_json(), indent=2, ensure_ascii=False))


def _draft(path: Path) -> dict[str, Any]:
    try:
        raw = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ValueError(f"--rule-file: no file at {path}") from None
    except json.JSONDecodeError as err:
        raise ValueError(f"--rule-file: {path} is not valid JSON: {err.msg} at line {err.lineno}") from None
    if not isinstance(raw, dict):
        raise ValueError(f"--rule-file: {path} must hold one JSON object, the draft rule")
    return raw


def _aware(raw: str) -> datetime:
    return parse_time(raw, "--now", naive_is_wita=False)


@main.group()
def breaches() -> None:
    """The breach log HR works from."""


@breaches.command("export")
@click.option("--month", required=True, help="YYYY-MM, a WITA calendar month")
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default="csv", show_default=True)
@click.option("--output", type=click.Path(dir_okay=False, path_type=Path), help="file; CSV defaults to stdout")
@click.option("--opd")
@click.option("--officer")
@click.option("--metric", type=click.Choice(["dispatch", "response", "resolution"]))
@one_line_errors
def breaches_export(
    month: str, fmt: str, output: Path | None, opd: str | None, officer: str | None, metric: str | None
) -> None:
    """Export a month's breaches with their waivers and fulfilments; times in WITA."""
    lines = breach_log(app().reader(), month, opd=opd, officer=officer, metric=metric)
    data = export_breaches(lines, fmt)
    if fmt == "csv" and output is None:
        sys.stdout.buffer.write(data)
        return
    target = output or Path(export_name(month, fmt))
    target.write_bytes(data)
    click.echo(f"{len(lines)} breaches written to {target}")


@main.command("allowance")
@click.option("--month", required=True, help="YYYY-MM, a WITA calendar month")
@click.option("--json", "as_json", is_flag=True, help="print JSON instead of a table")
@one_line_errors
def allowance(month: str, as_json: bool) -> None:
    """Each officer's and OPD's allowance cut for a month, with the breaches behind it and where each
    stands (open to objection, under objection, waived, final). A closed month prints its kept figures."""
    tanggap = app()
    with tanggap.uow() as uow:
        closed, kept = closed_month(uow, month), stored_files(uow, month)
    if as_json and kept:
        sys.stdout.buffer.write(kept[ALLOWANCE_FILE])
        return
    report = allowance_report(tanggap.uow(), month, tanggap.clock.now(), tanggap.policy.objection_window_days)
    if as_json:
        sys.stdout.buffer.write(allowance_json(report))
        return
    click.echo(f"Potongan TPP {month} (kebijakan: {json.dumps(report.policy)})")
    if closed:
        click.echo(f"Bulan ditutup oleh {closed.closed_by} pada {wall_time(closed.closed_at)}: angka final")
    for title, cuts in (("Per pegawai", report.officers), ("Per OPD", report.opds)):
        click.echo(f"\n{title}:")
        for cut in cuts:
            click.echo(
                f"  {cut.who:<22} {cut.opd:<9} {cut.cut_percent:>5g}%  {cut.explanation}"
                f"  pelanggaran: {', '.join(map(str, cut.breach_ids)) or '-'}"
            )
    click.echo("\nKeberatan per pegawai (nomor pelanggaran):")
    for a in report.appeals:
        click.echo(f"  {a.who:<22} {a.opd:<9} masih dapat diajukan: {_ids(a.open)}; diajukan: "
                   f"{_ids(a.under_objection)}; dibebaskan: {_ids(a.waived)}; final: {_ids(a.final)}")


def _ids(ids: tuple[int, ...]) -> str:
    return ", ".join(f"#{i}" for i in ids) or "-"


@main.command("allowance-policy")
@click.argument("spec")
@click.option("--from-month", required=True, help="YYYY-MM the policy applies from")
@click.option("--actor", required=True, help="an HR username")
@one_line_errors
def allowance_policy(spec: str, from_month: str, actor: str) -> None:
    """Set the cut policy, e.g. '{"shape": "per_breach", "percent_per_breach": 2.5, "monthly_cap": 10}'."""
    try:
        parsed = json.loads(spec)
    except json.JSONDecodeError as err:
        raise ValueError(f"policy is not valid JSON: {err.msg}") from None
    app().handle(c.SetAllowancePolicy(actor=actor, spec=parsed, effective_month=from_month))
    click.echo(f"allowance policy set from {from_month}")


@main.group()
def ledger() -> None:
    """The hash chain over breaches, fulfilments and waivers."""


@ledger.command("verify")
@click.option("--seal", "seal_file", type=click.Path(dir_okay=False, path_type=Path),
              help="a month's seal: also fail if any row up to its head was changed, removed or re-chained")
@click.option("--public-key", help="the key filed with the Inspektorat (default: TANGGAP_SEAL_PUBLIC_KEY)")
@one_line_errors
def ledger_verify(seal_file: Path | None, public_key: str | None) -> None:
    """Say whether the chain is intact, or name the first row that was altered."""
    tanggap = app()
    if seal_file is None:
        verdict = verify_ledger(tanggap.reader())
    else:
        settings = tanggap.settings
        found = read_seal(seal_file, trusted_key(public_key, settings.seal_public_key, settings.seal_key))
        click.echo(f"seal of {found.month} ({found.fingerprint}): signature valid, sealed head row {found.head_seq}")
        verdict = verify_against_seal(tanggap.uow(), found)
    click.echo(str(verdict))
    if not verdict.intact:
        sys.exit(1)


@main.group()
def seal() -> None:
    """The signed seal of a closed month, kept outside the database."""


@seal.command("keygen")
@click.option("--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              help="where to write the private key (readable by its owner only)")
@one_line_errors
def seal_keygen(output: Path) -> None:
    """Make HR's signing key; prints the public key to file with the Inspektorat."""
    public = generate_key(output)
    click.echo(f"private key written to {output} (mode 0600); set TANGGAP_SEAL_KEY={output}")
    click.echo(f"public key: {public}")


@seal.command("write")
@click.option("--month", required=True, help="YYYY-MM, a WITA calendar month")
@one_line_errors
def seal_write(month: str) -> None:
    """Sign the month's ledger head and totals with TANGGAP_SEAL_KEY, beside the month's exports."""
    tanggap = app()
    folder = tanggap.settings.data_dir / "exports" / month
    sealed = seal_month(tanggap.uow(), month, tanggap.settings.seal_key, folder, tanggap.clock.now())
    click.echo(f"seal written to {sealed.path}")
    click.echo(f"fingerprint: {sealed.fingerprint} (ledger head row {sealed.head_seq})")


@main.group()
def config() -> None:
    """The configuration audit trail: routing and working calendar changes."""


@config.command("history")
@click.option("--kind", help=f"one of: {', '.join(ConfigSubject)}")
@click.option("--key", help="a category code or calendar name")
@one_line_errors
def config_history(kind: str | None, key: str | None) -> None:
    """Print every recorded change, oldest first, as JSON lines (times in WITA)."""
    if key is not None and not key.strip():
        raise ValueError("--key must not be empty")
    for change in history(app().reader(), _subject(kind), key):
        click.echo(json.dumps(change_view(change), ensure_ascii=False))


def _subject(raw: str | None) -> ConfigSubject | None:
    if raw is None:
        return None
    try:
        return ConfigSubject(raw)
    except ValueError:
        raise ValueError(f"--kind {raw!r} is not one of: {', '.join(ConfigSubject)}") from None
