"""Payroll persistence: the month's breaches with their fulfilments, waivers and pending
objections, the allowance policies, and the clocks fulfilled on time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any, Protocol, cast

from sqlalchemy import Select, Table, Text, and_, func, not_, select, type_coerce
from sqlalchemy import cast as sa_cast
from sqlalchemy.engine import Row
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from sla.clocks import SlaClock
from tanggap.db import (
    AllowancePolicyRow,
    BreachRow,
    CalendarRow,
    ClockRow,
    EventRow,
    FulfilmentRow,
    ObjectionDecisionRow,
    ObjectionRow,
    ReportRow,
    RuleRow,
    UserRow,
    WaiverRow,
)
from tanggap.enforcement.repository import clock_from_row

BreachRecord = tuple[BreachRow, FulfilmentRow | None, WaiverRow | None]
# id, report, metric, OPD, officer, started, due, rule, version
RecordedRow = Row[int, int, str, str | None, str | None, datetime, datetime, int, int]


class AbstractPayrollRepository(Protocol):
    def breach_records(self, start: datetime, end: datetime, opd: str | None = None, officer: str | None = None,
                       metric: str | None = None) -> list[BreachRecord]: ...
    def month_records(self, start: datetime, end: datetime) -> list[BreachRecord]: ...
    def breaches_due(self, start: datetime, end: datetime, metrics: Sequence[str] | None = None) -> list[BreachRow]: ...
    def unwaived_breaches(self, start: datetime, end: datetime, metrics: Sequence[str]) -> list[BreachRow]: ...
    def waived(self, breach_ids: Collection[int]) -> set[int]: ...
    def pending_objections(self, breach_ids: Collection[int]) -> dict[int, int]: ...
    def fulfilled_on_time(self, start: datetime, end: datetime, metrics: Sequence[str]) -> list[SlaClock]: ...
    def policy_for(self, month: str) -> AllowancePolicyRow | None: ...
    def add_policy(self, policy: AllowancePolicyRow) -> None: ...
    # What the replay reads: the period's raw event history, calendars, rule versions, heads, breaches.
    def history_rows(self, start: datetime, end: datetime) -> Sequence[Any]: ...
    def calendar_specs(self) -> dict[str, dict[str, Any]]: ...
    def later_versions_saved(self) -> dict[tuple[int, int], datetime]: ...
    def opd_heads(self) -> dict[str, str | None]: ...
    def recorded_breaches(self, start: datetime, end: datetime) -> tuple[Sequence[RecordedRow], set[int]]: ...


def _with_outcomes(start: datetime, end: datetime) -> Select[BreachRow, FulfilmentRow, WaiverRow]:
    """Breaches due in [start, end), each with its fulfilment and waiver when it has them."""
    return (
        select(BreachRow, FulfilmentRow, WaiverRow)
        .outerjoin(FulfilmentRow, FulfilmentRow.breach_id == BreachRow.id)
        .outerjoin(WaiverRow, WaiverRow.breach_id == BreachRow.id)
        .where(BreachRow.due_at >= start, BreachRow.due_at < end)
    )


class SqlAlchemyPayrollRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    def breach_records(self, start: datetime, end: datetime, opd: str | None = None, officer: str | None = None,
                       metric: str | None = None) -> list[BreachRecord]:
        """The breach log in due order; each filter as people type it: "dlhk" finds DLHK's breaches."""
        query = _with_outcomes(start, end).order_by(BreachRow.due_at)
        for column, value in ((BreachRow.opd, opd), (BreachRow.officer, officer), (BreachRow.metric, metric)):
            if value is not None:
                query = query.where(func.lower(column) == value.strip().lower())
        return [(b, f, w) for b, f, w in self.session.execute(query)]

    def month_records(self, start: datetime, end: datetime) -> list[BreachRecord]:
        """The whole breach log, in due order and then id: the order a closed month's files keep."""
        query = _with_outcomes(start, end).order_by(BreachRow.due_at, BreachRow.id)
        return [(b, f, w) for b, f, w in self.session.execute(query)]

    def breaches_due(self, start: datetime, end: datetime, metrics: Sequence[str] | None = None) -> list[BreachRow]:
        query = select(BreachRow).where(BreachRow.due_at >= start, BreachRow.due_at < end)
        if metrics is not None:
            query = query.where(BreachRow.metric.in_(metrics))
        return list(self.session.scalars(query.order_by(BreachRow.due_at, BreachRow.id)))

    def unwaived_breaches(self, start: datetime, end: datetime, metrics: Sequence[str]) -> list[BreachRow]:
        waived = select(WaiverRow.breach_id)
        return list(self.session.scalars(select(BreachRow).where(
            BreachRow.due_at >= start, BreachRow.due_at < end, BreachRow.metric.in_(metrics),
            BreachRow.id.not_in(waived))))

    def waived(self, breach_ids: Collection[int]) -> set[int]:
        if not breach_ids:
            return set()
        return set(self.session.scalars(select(WaiverRow.breach_id).where(WaiverRow.breach_id.in_(breach_ids))))

    def pending_objections(self, breach_ids: Collection[int]) -> dict[int, int]:
        """breach id -> the objection on it that still waits for a decision."""
        if not breach_ids:
            return {}
        decided = select(ObjectionDecisionRow.objection_id)
        rows = self.session.execute(select(ObjectionRow.breach_id, ObjectionRow.id).where(
            ObjectionRow.breach_id.in_(breach_ids), ObjectionRow.id.not_in(decided)))
        return {breach_id: objection_id for breach_id, objection_id in rows}

    def fulfilled_on_time(self, start: datetime, end: datetime, metrics: Sequence[str]) -> list[SlaClock]:
        """Clocks of these metrics that stopped in [start, end), fulfilled and not late."""
        rows = self.session.scalars(select(ClockRow).where(
            ClockRow.stopped_at >= start, ClockRow.stopped_at < end, ClockRow.metric.in_(metrics),
            ClockRow.outcome == "fulfilled", ClockRow.late.is_(False)))
        return [clock_from_row(row) for row in rows]

    def policy_for(self, month: str) -> AllowancePolicyRow | None:
        """The policy in force in `month`: the latest effective by then, the newest of that month's."""
        return self.session.scalar(
            select(AllowancePolicyRow)
            .where(AllowancePolicyRow.effective_month <= month)
            .order_by(AllowancePolicyRow.effective_month.desc(), AllowancePolicyRow.id.desc())
        )

    def add_policy(self, policy: AllowancePolicyRow) -> None:
        self.session.add(policy)

    # --- the replay's reads
    def history_rows(self, start: datetime, end: datetime) -> Sequence[Any]:
        """(report id, event name, time, state, data) of every event before `end` of each report that
        could have a clock running in [start, end): one closed or rejected and untouched since
        before `start` has none. Read raw (times as the driver gives them, JSON as text for orjson):
        per-value result processing cost more than the replay itself on a year of history."""
        done_before = and_(REPORTS.c.state.in_(TERMINAL), REPORTS.c.updated_at < start)
        candidates = select(REPORTS.c.id).where(REPORTS.c.submitted_at < end, not_(done_before))
        query = (
            select(EVENTS.c.report_id, EVENTS.c.name, type_coerce(EVENTS.c.at, NullType()), EVENTS.c.to_state,
                   sa_cast(EVENTS.c.data, Text))
            .where(EVENTS.c.report_id.in_(candidates), EVENTS.c.at < end)
            .order_by(EVENTS.c.report_id, EVENTS.c.seq)
        )
        return self.session.connection().execute(query).all()

    def calendar_specs(self) -> dict[str, dict[str, Any]]:
        return {row.name: row.spec for row in self.session.scalars(select(CalendarRow))}

    def later_versions_saved(self) -> dict[tuple[int, int], datetime]:
        """When each later version of a rule was saved. A rule's first version counts from its
        effective time: the demo data's history is dated before its rules were saved."""
        query = select(RuleRow.rule_id, RuleRow.version, RuleRow.created_at).where(RuleRow.version > 1)
        return {(rule_id, version): at for rule_id, version, at in self.session.execute(query)}

    def opd_heads(self) -> dict[str, str | None]:
        """Each OPD's longest-standing head, as live attributes an unheld ticket's breach."""
        found: dict[str, str | None] = {}
        query = select(UserRow.opd_code, UserRow.username).where(UserRow.role == "opd_head").order_by(UserRow.id)
        for opd, username in self.session.execute(query):
            if opd is not None:
                found.setdefault(opd, username)
        return found

    def recorded_breaches(self, start: datetime, end: datetime) -> tuple[Sequence[RecordedRow], set[int]]:
        """(id, report, metric, OPD, officer, started, due, rule, version) of the breaches due in
        [start, end), and which of them are waived."""
        in_period = and_(BreachRow.due_at >= start, BreachRow.due_at < end)
        waived = set(self.session.scalars(
            select(WaiverRow.breach_id).join(BreachRow, BreachRow.id == WaiverRow.breach_id).where(in_period)))
        query = select(BreachRow.id, BreachRow.report_id, BreachRow.metric, BreachRow.opd, BreachRow.officer,
                       BreachRow.started_at, BreachRow.due_at, BreachRow.rule_id, BreachRow.rule_version
                       ).where(in_period)
        return self.session.execute(query).all(), waived


EVENTS = cast(Table, EventRow.__table__)
REPORTS = cast(Table, ReportRow.__table__)
TERMINAL = ("closed", "rejected")
