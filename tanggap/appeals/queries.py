"""What officers, heads and supervisors read of objections: plain frozen views, no live rows."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sla.appeals import Standing
from states.errors import NotFound, PermissionDenied
from states.model import Role
from tanggap.access import StaffUser
from tanggap.appeals.objections import DECIDERS, may_object
from tanggap.db import BreachRow, ClockRow, ObjectionDecisionRow, ObjectionEvidenceRow, ObjectionRow
from tanggap.enforcement.closed_months import closed_months, month_of
from tanggap.enforcement.repository import clock_from_row
from tanggap.enforcement.service import clock_view
from tanggap.payroll.repository import SqlAlchemyPayrollRepository
from tanggap.payroll.standings import standings_of
from tanggap.reader import AbstractReader

MINE_LIMIT = 300
READ_ALL = DECIDERS | {Role.HR}


@dataclass(frozen=True)
class EvidenceView:
    id: int
    name: str
    content_type: str
    sha256: str


@dataclass(frozen=True)
class ObjectionView:
    id: int
    breach_id: int
    report_id: int
    officer: str | None
    opd: str | None
    filed_by: str
    reason_code: str
    text: str
    filed_at: datetime
    window_ends_at: datetime
    evidence: tuple[EvidenceView, ...]
    outcome: str | None  # None while it waits for a supervisor
    decided_by: str | None
    decided_at: datetime | None
    decision_reason: str | None


@dataclass(frozen=True)
class MyBreach:
    breach_id: int
    report_id: int
    opd: str | None
    officer: str | None
    metric: str
    due_at: datetime
    standing: Standing
    window_ends_at: datetime
    clock: dict[str, Any] | None  # as the breach page explains it
    objections: tuple[ObjectionView, ...]
    may_object: bool


def may_read_breach(user: StaffUser, breach: BreachRow) -> bool:
    return user.role in READ_ALL or may_object(user, breach.officer, breach.opd)


def my_breaches(reader: AbstractReader, user: StaffUser, now: datetime, days: int) -> list[MyBreach]:
    """An officer's own breaches, or a head's whole OPD's, newest first."""
    if user.role is Role.OPD_OFFICER:
        mine = BreachRow.officer == user.username
    elif user.role is Role.OPD_HEAD and user.opd:
        mine = BreachRow.opd == user.opd
    else:
        raise PermissionDenied(user.username, "read an officer's own breaches")
    with reader as s:
        breaches = list(s.scalars(select(BreachRow).where(mine)
                                  .order_by(BreachRow.due_at.desc(), BreachRow.id.desc()).limit(MINE_LIMIT)))
        return appeal_views(s, user, breaches, now, days)


def appeal_views(s: Session, user: StaffUser, breaches: list[BreachRow], now: datetime,
                 days: int) -> list[MyBreach]:
    """Each breach with where it stands, its objections and whether `user` may object now."""
    standings = {st.breach_id: st for st in standings_of(SqlAlchemyPayrollRepository(s), breaches, now, days)}
    objections = _objections_of(s, [b.id for b in breaches])
    clocks = {k.id: k for k in s.scalars(select(ClockRow).where(
        ClockRow.id.in_([b.clock_id for b in breaches])))} if breaches else {}
    closed = closed_months(s, (month_of(b.due_at) for b in breaches))
    views = []
    for b in breaches:
        st, clock = standings[b.id], clocks.get(b.clock_id)
        views.append(MyBreach(
            b.id, b.report_id, b.opd, b.officer, b.metric, b.due_at, st.standing, st.window_ends_at,
            clock_view(clock_from_row(clock), now) if clock else None, objections.get(b.id, ()),
            st.standing is Standing.OPEN and may_object(user, b.officer, b.opd) and month_of(b.due_at) not in closed))
    return views


def objections(reader: AbstractReader, user: StaffUser, limit: int = 200) -> list[ObjectionView]:
    """For supervisors: every objection, those waiting first (oldest first), then the decided ones."""
    if user.role not in READ_ALL:
        raise PermissionDenied(user.username, "read objections")
    with reader as s:
        rows = list(s.scalars(select(ObjectionRow).order_by(ObjectionRow.id.desc()).limit(limit)))
        views = [v for vs in _objections_of(s, [r.breach_id for r in rows]).values() for v in vs]
    waiting = sorted((v for v in views if v.outcome is None), key=lambda v: v.id)
    decided = sorted((v for v in views if v.outcome is not None), key=lambda v: -v.id)
    return waiting + decided


def evidence_file(reader: AbstractReader, user: StaffUser, evidence_id: int) -> tuple[str, str, bytes]:
    """(name, content type, bytes) of an evidence file, for supervisors, HR and whoever may object."""
    with reader as s:
        row = s.get(ObjectionEvidenceRow, evidence_id)
        objection = s.get(ObjectionRow, row.objection_id) if row else None
        breach = s.get(BreachRow, objection.breach_id) if objection else None
        if row is None or breach is None:
            raise NotFound("evidence", evidence_id)
        if not may_read_breach(user, breach):
            raise PermissionDenied(user.username, "read this evidence")
        return row.name, row.content_type, row.data


def _objections_of(s: Session, breach_ids: list[int]) -> dict[int, tuple[ObjectionView, ...]]:
    if not breach_ids:
        return {}
    query = (select(ObjectionRow, ObjectionDecisionRow, BreachRow)
             .join(BreachRow, BreachRow.id == ObjectionRow.breach_id)
             .outerjoin(ObjectionDecisionRow, ObjectionDecisionRow.objection_id == ObjectionRow.id)
             .where(ObjectionRow.breach_id.in_(breach_ids)).order_by(ObjectionRow.id))
    rows = list(s.execute(query))
    files: dict[int, list[EvidenceView]] = {}
    for e in s.execute(select(ObjectionEvidenceRow.id, ObjectionEvidenceRow.objection_id,
                              ObjectionEvidenceRow.name, ObjectionEvidenceRow.content_type,
                              ObjectionEvidenceRow.sha256).where(
            ObjectionEvidenceRow.objection_id.in_([o.id for o, _, _ in rows])).order_by(ObjectionEvidenceRow.id)):
        files.setdefault(e.objection_id, []).append(EvidenceView(e.id, e.name, e.content_type, e.sha256))
    found: dict[int, list[ObjectionView]] = {}
    for o, d, b in rows:
        evidence = tuple(files.get(o.id, []))
        found.setdefault(o.breach_id, []).append(ObjectionView(
            o.id, o.breach_id, b.report_id, o.officer, b.opd, o.filed_by, o.reason_code, o.text, o.filed_at,
            o.window_ends_at, evidence, d.outcome if d else None, d.decided_by if d else None,
            d.decided_at if d else None, d.reason if d else None))
    return {k: tuple(v) for k, v in found.items()}
