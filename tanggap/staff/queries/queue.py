"""The queues: an OPD's tickets and the dispatch unit's triage, soonest deadline first, each
with its SLA countdown."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from cv.decision import Outcome as DecisionOutcome
from sla.clocks import ClockState, SlaClock, clock_is_late, work_used
from sla.rules import Metric
from states.model import DISPATCH_ROLES, OPD_ROLES, ReportState
from tanggap.access import StaffUser, require, scoped
from tanggap.db import CategoryRow, ClockRow, DuplicateLinkRow, ReportRow, ReportTagRow, UserRow
from tanggap.enforcement.repository import calendar_for, clock_from_row
from tanggap.reader import AbstractReader

PAGE_SIZE = 50
OPEN_STATES = (ReportState.ASSIGNED.value,)
TRIAGE_STATES = (ReportState.SUBMITTED.value, ReportState.CLASSIFIED.value)


# --- SLA colours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """Qlue's colours: green on track, yellow past the first warning, red when breached."""

    metric: str
    due_at: datetime
    colour: str
    fraction: float
    running: bool
    state: str = ClockState.RUNNING.value


def countdown(clock: SlaClock, now: datetime) -> Countdown:
    at = clock.stopped_at or now
    used = work_used(clock, calendar_for(clock.calendar_spec), at)
    target = clock.target.total_seconds() or 1.0
    fraction = used.total_seconds() / target
    late = clock_is_late(clock, now)
    first_warning = min(clock.warn_at, default=0.5)
    colour = "red" if late else "yellow" if clock.stopped_at is None and fraction >= first_warning else "green"
    return Countdown(clock.metric.value, clock.due_at, colour, round(fraction, 3), clock.state is ClockState.RUNNING,
                     clock.state.value)


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    state: str | None = ReportState.ASSIGNED.value
    category: str | None = None
    officer: str | None = None
    opd: str | None = None
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    id: int
    state: str
    category: str | None
    opd: str | None
    officer: str | None
    priority: str
    description: str  # its first line, cut at 140 characters
    submitted_at: datetime | None
    countdown: Countdown | None
    address: str | None = None


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    filters: QueueFilter
    categories: list[str] = field(default_factory=list)
    officers: list[str] = field(default_factory=list)


def _filtered(query: Select[Any], f: QueueFilter) -> Select[Any]:
    for column, value in ((ReportRow.state, f.state), (ReportRow.category, f.category),
                          (ReportRow.officer, f.officer), (ReportRow.opd, f.opd)):
        if value:
            query = query.where(column == value)
    return query


