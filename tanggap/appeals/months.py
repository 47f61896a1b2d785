"""Closing a payroll month: refused while anything in it can still change, then final for good."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sla.appeals import Standing
from states.errors import PermissionDenied
from states.model import Role
from tanggap.access import staff_user
from tanggap.appeals.commands import CloseMonth
from tanggap.appeals.errors import Blockers, MonthNotClosable
from tanggap.context import Context
from tanggap.db import ClosedMonthFileRow, ClosedMonthRow
from tanggap.enforcement.closed_months import MonthClosed, closed_month
from tanggap.payroll.seal import Sealed, seal_month
from tanggap.payroll.service import (
    EXPORT_FORMATS,
    allowance_in,
    allowance_json,
    export_breaches,
    export_name,
    month_bounds,
    month_lines,
)
from tanggap.payroll.standings import breach_standings
from tanggap.uow import AbstractUnitOfWork

CLOSERS = frozenset({Role.HR, Role.ADMIN})
ALLOWANCE_FILE = "allowance.json"


@dataclass(frozen=True)
class ClosedMonth:
    month: str
    closed_by: str
    closed_at: datetime
    files: dict[str, str]  # name -> sha256
    folder: Path | None = None


def blockers(uow: AbstractUnitOfWork, month: str, now: datetime, window_days: int) -> Blockers:
    start, end = month_bounds(month)
    standings = breach_standings(uow, start, end, now, window_days)
    pending = tuple((s.pending_objection, s.breach_id) for s in standings if s.pending_objection is not None)
    still_open = [s for s in standings if s.standing is Standing.OPEN]
    return Blockers(end if now < end else None, pending, tuple(s.breach_id for s in still_open),
                    max((s.window_ends_at for s in still_open), default=None))


@dataclass(frozen=True)
class MonthClosing:
    """What HR's allowance page says about closing the month."""

    month: str
    closed_by: str | None
    closed_at: datetime | None
    files: tuple[str, ...]
    blockers: Blockers | None


def month_closing(uow: AbstractUnitOfWork, month: str, now: datetime, window_days: int) -> MonthClosing:
    month_bounds(month)
    with uow:
        row = closed_month(uow, month)
        if row is not None:
            names = uow.appeals.closed_file_names(month)
            return MonthClosing(month, row.closed_by, row.closed_at, tuple(names), None)
        return MonthClosing(month, None, None, (), blockers(uow, month, now, window_days))


def seal_closed(uow: AbstractUnitOfWork, closed: ClosedMonth, key_path: Path | None, now: datetime) -> Sealed | None:
    """Once the close has committed: sign the ledger's head and the month's totals with HR's key
    (TANGGAP_SEAL_KEY) and write the seal beside the month's files. None when no key is set on
    this machine: the month stays closed, and `tanggap seal write --month M` seals it later."""
    if key_path is None or closed.folder is None:
        return None
    return seal_month(uow, closed.month, key_path, closed.folder, now)


def close_month(cmd: CloseMonth, ctx: Context) -> ClosedMonth:
    """Refused, naming what, while the month has not ended, an objection waits or a window runs;
    then the month's files are computed once, kept in the database and written beside the exports."""
    uow = ctx.uow
    user = staff_user(uow, cmd.actor)
    if user.role not in CLOSERS:
        raise PermissionDenied(cmd.actor, "close a month")
    month_bounds(cmd.month)
    uow.sla.lock_head()  # no objection or decision slips in between the checks and the close
    done = closed_month(uow, cmd.month)
    if done is not None:
        raise MonthClosed(done.month, done.closed_by, done.closed_at)
    found = blockers(uow, cmd.month, ctx.now, ctx.policy.objection_window_days)
    if found:
        raise MonthNotClosable(cmd.month, found)
    files = month_files(uow, cmd.month, ctx.now, ctx.policy.objection_window_days)
    uow.appeals.add_closed_month(ClosedMonthRow(month=cmd.month, closed_by=user.username, closed_at=ctx.now),
                                 (ClosedMonthFileRow(month=cmd.month, name=name, sha256=_sha(data), data=data)
                                  for name, data in files.items()))
    folder = write_files(cmd.export_dir / cmd.month, files) if cmd.export_dir else None
    # The seal is made once this transaction has committed (seal_closed): it signs the ledger's
    # head as others will read it.
    return ClosedMonth(cmd.month, user.username, ctx.now, {n: _sha(d) for n, d in files.items()}, folder)


def month_files(uow: AbstractUnitOfWork, month: str, now: datetime, window_days: int) -> dict[str, bytes]:
    """The month's allowance (JSON, as `tanggap allowance --json` prints it) and breach log (CSV, XLSX)."""
    lines = month_lines(uow, month)
    report = allowance_in(uow, month, now, window_days)
    stamp = month_bounds(month)[1]
    return {ALLOWANCE_FILE: allowance_json(report),
            **{export_name(month, fmt): export_breaches(lines, fmt, stamp) for fmt in EXPORT_FORMATS}}


def stored_files(uow: AbstractUnitOfWork, month: str) -> dict[str, bytes]:
    """A closed month's files as they were when it closed (empty for an open month)."""
    return uow.appeals.closed_files(month)


def write_files(folder: Path, files: dict[str, bytes]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, data in files.items():
        (folder / name).write_bytes(data)
    return folder


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
