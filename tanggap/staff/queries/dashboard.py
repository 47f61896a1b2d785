"""The performance dashboard: each OPD's scores, the week's ranking and the weekly trend."""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sla.clocks import ClockState
from sla.rules import Metric
from states.model import SUPERVISING, ReportState, Role
from tanggap.access import StaffUser, require
from tanggap.db import BreachRow, ClockRow, OpdRow, ReportRow
from tanggap.reader import AbstractReader
from tanggap.wita import WITA, week_starts

TREND_WEEKS = 12
SCORE_PERIOD = timedelta(days=30)  # the OPD table: the last 30 days, so it is never empty on the 1st


@dataclass(frozen=True)
class OpdScore:
    opd: str
    on_time_rate: float | None
    median_response_hours: float | None
    open: int
    overdue: int
    breached: int


def dashboard(reader: AbstractReader, user: StaffUser, now: datetime, target: int) -> dict[str, Any]:
    """Per-OPD performance; a head sees the city's ranking too, as Qlue published it. The ranking
    covers this ISO week so far and the target this year, both in WITA like the weekly trend."""
    require(user, SUPERVISING | {Role.OPD_HEAD, Role.HR, Role.DISPATCHER}, "read the dashboard")
    monday, month_ago = week_starts(now, 1)[0], now - SCORE_PERIOD
    with reader as s:
        opds = list(s.scalars(select(OpdRow.code).order_by(OpdRow.code)))
        scores = [_score(s, opd, now, month_ago) for opd in opds]
        weekly = sorted((_score(s, opd, now, monday) for opd in opds), key=_rank)
        responded = int(s.scalar(select(func.count()).select_from(ReportRow).where(
            ReportRow.responded_at >= _year_start(now))) or 0)
        trend = _weekly_trend(s, now)
    return {"scores": scores, "scores_since": month_ago, "ranking": weekly,
            "ranking_week": (monday, monday + timedelta(days=6)),
            "responded": responded, "target": target, "trend": trend}


def _rank(score: OpdScore) -> tuple[bool, float, str]:
    """The best on-time rate first; an OPD with nothing measured last."""
    return score.on_time_rate is None, -(score.on_time_rate or 0), score.opd


def _year_start(now: datetime) -> datetime:
    """Midnight WITA on 1 January of the year `now` falls in, as the city's calendar reads it."""
    return datetime(now.astimezone(WITA).year, 1, 1, tzinfo=WITA)


def _score(s: Session, opd: str, now: datetime, since: datetime | None) -> OpdScore:
    stopped = select(ClockRow.late, ClockRow.used_seconds).where(
        ClockRow.opd == opd, ClockRow.metric == Metric.RESPONSE.value, ClockRow.outcome == "fulfilled")
    if since is not None:
        stopped = stopped.where(ClockRow.stopped_at >= since)
    done = list(s.execute(stopped))
    open_count = s.scalar(select(func.count()).select_from(ReportRow).where(
        ReportRow.opd == opd, ReportRow.state == ReportState.ASSIGNED.value)) or 0
    overdue = s.scalar(select(func.count()).select_from(ClockRow).where(
        ClockRow.opd == opd, ClockRow.state == ClockState.RUNNING.value, ClockRow.due_at < now)) or 0
    breaches = select(func.count()).select_from(BreachRow).where(BreachRow.opd == opd)
    breached = s.scalar(breaches if since is None else breaches.where(BreachRow.due_at >= since)) or 0
    rate = round(sum(1 for late, _ in done if not late) / len(done), 3) if done else None
    median = round(statistics.median(u for _, u in done) / 3600, 2) if done else None
    return OpdScore(opd, rate, median, int(open_count), int(overdue), int(breached))


@dataclass(frozen=True)
class WeekTrend:
    """One ISO week (Monday to Sunday in WITA): responses sent, and response clocks stopped in
    time out of all that stopped fulfilled, as the OPD scores count them."""

    monday: datetime  # 00:00 WITA
    responses: int
    on_time: int
    measured: int
    by_opd: dict[str, int]

    @property
    def week(self) -> str:
        year, number, _day = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.measured, 3) if self.measured else None


def _weekly_trend(s: Session, now: datetime, weeks: int = TREND_WEEKS) -> list[WeekTrend]:
    starts = week_starts(now, weeks)
    begin, end = starts[0], starts[-1] + timedelta(weeks=1)
    responded = s.execute(select(ReportRow.responded_at, ReportRow.opd).where(
        ReportRow.responded_at >= begin, ReportRow.responded_at < end))
    stopped = s.execute(select(ClockRow.stopped_at, ClockRow.late).where(
        ClockRow.metric == Metric.RESPONSE.value, ClockRow.outcome == "fulfilled",
        ClockRow.stopped_at >= begin, ClockRow.stopped_at < end))
    by_opd: list[Counter[str]] = [Counter() for _ in starts]
    for at, opd in responded:
        by_opd[_week_index(starts, at)][opd or "-"] += 1
    measured, late = Counter[int](), Counter[int]()
    for at, was_late in stopped:
        week = _week_index(starts, at)
        measured[week] += 1
        late[week] += bool(was_late)
    return [WeekTrend(monday, sum(by_opd[i].values()), measured[i] - late[i], measured[i], dict(by_opd[i]))
            for i, monday in enumerate(starts)]


def _week_index(starts: list[datetime], at: datetime | None) -> int:
    assert at is not None  # the queries keep only rows whose time lies in the weeks shown
    return bisect_right(starts, at) - 1
