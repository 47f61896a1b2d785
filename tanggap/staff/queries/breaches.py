"""One breach explained: its rule version, calendar, timeline, working time and objections."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from sla.appeals import DEFAULT_WINDOW_DAYS
from states.errors import NotFound, PermissionDenied
from tanggap.access import StaffUser
from tanggap.appeals.queries import appeal_views, may_read_breach
from tanggap.db import (
    BreachRow,
    ClockRow,
    RuleRow,
    WaiverRow,
)
from tanggap.enforcement.repository import clock_from_row
from tanggap.enforcement.service import clock_view
from tanggap.reports.views import event_views
from tanggap.uow import AbstractUnitOfWork


def breach_detail(uow: AbstractUnitOfWork, user: StaffUser, breach_id: int, now: datetime,
                  objection_days: int = DEFAULT_WINDOW_DAYS) -> dict[str, Any]:
    """A breach and everything that explains it: rule version, calendar, timeline, working time; and
    its objections. HR and supervisors read every breach; an officer their own, a head their OPD's."""
    with uow:
        breach = uow.session.get(BreachRow, breach_id)
        if breach is None:
            raise NotFound("breach", breach_id)
        if not may_read_breach(user, breach):
            raise PermissionDenied(user.username, "read this breach")
        [appeal] = appeal_views(uow, user, [breach], now, objection_days)
        clock = uow.session.get(ClockRow, breach.clock_id)
        rule = uow.session.scalar(select(RuleRow).where(
            RuleRow.rule_id == breach.rule_id, RuleRow.version == breach.rule_version))
        waiver = uow.session.scalar(select(WaiverRow).where(WaiverRow.breach_id == breach_id))
        events = uow.reports.events(breach.report_id)
    return {"breach": breach, "rule": rule, "waiver": waiver,
            "clock": clock_view(clock_from_row(clock), now) if clock else None,
            "events": event_views(events), "appeal": appeal}
