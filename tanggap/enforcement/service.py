"""SLA use cases: clocks follow the lifecycle, the sweep records alerts, supervisors edit rules."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sla.calendar import CalendarSpecError, WorkingCalendar
from sla.clocks import (
    BREACH,
    Alert,
    ClockState,
    Outcome,
    SlaClock,
    calendar_late,
    clock_is_late,
    due_alerts,
    holder_at,
    mark_recorded,
    work_used,
)
from sla.reactions import REACTIONS, ClockBook, Ticket
from sla.reactions import react as react_clocks
from sla.rules import Metric, RuleError, SlaRule, Target, TargetUnit
from states.errors import InvalidInput, NotFound, PermissionDenied
from states.model import SUPERVISING, Report, ReportEvent, Role
from tanggap import commands as c
from tanggap.config_audit import ConfigSubject, record_changes
from tanggap.context import Context
from tanggap.db import CalendarRow, RuleRow, WaiverRow
from tanggap.enforcement.closed_months import ensure_month_open
from tanggap.enforcement.repository import calendar_for
from tanggap.uow import AbstractUnitOfWork

log = logging.getLogger(__name__)


# Uncovered combinations already logged by this process. Every report of such a combination would
# log again; the supervisor's SLA rules page lists them all. Bounded: cleared when full.
_LOGGED_UNCOVERED: set[tuple[str, str | None, str | None, str]] = set()
LOGGED_UNCOVERED_LIMIT = 1024


def _warn_uncovered(
    metric: Metric, opd: str | None, category: str | None, priority: str, report_id: int | None
) -> None:
    key = (metric.value, opd, category, priority)
    if key in _LOGGED_UNCOVERED:
        return
    if len(_LOGGED_UNCOVERED) >= LOGGED_UNCOVERED_LIMIT:
        _LOGGED_UNCOVERED.clear()
    _LOGGED_UNCOVERED.add(key)
    log.warning(
        "no SLA rule covers %s for OPD %s, category %s, priority %s: no clock started (first: report #%s); "
        "logged once per combination; the supervisor's SLA rules page lists uncovered combinations",
        metric.value, opd or "-", category or "-", priority, report_id,
    )


class Clocks(ClockBook):
    """The clocks of one report inside a unit of work: what the reactions change is written back
    at flush, and a breach found at a stop is chained into the ledger."""

    def __init__(self, uow: AbstractUnitOfWork, report: Report, at: datetime) -> None:
        assert report.id is not None
        super().__init__(ticket_of(report), uow.sla.clocks_of(report.id), at)
        self.uow = uow

    def rules(self) -> list[SlaRule]:
        return self.uow.sla.rules()

    def calendar(self, name: str) -> WorkingCalendar:
        return self.uow.sla.calendar(name)

    def calendar_of(self, clock: SlaClock) -> WorkingCalendar:
        return calendar_for(clock.calendar_spec)

    def started(self, clock: SlaClock) -> None:
        self.uow.sla.add_clock(clock)

    def breached(self, clock: SlaClock, alert: Alert) -> None:
        record_breach(self.uow, clock, alert, self.at)

    def stopped_late(self, clock: SlaClock, outcome: Outcome) -> None:
        self.uow.sla.pending_fulfilments.append((clock, self.at, outcome))

    def uncovered(self, metric: Metric, opd: str | None) -> None:
        t = self.ticket
        _warn_uncovered(metric, opd, t.category, t.priority, t.report_id)


def ticket_of(report: Report) -> Ticket:
    assert report.id is not None
    return Ticket(report.id, report.opd, report.officer, report.category, report.priority.value,
                  report.pause_reason)


def react(uow: AbstractUnitOfWork, report: Report, event: ReportEvent) -> None:
    """Move the report's clocks for one lifecycle event, in the same transaction."""
    if event.name in REACTIONS:
        react_clocks(Clocks(uow, report, event.at), event.name)


# --- recording alerts and breaches ---------------------------------------------------------


def _attributed(uow: AbstractUnitOfWork, clock: SlaClock, at: datetime) -> str | None:
    """The officer holding the ticket at `at`, or the OPD's head when nobody held it."""
    officer = holder_at(clock, at)
    if officer is None and clock.opd is not None:
        return uow.sla.opd_head(clock.opd)
    return officer


