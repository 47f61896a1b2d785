"""What HR reads: the breach log, the monthly allowance cuts, exports and the ledger's verdict."""

from __future__ import annotations

import csv
import io
import json
import re
import tempfile
import zipfile
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any, Protocol

from openpyxl import Workbook

from sla.allowance import Cut, Performance, Policy, compute_cut, policy_from_spec
from sla.appeals import DEFAULT_WINDOW_DAYS
from sla.clocks import holder_at
from sla.ledger import Verdict, verify
from states.errors import InvalidInput, NotFound, PermissionDenied
from states.model import Role
from tanggap import commands as c
from tanggap import wita
from tanggap.context import Context
from tanggap.db import AllowancePolicyRow, BreachRow, FulfilmentRow, WaiverRow
from tanggap.display import METRIC_NAMES
from tanggap.enforcement.repository import SqlAlchemySlaRepository
from tanggap.payroll.repository import SqlAlchemyPayrollRepository
from tanggap.payroll.standings import OfficerAppeals, officer_appeals
from tanggap.reader import AbstractReader
from tanggap.uow import AbstractUnitOfWork
from tanggap.wita import in_wita

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
OPD_METRICS = ("response", "resolution")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in WITA, the city's payroll month."""
    try:
        return wita.month_bounds(month)
    except wita.TimeInputError as err:
        raise InvalidInput(err.field, err.message) from None


@dataclass(frozen=True)
class BreachLine:
    breach_id: int
    report_id: int
    opd: str | None
    officer: str | None
    metric: str
    rule: str
    started_at: datetime
    due_at: datetime
    fulfilled_at: datetime | None
    overdue_hours: float | None
    waived: bool
    waiver_reason: str | None

    # Exports are read by HR in a spreadsheet: Bahasa headers, metric names, WITA wall times.
    HEADER = (
        "No. pelanggaran",
        "No. laporan",
        "OPD",
        "Petugas",
        "Ukuran",
        "Aturan",
        "Mulai (WITA)",
        "Batas waktu (WITA)",
        "Dipenuhi (WITA)",
        "Lewat (jam kerja)",
        "Dibebaskan",
        "Alasan pembebasan",
    )

    def cells(self) -> tuple[Any, ...]:
        rule_id, _v, version = self.rule.partition("v")
        return (
            self.breach_id,
            self.report_id,
            self.opd or "",
            self.officer or "",
            METRIC_NAMES.get(self.metric, self.metric),
            f"{rule_id} versi {version}" if version else self.rule,
            _wita(self.started_at),
            _wita(self.due_at),
            _wita(self.fulfilled_at),
            self.overdue_hours,
            "ya" if self.waived else "tidak",
            self.waiver_reason or "",
        )


def _wita(at: datetime | None) -> datetime | None:
    # Spreadsheets have no zones: cells carry WITA wall time, and the header says so.
    return in_wita(at).replace(tzinfo=None) if at else None


def breach_log(
    reader: AbstractReader,
    month: str,
    opd: str | None = None,
    officer: str | None = None,
    metric: str | None = None,
    waived: bool | None = None,
) -> list[BreachLine]:
    start, end = month_bounds(month)
    with reader as s:
        records = SqlAlchemyPayrollRepository(s).breach_records(start, end, opd, officer, metric)
        lines = [_line(b, f, w) for b, f, w in records]
    return [line for line in lines if waived is None or line.waived is waived]


def month_lines(uow: AbstractUnitOfWork, month: str) -> list[BreachLine]:
    """The whole month's breach log, read in a unit of work the caller already holds."""
    start, end = month_bounds(month)
    return [_line(b, f, w) for b, f, w in uow.payroll.month_records(start, end)]


def _line(breach: BreachRow, fulfilment: FulfilmentRow | None, waiver: WaiverRow | None) -> BreachLine:
    return BreachLine(
        breach.id,
        breach.report_id,
        breach.opd,
        breach.officer,
        breach.metric,
        f"{breach.rule_id}v{breach.rule_version}",
        breach.started_at,
        breach.due_at,
        fulfilment.fulfilled_at if fulfilment else None,
        round(fulfilment.overdue_seconds / 3600, 2) if fulfilment else None,
        waiver is not None,
        waiver.reason if waiver else None,
    )


