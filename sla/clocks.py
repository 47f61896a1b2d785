"""SLA clocks: start, pause, resume, stop, and which alerts fall due. Pure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from operator import attrgetter
from typing import Any

from sla.calendar import WorkingCalendar
from sla.rules import Metric, SlaRule

BREACH = "breach"


class ClockState(StrEnum):
    RUNNING = "running"
    PAUSED = "paused"
    STOPPED = "stopped"


class Outcome(StrEnum):
    """Why a clock stopped. Lateness is recorded separately: a transferred clock can be late too."""

    FULFILLED = "fulfilled"
    TRANSFERRED = "transferred"
    RETURNED = "returned"
    REJECTED = "rejected"


class ClockError(ValueError):
    def __init__(self, report_id: int, metric: str, problem: str) -> None:
        self.report_id, self.metric = report_id, metric
        super().__init__(f"{metric} clock of report #{report_id}: {problem}")


@dataclass(frozen=True)
class Alert:
    """A warning threshold or the breach itself, and the instant it falls due."""

    kind: str
    at: datetime

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "at": self.at.isoformat()}

    @classmethod
    def from_json(cls, raw: dict[str, Any]) -> Alert:
        return cls(raw["kind"], datetime.fromisoformat(raw["at"]))


def warning_kind(threshold: float) -> str:
    return f"warning_{round(threshold * 100)}"


@dataclass
class SlaClock:
    report_id: int
    metric: Metric
    opd: str | None
    rule_id: int
    rule_version: int
    calendar_spec: dict[str, Any]
    target: timedelta
    warn_at: tuple[float, ...]
    started_at: datetime
    run_from: datetime
    due_at: datetime
    used_before: timedelta = timedelta(0)
    paused_total: timedelta = timedelta(0)
    state: ClockState = ClockState.RUNNING
    paused_at: datetime | None = None
    pause_reason: str | None = None
    pending: list[Alert] = field(default_factory=list)
    recorded: list[str] = field(default_factory=list)
    holders: list[tuple[datetime, str | None]] = field(default_factory=list)
    stopped_at: datetime | None = None
    outcome: Outcome | None = None
    late: bool = False
    overdue: timedelta = timedelta(0)
    id: int | None = None

    @property
    def next_alert_at(self) -> datetime | None:
        return self.pending[0].at if self.pending else None


def start_clock(
    rule: SlaRule, calendar: WorkingCalendar, report_id: int, opd: str | None, officer: str | None, at: datetime
) -> SlaClock:
    """A running clock; its deadline and warnings come from the rule version in force now and
    are snapshotted, so later edits to the rule or calendar never move this clock."""
    due, target = rule.target.deadline(calendar, at)
    clock = SlaClock(
        report_id=report_id,
        metric=rule.metric,
        opd=opd,
        rule_id=rule.rule_id,
        rule_version=rule.version,
        calendar_spec=calendar.snapshot,
        target=target,
        warn_at=rule.warn_at,
        started_at=at,
        run_from=at,
        due_at=due,
        holders=[(at, officer)],
    )
    clock.pending = _alerts_after(clock, calendar, set())
    return clock


_alert_time = attrgetter("at")


def _alerts_after(clock: SlaClock, calendar: WorkingCalendar, skip: set[str]) -> list[Alert]:
    """Alerts still ahead of the current running period, in time order."""
    alerts = [
        Alert(warning_kind(t), calendar.add(clock.run_from, clock.target * t - clock.used_before))
        for t in clock.warn_at
        if warning_kind(t) not in skip and clock.target * t > clock.used_before
    ]
    if BREACH not in skip:
        alerts.append(Alert(BREACH, clock.due_at))
    alerts.sort(key=_alert_time)
    return alerts


def pause(clock: SlaClock, calendar: WorkingCalendar, at: datetime, reason: str) -> None:
    if clock.state is not ClockState.RUNNING:
        raise ClockError(clock.report_id, clock.metric, f"cannot pause a {clock.state} clock")
    clock.used_before += calendar.between(clock.run_from, at)
    clock.state, clock.paused_at, clock.pause_reason = ClockState.PAUSED, at, reason
    # Alerts already due stay for the sweep to record; the rest are recomputed on resume.
    clock.pending = [a for a in clock.pending if a.at <= at]


def resume(clock: SlaClock, calendar: WorkingCalendar, at: datetime) -> None:
    if clock.state is not ClockState.PAUSED or clock.paused_at is None:
        raise ClockError(clock.report_id, clock.metric, f"cannot resume a {clock.state} clock")
    clock.paused_total += at - clock.paused_at
    clock.state, clock.run_from, clock.paused_at, clock.pause_reason = ClockState.RUNNING, at, None, None
    if clock.target > clock.used_before:
        clock.due_at = calendar.add(at, clock.target - clock.used_before)
    done = set(clock.recorded) | {a.kind for a in clock.pending}
    clock.pending = sorted([*clock.pending, *_alerts_after(clock, calendar, done)], key=lambda a: a.at)


def stop(clock: SlaClock, calendar: WorkingCalendar, at: datetime, outcome: Outcome) -> list[Alert]:
    """Stop the clock. Returns the breach to record now if it was late and no sweep recorded it yet;
    warnings still pending are dropped, since the work they warned about is over."""
    if clock.state is ClockState.STOPPED:
        raise ClockError(clock.report_id, clock.metric, "is already stopped")
    end = at if clock.state is ClockState.RUNNING else (clock.paused_at or at)
    if clock.state is ClockState.RUNNING:
        # Bank the last running period: a stopped clock's used time is final and stored.
        clock.used_before, clock.run_from = work_used(clock, calendar, at), at
    clock.late = is_late(clock.due_at, end)
    # Working time beyond the target: a pause after the deadline is not counted as overdue.
    clock.overdue = max(clock.used_before - clock.target, timedelta(0)) if clock.late else timedelta(0)
    clock.state, clock.stopped_at, clock.outcome = ClockState.STOPPED, at, outcome
    clock.pending = []
    return [Alert(BREACH, clock.due_at)] if clock.late and BREACH not in clock.recorded else []


def is_late(due_at: datetime, at: datetime) -> bool:
    """The one late rule: an answer at the deadline's exact instant is on time; one
    microsecond after it is late. The ledger, the sweep and every screen use this."""
    return at > due_at


def clock_is_late(clock: SlaClock, now: datetime) -> bool:
    """Late already (stopped or paused past the deadline) or running past it at `now`."""
    return clock.late or (clock.state is ClockState.RUNNING and is_late(clock.due_at, now))


def due_alerts(clock: SlaClock, now: datetime) -> list[Alert]:
    """Warnings fall due at their instant; the breach only once the deadline has passed."""
    return [a for a in clock.pending if (is_late(a.at, now) if a.kind == BREACH else a.at <= now)]


def mark_recorded(clock: SlaClock, alerts: list[Alert]) -> None:
    kinds = {a.kind for a in alerts}
    clock.recorded = [*clock.recorded, *sorted(kinds - set(clock.recorded))]
    clock.pending = [a for a in clock.pending if a.kind not in kinds]


def change_holder(clock: SlaClock, at: datetime, officer: str | None) -> None:
    clock.holders = [*clock.holders, (at, officer)]


def holder_at(clock: SlaClock, at: datetime) -> str | None:
    """The officer holding the ticket at `at`: breaches are attributed at their due time."""
    holder = None
    for since, officer in clock.holders:
        if since <= at:
            holder = officer
    return holder


def work_used(clock: SlaClock, calendar: WorkingCalendar, at: datetime) -> timedelta:
    """Working time the clock has counted by `at`: what it banked at its pauses and its stop,
    plus the running period so far. A paused or stopped clock counts no further."""
    if clock.state is ClockState.RUNNING and at > clock.run_from:
        return clock.used_before + calendar.between(clock.run_from, at)
    return clock.used_before


def calendar_late(clock: SlaClock, now: datetime) -> timedelta:
    """How long after the deadline, in plain calendar time, the clock ended (or is still
    running): a deadline at Friday's closing time answered on Saturday is late by the hours
    in between, although no working time passed."""
    end = now if clock.state is ClockState.RUNNING else (clock.paused_at or clock.stopped_at or now)
    return max(end - clock.due_at, timedelta(0))