def record_breach(uow: AbstractUnitOfWork, clock: SlaClock, alert: Alert, now: datetime) -> None:
    """Queue the breach for the ledger; it is chained at flush, once the clock has its id."""
    values = {
        "clock_id": clock.id,
        "report_id": clock.report_id,
        "opd": clock.opd,
        "officer": _attributed(uow, clock, alert.at),
        "metric": clock.metric.value,
        "rule_id": clock.rule_id,
        "rule_version": clock.rule_version,
        "calendar_spec": clock.calendar_spec,
        "started_at": clock.started_at,
        "due_at": alert.at,
        "working_seconds": clock.target.total_seconds(),
        "paused_seconds": clock.paused_total.total_seconds(),
        "recorded_at": now,
    }
    uow.sla.pending_breaches.append((clock, values))
    mark_recorded(clock, [alert])


def _record_warning(uow: AbstractUnitOfWork, clock: SlaClock, alert: Alert, now: datetime) -> dict[str, Any]:
    return {
        "clock_id": clock.id,
        "report_id": clock.report_id,
        "kind": alert.kind,
        "at": alert.at,
        "opd": clock.opd,
        "officer": _attributed(uow, clock, alert.at),
        "recorded_at": now,
    }


@dataclass(frozen=True)
class SweepResult:
    clocks: int
    warnings: int
    breaches: int


def sweep(uow: AbstractUnitOfWork, now: datetime, limit: int) -> SweepResult:
    """Record every warning and breach due by `now` on up to `limit` clocks. Its cost follows
    the clocks that fall due (the partial index), not the number of open tickets. Concurrent
    sweeps on PostgreSQL skip each other's clocks; on SQLite they queue on the write lock."""
    clocks = uow.sla.due_clocks(now, limit)
    warnings: list[dict[str, Any]] = []
    breaches = 0
    for clock in clocks:
        for alert in due_alerts(clock, now):
            if alert.kind == BREACH:
                record_breach(uow, clock, alert, now)
                breaches += 1
            else:
                warnings.append(_record_warning(uow, clock, alert, now))
                mark_recorded(clock, [alert])
    uow.sla.save_swept(clocks)
    uow.sla.insert_warnings(warnings)
    return SweepResult(len(clocks), len(warnings), breaches)


def sweep_sla(cmd: c.SweepSla, ctx: Context) -> SweepResult:
    return sweep(ctx.uow, cmd.now or ctx.now, cmd.limit)


# --- supervisors: calendars, rules, waivers ------------------------------------------------


def _supervisor(uow: AbstractUnitOfWork, username: str, action: str) -> str:
    user = uow.reference.user(username)
    if Role(user.role) not in SUPERVISING:
        raise PermissionDenied(username, action)
    return username


def define_calendar(cmd: c.DefineCalendar, ctx: Context) -> list[str]:
    """Each changed top-level field of the spec is appended to the configuration audit trail; a
    save that changes nothing leaves the calendar (and its "updated by") as it was. Returns the
    changed fields."""
    uow = ctx.uow
    actor = _supervisor(uow, cmd.actor, "edit working calendars")
    try:
        spec = WorkingCalendar.from_spec(cmd.spec).spec
    except CalendarSpecError as err:
        # err.message, not str(err): that starts with the field again.
        raise InvalidInput(f"calendar.{err.field}", err.message) from err
    row = uow.sla.calendar_row(cmd.name) or CalendarRow(name=cmd.name)
    changed = record_changes(ctx, actor, ConfigSubject.CALENDAR, cmd.name, row.spec or {}, spec, cmd.note)
    if changed:
        row.spec, row.updated_by, row.updated_at = spec, actor, ctx.now
        uow.sla.add(row)
    return changed