# A cell starting with one of these is read as a formula by Excel, LibreOffice and Sheets
# (tab and CR too: some importers strip them and see the formula behind).
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def inert_text(value: Any) -> Any:
    """Free text as a CSV cell that no spreadsheet runs: a leading ' marks it as text (OWASP)."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def write_csv(lines: Iterable[BreachLine], stream: IO[str]) -> None:
    out = csv.writer(stream)
    out.writerow(BreachLine.HEADER)
    for line in lines:
        out.writerow(
            [
                "" if v is None else v.isoformat(sep=" ", timespec="minutes") if isinstance(v, datetime)
                else inert_text(v)
                for v in line.cells()
            ]
        )


DATE_COLUMNS = ("G", "H", "I")
DATE_WIDTH = 17  # "dd-mm-yyyy hh:mm" with room: narrower, Excel shows ####
MAX_WIDTH = 60


def write_xlsx(lines: Iterable[BreachLine], path: Path, stamp: datetime | None = None) -> None:
    """The breach log as a workbook; with `stamp`, the workbook says it was made then (not now)."""
    book = Workbook()
    if stamp is not None:
        book.properties.created = book.properties.modified = stamp.astimezone(UTC).replace(tzinfo=None)
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pelanggaran SLA"
    sheet.append(BreachLine.HEADER)
    for line in lines:
        sheet.append(line.cells())
        _text_stays_text(sheet[sheet.max_row])
    for column in DATE_COLUMNS:
        for cell in sheet[column][1:]:
            cell.number_format = "dd-mm-yyyy hh:mm"
    _fit_columns(sheet)
    sheet.freeze_panes = "A2"
    book.save(path)


EXPORT_FORMATS = ("csv", "xlsx")


def export_name(month: str, fmt: str) -> str:
    """The one file name of a month's breach export, wherever it is made: pelanggaran-sla-2026-10.csv."""
    return f"pelanggaran-sla-{month}.{fmt}"


def export_breaches(lines: Iterable[BreachLine], fmt: str, stamp: datetime | None = None) -> bytes:
    """A month's breach log as the file HR opens: CSV in UTF-8 with a byte-order mark (so Excel
    reads the Bahasa text right) or an XLSX workbook. The web download, `tanggap breaches export`,
    the month-end flow and a month's close all write these bytes. With `stamp` the workbook is
    dated then and its zip entries fixed, so writing it again gives the same bytes."""
    if fmt == "csv":
        text = io.StringIO(newline="")
        write_csv(lines, text)
        return text.getvalue().encode("utf-8-sig")
    if fmt == "xlsx":
        with tempfile.TemporaryDirectory() as folder:
            path = Path(folder) / "export.xlsx"
            write_xlsx(lines, path, stamp)
            return path.read_bytes() if stamp is None else reproducible_zip(path.read_bytes())
    raise InvalidInput("format", f"{fmt!r} is not one of {', '.join(EXPORT_FORMATS)}")


CORE_PROPERTIES = "docProps/core.xml"
CREATED = re.compile(rb"<dcterms:created[^>]*>([^<]*)<")
MODIFIED = re.compile(rb"(<dcterms:modified[^>]*>)[^<]*(<)")


