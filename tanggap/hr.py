"""What HR reads: the breach log, the monthly allowance cuts, exports and the ledger's verdict."""

from __future__ import annotations

import csv
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import IO, Any, Protocol

from openpyxl import Workbook
from sqlalchemy import func, select

from sla.allowance import Cut, Performance, Policy, compute_cut, policy_from_spec
from sla.clocks import holder_at
from sla.ledger import Verdict, verify
from states.errors import InvalidInput, NotFound, PermissionDenied
from states.model import Role
from tanggap import commands as c
from tanggap.context import Context
from tanggap.db import AllowancePolicyRow, BreachRow, ClockRow, FulfilmentRow, WaiverRow
from tanggap.display import METRIC_NAMES, WITA, in_wita
from tanggap.sla_repository import clock_from_row
from tanggap.uow import AbstractUnitOfWork

MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
OPD_METRICS = ("response", "resolution")


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) in WITA, the city's payroll month."""
    found = MONTH.match(month)
    if not found:
        raise InvalidInput("month", f"{month!r} is not a month like 2026-10")
    year, number = int(found[1]), int(found[2])
    start = datetime(year, number, 1, tzinfo=WITA)
    end = datetime(year + number // 12, number % 12 + 1, 1, tzinfo=WITA)
    return start, end


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
    uow: AbstractUnitOfWork,
    month: str,
    opd: str | None = None,
    officer: str | None = None,
    metric: str | None = None,
    waived: bool | None = None,
) -> list[BreachLine]:
    start, end = month_bounds(month)
    query = (
        select(BreachRow, FulfilmentRow, WaiverRow)
        .outerjoin(FulfilmentRow, FulfilmentRow.breach_id == BreachRow.id)
        .outerjoin(WaiverRow, WaiverRow.breach_id == BreachRow.id)
        .where(BreachRow.due_at >= start, BreachRow.due_at < end)
        .order_by(BreachRow.due_at)
    )
    for column, value in ((BreachRow.opd, opd), (BreachRow.officer, officer), (BreachRow.metric, metric)):
        if value is not None:  # as people type them: "dlhk" finds DLHK's breaches
            query = query.where(func.lower(column) == value.strip().lower())
    with uow:
        lines = [_line(b, f, w) for b, f, w in uow.session.execute(query)]
    return [line for line in lines if waived is None or line.waived is waived]


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


def write_csv(lines: Iterable[BreachLine], stream: IO[str]) -> None:
    out = csv.writer(stream)
    out.writerow(BreachLine.HEADER)
    for line in lines:
        out.writerow(
            [
                "" if v is None else v.isoformat(sep=" ", timespec="minutes") if isinstance(v, datetime) else v
                for v in line.cells()
            ]
        )


DATE_COLUMNS = ("G", "H", "I")
DATE_WIDTH = 17  # "dd-mm-yyyy hh:mm" with room: narrower, Excel shows ####
MAX_WIDTH = 60


def write_xlsx(lines: Iterable[BreachLine], path: Path) -> None:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.title = "Pelanggaran SLA"
    sheet.append(BreachLine.HEADER)
    for line in lines:
        sheet.append(line.cells())
    for column in DATE_COLUMNS:
        for cell in sheet[column][1:]:
            cell.number_format = "dd-mm-yyyy hh:mm"
    _fit_columns(sheet)
    sheet.freeze_panes = "A2"
    book.save(path)


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


def allowance(uow: AbstractUnitOfWork, month: str) -> AllowanceReport:
    """Each officer's and each OPD's cut, with the unwaived breaches that justify it."""
    start, end = month_bounds(month)
    with uow:
        chosen = policy_row(uow, month)
        policy = policy_from_spec(chosen.spec)
        breaches = _unwaived(uow, start, end)
        met = met_on_time(uow, start, end)
    return AllowanceReport(
        month,
        chosen.spec,
        cuts(policy, breaches, met, by_officer=True),
        cuts(policy, breaches, met, by_officer=False),
    )


def policy_row(uow: AbstractUnitOfWork, month: str) -> AllowancePolicyRow:
    row = uow.session.scalar(
        select(AllowancePolicyRow)
        .where(AllowancePolicyRow.effective_month <= month)
        .order_by(AllowancePolicyRow.effective_month.desc(), AllowancePolicyRow.id.desc())
    )
    if row is None:
        raise NotFound("allowance policy for", month)
    return row


def _unwaived(uow: AbstractUnitOfWork, start: datetime, end: datetime) -> list[BreachRow]:
    waived = select(WaiverRow.breach_id)
    return list(
        uow.session.scalars(
            select(BreachRow).where(
                BreachRow.due_at >= start,
                BreachRow.due_at < end,
                BreachRow.metric.in_(OPD_METRICS),
                BreachRow.id.not_in(waived),
            )
        )
    )


def met_on_time(uow: AbstractUnitOfWork, start: datetime, end: datetime) -> list[tuple[str | None, str]]:
    """(officer, OPD) for each OPD clock fulfilled on time this month, credited to whoever held it then."""
    rows = uow.session.scalars(
        select(ClockRow).where(
            ClockRow.stopped_at >= start,
            ClockRow.stopped_at < end,
            ClockRow.metric.in_(OPD_METRICS),
            ClockRow.outcome == "fulfilled",
            ClockRow.late.is_(False),
        )
    )
    credited = []
    for row in rows:
        clock = clock_from_row(row)
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


def verify_ledger(uow: AbstractUnitOfWork) -> Verdict:
    with uow:
        return verify(uow.sla.ledger())


def set_allowance_policy(cmd: c.SetAllowancePolicy, ctx: Context) -> None:
    user = ctx.uow.reference.user(cmd.actor)
    if Role(user.role) not in (Role.HR, Role.ADMIN):
        raise PermissionDenied(cmd.actor, "set the allowance policy")
    month_bounds(cmd.effective_month)
    try:
        policy_from_spec(cmd.spec)
    except ValueError as err:
        raise InvalidInput("policy", str(err)) from err
    ctx.uow.session.add(
        AllowancePolicyRow(
            spec=dict(cmd.spec), effective_month=cmd.effective_month, created_by=cmd.actor, created_at=ctx.now
        )
    )


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {c.SetAllowancePolicy: set_allowance_policy}