def define_rule(cmd: c.DefineRule, ctx: Context) -> int:
    """A new rule, or a new version of one. Returns the rule id."""
    uow = ctx.uow
    actor = _supervisor(uow, cmd.actor, "edit SLA rules")
    rule = validated_rule(cmd, uow, ctx.now)
    latest = [r for r in uow.sla.rules() if r.rule_id == rule.rule_id]
    if cmd.rule_id is not None and not latest:
        raise NotFound("SLA rule", cmd.rule_id)
    version = max((r.version for r in latest), default=0) + 1
    uow.sla.add(
        RuleRow(
            rule_id=rule.rule_id,
            version=version,
            metric=rule.metric.value,
            opd=rule.opd,
            category=rule.category,
            priority=rule.priority,
            target_amount=rule.target.amount,
            target_unit=rule.target.unit.value,
            calendar=rule.calendar,
            warn_at=list(rule.warn_at),
            pause_on=sorted(rule.pause_on),
            effective_from=rule.effective_from,
            retired=cmd.retire,
            created_by=actor,
            created_at=ctx.now,
            note=cmd.note,
        )
    )
    return rule.rule_id


def validated_rule(cmd: c.DefineRule, uow: AbstractUnitOfWork, now: datetime) -> SlaRule:
    try:
        metric, unit = Metric(cmd.metric), TargetUnit(cmd.target_unit)
    except ValueError as err:
        raise InvalidInput("metric/target_unit", str(err)) from err
    if cmd.opd:
        uow.reference.opd(cmd.opd)
    if cmd.category:
        uow.reference.category(cmd.category)
    uow.sla.calendar(cmd.calendar)
    try:
        return SlaRule(
            rule_id=cmd.rule_id or uow.sla.next_rule_id(),
            version=0,
            metric=metric,
            target=Target(cmd.target_amount, unit),
            calendar=cmd.calendar,
            effective_from=cmd.effective_from or now,
            opd=cmd.opd,
            category=cmd.category,
            priority=cmd.priority,
            warn_at=tuple(cmd.warn_at),
            pause_on=frozenset(cmd.pause_on),
        )
    except RuleError as err:
        raise InvalidInput(err.field, err.problem) from err


def waive_breach(cmd: c.WaiveBreach, ctx: Context) -> None:
    uow = ctx.uow
    actor = _supervisor(uow, cmd.actor, "waive breaches")
    if not cmd.reason.strip():
        raise InvalidInput("reason", "a waiver needs a reason")
    breach = uow.sla.breach(cmd.breach_id)
    if breach is None:
        raise NotFound("breach", cmd.breach_id)
    ensure_month_open(uow, breach.due_at)
    if uow.sla.is_waived(cmd.breach_id):
        raise InvalidInput("breach_id", f"breach {cmd.breach_id} is already waived")
    uow.sla.append_rows(
        WaiverRow,
        [{"breach_id": cmd.breach_id, "reason": cmd.reason.strip(), "waived_by": actor, "waived_at": ctx.now}],
    )


def clock_view(clock: SlaClock, now: datetime) -> dict[str, Any]:
    """A clock as people read it: working time used against its target, and how late it is in
    working time (what the SLA counts) and in calendar time (what a person waited)."""
    calendar = calendar_for(clock.calendar_spec)
    used = work_used(clock, calendar, now if clock.stopped_at is None else clock.stopped_at)
    return {
        "metric": clock.metric.value,
        "opd": clock.opd,
        "state": clock.state.value,
        "rule": f"{clock.rule_id}v{clock.rule_version}",
        "started_at": clock.started_at,
        "due_at": clock.due_at,
        "ended_at": clock.paused_at if clock.state is ClockState.PAUSED else clock.stopped_at,
        "target_hours": clock.target.total_seconds() / 3600,
        "used_hours": used.total_seconds() / 3600,
        "overdue_hours": max(used - clock.target, timedelta(0)).total_seconds() / 3600,
        "calendar_late_hours": calendar_late(clock, now).total_seconds() / 3600,
        "paused_hours": clock.paused_total.total_seconds() / 3600,
        "late": clock_is_late(clock, now),
        "outcome": clock.outcome.value if clock.outcome else None,
    }


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    c.DefineCalendar: define_calendar,
    c.DefineRule: define_rule,
    c.WaiveBreach: waive_breach,
    c.SweepSla: sweep_sla,
}