def reproducible_zip(data: bytes) -> bytes:
    """The same workbook with every entry dated 1980-01-01 and "modified" set to "created": written
    twice, it is then the same bytes (openpyxl stamps the saving time into both otherwise)."""
    source, out = zipfile.ZipFile(io.BytesIO(data)), io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            fixed = zipfile.ZipInfo(entry.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            content = source.read(entry.filename)
            target.writestr(fixed, _modified_as_created(content) if entry.filename == CORE_PROPERTIES else content)
    return out.getvalue()


def _modified_as_created(xml: bytes) -> bytes:
    created = CREATED.search(xml)
    return MODIFIED.sub(lambda m: m[1] + created[1] + m[2], xml) if created else xml


def _text_stays_text(row: Any) -> None:
    """openpyxl stores a string starting with '=' as a formula; free text (a waiver reason) must
    stay a plain string cell whatever it starts with."""
    for cell in row:
        if isinstance(cell.value, str) and cell.value.startswith("="):
            cell.data_type = "s"


def _fit_columns(sheet: Any) -> None:
    """Each column as wide as its longest text (headers included), dates as wide as a date."""
    for column in sheet.columns:
        letter = column[0].column_letter
        longest = max(len(str(cell.value)) for cell in column if cell.value is not None)
        width = DATE_WIDTH if letter in DATE_COLUMNS else longest
        sheet.column_dimensions[letter].width = min(max(width, len(str(column[0].value))) + 2, MAX_WIDTH)


@dataclass(frozen=True)
class AllowanceReport:
    month: str
    policy: dict[str, Any]
    officers: list[Cut]
    opds: list[Cut]
    # Per officer, the month's breaches by where they stand: open to objection, under objection,
    # waived, or final. Only a month with none open or under objection can be closed.
    appeals: list[OfficerAppeals] = field(default_factory=list)


def allowance(uow: AbstractUnitOfWork, month: str, now: datetime | None = None,
              window_days: int = DEFAULT_WINDOW_DAYS) -> AllowanceReport:
    """Each officer's and each OPD's cut, with the unwaived breaches that justify it. `now` decides
    which objection windows are still open; without it, every window counts as ended."""
    with uow:
        return allowance_in(uow, month, now, window_days)


def allowance_in(uow: AbstractUnitOfWork, month: str, now: datetime | None,
                 window_days: int = DEFAULT_WINDOW_DAYS) -> AllowanceReport:
    """`allowance` in a unit of work the caller holds (closing a month reads it in its own)."""
    start, end = month_bounds(month)
    chosen = policy_row(uow, month)
    policy = policy_from_spec(chosen.spec)
    breaches = _unwaived(uow, start, end)
    met = met_on_time(uow, start, end)
    return AllowanceReport(
        month,
        chosen.spec,
        cuts(policy, breaches, met, by_officer=True),
        cuts(policy, breaches, met, by_officer=False),
        officer_appeals(uow, start, end, now, window_days),
    )


def allowance_json(report: AllowanceReport) -> bytes:
    """The allowance as the command line prints it and a closed month keeps it: one byte string
    per report (sorted keys), so a rerun can be compared byte for byte."""
    text = json.dumps(asdict(report), indent=2, ensure_ascii=False, sort_keys=True, default=str)
    return (text + "\n").encode()


def policy_row(uow: AbstractUnitOfWork, month: str) -> AllowancePolicyRow:
    row = uow.payroll.policy_for(month)
    if row is None:
        raise NotFound("allowance policy for", month)
    return row


def _unwaived(uow: AbstractUnitOfWork, start: datetime, end: datetime) -> list[BreachRow]:
    return uow.payroll.unwaived_breaches(start, end, OPD_METRICS)


def met_on_time(uow: AbstractUnitOfWork, start: datetime, end: datetime) -> list[tuple[str | None, str]]:
    """(officer, OPD) for each OPD clock fulfilled on time this month, credited to whoever held it then."""
    credited = []
    for clock in uow.payroll.fulfilled_on_time(start, end, OPD_METRICS):
        assert clock.stopped_at is not None and clock.opd is not None
        credited.append((holder_at(clock, clock.stopped_at), clock.opd))
    return credited


class Attributed(Protocol):
    """A breach as a cut counts it: recorded (BreachRow) or replayed under a draft rule."""

    @property
    def id(self) -> int: ...
    @property
    def officer(self) -> str | None: ...
    @property
    def opd(self) -> str | None: ...


def cuts(policy: Policy, breaches: Sequence[Attributed], met: list[tuple[str | None, str]],
         by_officer: bool) -> list[Cut]:
    counts: dict[tuple[str, str], int] = defaultdict(int)
    ids: dict[tuple[str, str], list[int]] = defaultdict(list)
    for officer, opd in met:
        counts[(officer or "-", opd) if by_officer else (opd, opd)] += 1
    for breach in breaches:
        opd = breach.opd or "-"
        ids[(breach.officer or "-", opd) if by_officer else (opd, opd)].append(breach.id)
    keys = sorted(set(counts) | set(ids))
    return [compute_cut(policy, Performance(who, opd, counts[(who, opd)], tuple(ids[(who, opd)]))) for who, opd in keys]


def verify_ledger(reader: AbstractReader) -> Verdict:
    with reader as s:
        return verify(SqlAlchemySlaRepository(s).ledger())


def set_allowance_policy(cmd: c.SetAllowancePolicy, ctx: Context) -> None:
    user = ctx.uow.reference.user(cmd.actor)
    if Role(user.role) not in (Role.HR, Role.ADMIN):
        raise PermissionDenied(cmd.actor, "set the allowance policy")
    month_bounds(cmd.effective_month)
    try:
        policy_from_spec(cmd.spec)
    except ValueError as err:
        raise InvalidInput("policy", str(err)) from err
    ctx.uow.payroll.add_policy(
        AllowancePolicyRow(
            spec=dict(cmd.spec), effective_month=cmd.effective_month, created_by=cmd.actor, created_at=ctx.now
        )
    )


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {c.SetAllowancePolicy: set_allowance_policy}
