"""Where each breach of a month stands: open to objection, under objection, waived or final."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sla.appeals import DEFAULT_WINDOW_DAYS, Standing, objection_window_end, standing
from sla.rules import Metric
from tanggap.db import BreachRow
from tanggap.enforcement.repository import calendar_for
from tanggap.payroll.repository import AbstractPayrollRepository
from tanggap.uow import AbstractUnitOfWork

ALLOWANCE_METRICS = (Metric.RESPONSE.value, Metric.RESOLUTION.value)


@dataclass(frozen=True)
class BreachStanding:
    breach_id: int
    officer: str | None
    opd: str | None
    metric: str
    standing: Standing
    window_ends_at: datetime
    pending_objection: int | None


@dataclass(frozen=True)
class OfficerAppeals:
    """One officer's breaches of the month that count for the allowance, by where they stand."""

    who: str
    opd: str
    open: tuple[int, ...]
    under_objection: tuple[int, ...]
    waived: tuple[int, ...]
    final: tuple[int, ...]


def window_end(breach: BreachRow, days: int) -> datetime:
    """The objection window of a breach ends at the close of its `days`-th working day after the
    breach, counted on the calendar the breach was measured on (the OPD's)."""
    return objection_window_end(calendar_for(breach.calendar_spec), breach.due_at, days)


def breach_standings(uow: AbstractUnitOfWork, start: datetime, end: datetime, now: datetime | None,
                     days: int = DEFAULT_WINDOW_DAYS, metrics: tuple[str, ...] | None = None) -> list[BreachStanding]:
    """Every breach due in [start, end), in due order. Without `now`, every window counts as ended."""
    return standings_of(uow.payroll, uow.payroll.breaches_due(start, end, metrics), now, days)


def standings_of(payroll: AbstractPayrollRepository, breaches: list[BreachRow], now: datetime | None,
                 days: int = DEFAULT_WINDOW_DAYS) -> list[BreachStanding]:
    """Where each of these breaches stands; `payroll` may sit on a unit of work or on a reader."""
    ids = [b.id for b in breaches]
    waived = payroll.waived(ids)
    pending = payroll.pending_objections(ids)
    found = []
    for b in breaches:
        ends = window_end(b, days)
        found.append(BreachStanding(b.id, b.officer, b.opd, b.metric,
                                    standing(b.id in waived, b.id in pending, ends, now or ends),
                                    ends, pending.get(b.id)))
    return found


def officer_appeals(uow: AbstractUnitOfWork, start: datetime, end: datetime, now: datetime | None,
                    days: int = DEFAULT_WINDOW_DAYS) -> list[OfficerAppeals]:
    """Per officer (and OPD), the breaches behind the allowance by where they stand."""
    grouped: dict[tuple[str, str], dict[Standing, list[int]]] = defaultdict(lambda: defaultdict(list))
    for s in breach_standings(uow, start, end, now, days, ALLOWANCE_METRICS):
        grouped[(s.officer or "-", s.opd or "-")][s.standing].append(s.breach_id)
    return [OfficerAppeals(who, opd, *(tuple(by[st]) for st in Standing))
            for (who, opd), by in sorted(grouped.items())]
