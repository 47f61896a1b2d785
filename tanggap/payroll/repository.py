"""Payroll persistence: the month's breaches with their fulfilments, waivers and pending
objections, the allowance policies, and the clocks fulfilled on time."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Protocol

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from sla.clocks import SlaClock
from tanggap.db import (
    AllowancePolicyRow,
    BreachRow,
    ClockRow,
    FulfilmentRow,
    ObjectionDecisionRow,
    ObjectionRow,
    WaiverRow,
)
from tanggap.enforcement.repository import clock_from_row

BreachRecord = tuple[BreachRow, FulfilmentRow | None, WaiverRow | None]


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