def queue(reader: AbstractReader, user: StaffUser, f: QueueFilter, now: datetime) -> Queue:
    """Tickets in reach, soonest deadline first: the open response clock's due time, which the
    SLA reactions keep on the report so this walks one index in order (ix_reports_queue)."""
    base = _filtered(scoped(select(ReportRow.id), user), f)
    page = max(f.page, 1)
    with reader as s:
        total, ids = _deadline_page(s, base, (page - 1) * PAGE_SIZE)
        rows = _queue_rows(s, ids, Metric.RESPONSE, now)
        officers = opd_officers(s, user)
        categories = list(s.scalars(select(CategoryRow.code).order_by(CategoryRow.code)))
    return Queue(rows, total, page, max(1, -(-total // PAGE_SIZE)), f, categories, officers)


def _deadline_page(s: Session, base: Select[Any], skip: int) -> tuple[int, list[int]]:
    """The matching total and one page of ids: tickets with a deadline first, soonest first, then
    those without one (no rule covered them), oldest first. Each half walks the index in order."""
    due = ReportRow.response_due_at
    total, timed = s.execute(base.with_only_columns(func.count(), func.count(due))).one()
    ids = list(s.scalars(base.where(due.isnot(None)).order_by(due, ReportRow.id)
                         .limit(PAGE_SIZE).offset(skip))) if skip < timed else []
    if len(ids) < PAGE_SIZE and skip + len(ids) < total:
        ids += s.scalars(base.where(due.is_(None)).order_by(ReportRow.id)
                         .limit(PAGE_SIZE - len(ids)).offset(max(0, skip - timed)))
    return int(total), ids


def _queue_rows(s: Session, ids: list[int], metric: Metric, now: datetime) -> list[QueueRow]:
    """The listed reports with the open clock of `metric` each (their countdown), in `ids` order."""
    reports = {r.id: r for r in s.scalars(select(ReportRow).where(ReportRow.id.in_(ids)))}
    clocks = {k.report_id: k for k in s.scalars(select(ClockRow).where(
        ClockRow.report_id.in_(ids), ClockRow.metric == metric.value, ClockRow.stopped_at.is_(None)))}
    return [_queue_row(reports[rid], clocks.get(rid), now) for rid in ids]


def _queue_row(r: ReportRow, clock: ClockRow | None, now: datetime) -> QueueRow:
    shown = countdown(clock_from_row(clock), now) if clock is not None else None
    first_line = (r.description.strip().splitlines() or [""])[0]
    return QueueRow(r.id, r.state, r.category, r.opd, r.officer, r.priority, first_line[:140], r.submitted_at, shown,
                    r.address)


def opd_officers(s: Session, user: StaffUser) -> list[str]:
    """OPD staff by username: every OPD's, or for someone of an OPD only their own OPD's."""
    query = select(UserRow.username).where(UserRow.role.in_([r.value for r in OPD_ROLES]))
    if user.role in OPD_ROLES:
        query = query.where(UserRow.opd_code == user.opd)
    return list(s.scalars(query.order_by(UserRow.username)))


# --- triage ----------------------------------------------------------------------------------


def triage(reader: AbstractReader, user: StaffUser, now: datetime, page: int = 1) -> Queue:
    """What the dispatch unit must route: reports the tagger abstained on or flagged, and
    classified reports waiting for an OPD, the dispatch deadline first."""
    require(user, DISPATCH_ROLES, "triage reports")
    clock = and_(ClockRow.report_id == ReportRow.id, ClockRow.metric == Metric.DISPATCH.value,
                 ClockRow.stopped_at.is_(None))
    base = select(ReportRow.id).where(ReportRow.state.in_(TRIAGE_STATES))
    listing = (base.outerjoin(ClockRow, clock).add_columns(ClockRow.id)
               .order_by(ClockRow.due_at.is_(None), ClockRow.due_at, ReportRow.id)
               .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE))
    with reader as s:
        total = int(s.scalar(select(func.count()).select_from(base.subquery())) or 0)
        rows = _queue_rows(s, [rid for rid, _ in s.execute(listing)], Metric.DISPATCH, now)
    return Queue(rows, total, max(page, 1), max(1, -(-total // PAGE_SIZE)), QueueFilter(state=None))


# Why the tagger left a report to the dispatcher, as a flag beside the photo's own.
DECISION_FLAGS: dict[str | None, tuple[str, ...]] = {
    DecisionOutcome.TRIAGE.value: ("tagger_unsure",),
    DecisionOutcome.NEEDS_DISPATCHER.value: ("category_disputed",),
}


def triage_flags(reader: AbstractReader, report_ids: list[int]) -> dict[int, list[str]]:
    with reader as s:
        tags = s.scalars(select(ReportTagRow).where(ReportTagRow.report_id.in_(report_ids)))
        flags = {t.report_id: [*t.flags, *DECISION_FLAGS.get(t.decision.get("outcome"), ())] for t in tags}
        pending = s.scalars(select(DuplicateLinkRow.report_id).where(
            DuplicateLinkRow.report_id.in_(report_ids), DuplicateLinkRow.status == "pending"))
        for rid in pending:
            flags.setdefault(rid, []).append("possible_duplicate")
    return {rid: sorted(set(flags.get(rid, []))) for rid in report_ids}
