"""One breach explained: its rule version, calendar, timeline, working time and objections."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select

from sla.appeals import DEFAULT_WINDOW_DAYS
from states.errors import NotFound, PermissionDenied
from tanggap.access import StaffUser
from tanggap.appeals.queries import appeal_views, may_read_breach
from tanggap.db import BreachRow, ClockRow, WaiverRow
from tanggap.enforcement.repository import clock_from_row
from tanggap.enforcement.service import clock_view
from tanggap.reader import AbstractReader, plain
from tanggap.reports.repository import SqlAlchemyReportRepository
from tanggap.reports.views import event_views
from tanggap.staff.queries.rules import rule_version


@dataclass(frozen=True)
class Breach:
    """A recorded breach as the breach page explains it."""

    id: int
    clock_id: int
    report_id: int
    opd: str | None
    officer: str | None
    metric: str
    rule_id: int
    rule_version: int
    calendar_spec: dict[str, Any]
    started_at: datetime
    due_at: datetime
    working_seconds: float
    paused_seconds: float
    recorded_at: datetime


@dataclass(frozen=True)
class Waiver:
    reason: str
    waived_by: str
    waived_at: datetime


def breach_detail(reader: AbstractReader, user: StaffUser, breach_id: int, now: datetime,
                  objection_days: int = DEFAULT_WINDOW_DAYS) -> dict[str, Any]:
    """A breach and everything that explains it: rule version, calendar, timeline, working time; and
    its objections. HR and supervisors read every breach; an officer their own, a head their OPD's."""
    with reader as s:
        breach = s.get(BreachRow, breach_id)
        if breach is None:
            raise NotFound("breach", breach_id)
        if not may_read_breach(user, breach):
            raise PermissionDenied(user.username, "read this breach")
        [appeal] = appeal_views(s, user, [breach], now, objection_days)
        clock = s.get(ClockRow, breach.clock_id)
        waiver = s.scalar(select(WaiverRow).where(WaiverRow.breach_id == breach_id))
        return {"breach": plain(Breach, breach), "rule": rule_version(s, breach.rule_id, breach.rule_version),
                "waiver": plain(Waiver, waiver) if waiver else None,
                "clock": clock_view(clock_from_row(clock), now) if clock else None,
                "events": event_views(SqlAlchemyReportRepository(s).events(breach.report_id)), "appeal": appeal}
