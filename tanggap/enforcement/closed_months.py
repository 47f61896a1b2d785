"""Which months are closed: once closed, nothing may change a month's allowance."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from states.errors import InvalidInput
from tanggap.db import ClosedMonthRow
from tanggap.display import wall_time
from tanggap.reader import plain
from tanggap.uow import AbstractUnitOfWork
from tanggap.wita import in_wita


class MonthClosed(InvalidInput):
    def __init__(self, month: str, closed_by: str, closed_at: datetime) -> None:
        self.month, self.closed_by, self.closed_at = month, closed_by, closed_at
        super().__init__("month", f"{month} was closed by {closed_by} on "
                                  f"{wall_time(closed_at, 'en', with_day=True)}; its allowance is final")


def month_of(at: datetime) -> str:
    """The payroll month (WITA) a breach belongs to, as the breach log counts it."""
    return in_wita(at).strftime("%Y-%m")


@dataclass(frozen=True)
class Closing:
    """Who closed a month, and when."""

    month: str
    closed_by: str
    closed_at: datetime


def closed_month(uow: AbstractUnitOfWork, month: str) -> Closing | None:
    row = uow.sla.closed_month(month)
    return plain(Closing, row) if row else None


def closed_months(s: Session, months: Iterable[str]) -> set[str]:
    """Which of these months are closed."""
    return set(s.scalars(select(ClosedMonthRow.month).where(ClosedMonthRow.month.in_(set(months)))))


def ensure_month_open(uow: AbstractUnitOfWork, at: datetime) -> None:
    """No objection, decision or waiver may touch a breach of a closed month."""
    row = closed_month(uow, month_of(at))
    if row is not None:
        raise MonthClosed(row.month, row.closed_by, row.closed_at)
