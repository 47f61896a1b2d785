"""Replay a period's report history under a set of rules: which breaches the clocks would have
recorded and which OPD clocks they would have met on time. Pure.

The history is run through the same reactions (sla/reactions.py) and clock arithmetic
(sla/clocks.py) as the live clocks. A running clock's breach is counted when it falls due by the
horizon, as the sweep records it; a clock that stops late is counted at its stop. As a live clock
does, a replayed one takes its calendar as it stood when the clock started and keeps it."""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sla.calendar import WorkingCalendar
from sla.clocks import BREACH, Alert, ClockState, Outcome, SlaClock, due_alerts, holder_at, mark_recorded
from sla.reactions import OPD_METRICS, REACTIONS, ClockBook, Ticket, react
from sla.rules import Metric, SlaRule


@dataclass(frozen=True)
class HistoryEvent:
    """One lifecycle event of a report, with the report as it stood right after it."""

    name: str
    at: datetime
    ticket: Ticket


@dataclass(frozen=True)
class ReplayedBreach:
    report_id: int
    metric: str
    opd: str | None
    officer: str | None
    started_at: datetime
    due_at: datetime
    rule_id: int
    rule_version: int

    @property
    def key(self) -> tuple[int, str, datetime]:
        """The clock it belongs to: its report, metric and start do not depend on the rules."""
        return self.report_id, self.metric, self.started_at


@dataclass(frozen=True)
class MetOnTime:
    """An OPD clock fulfilled on time, credited to whoever held the ticket when it stopped."""

    officer: str | None
    opd: str
    stopped_at: datetime


@dataclass
class Replay:
    breaches: list[ReplayedBreach] = field(default_factory=list)
    met: list[MetOnTime] = field(default_factory=list)


# The time of a calendar's spec from before its recorded edits (it was saved before the trail began).
BEFORE_THE_TRAIL = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class SpecEdit:
    """A top-level field of a calendar's spec changed at `at`; `old` is None where it had none."""

    at: datetime
    field: str
    old: Any


def past_specs(current: Mapping[str, Any], edits: Sequence[SpecEdit]) -> list[tuple[datetime, dict[str, Any]]]:
    """Each spec a calendar has had, oldest first, with the time it took effect: today's spec with
    its edits (oldest first) undone, newest first. The fields changed at one instant are one edit.
    Before its first edit a calendar had no spec, unless it was saved before the trail began."""
    by_time: dict[datetime, list[SpecEdit]] = {}
    for edit in edits:
        by_time.setdefault(edit.at, []).append(edit)
    spec = _present(current)
    found = []
    for at in sorted(by_time, reverse=True):
        found.append((at, spec))
        # Undone newest first, so a field changed twice at one instant gets its oldest value back.
        spec = _present({**spec, **{e.field: e.old for e in reversed(by_time[at])}})
    if spec:
        found.append((BEFORE_THE_TRAIL, spec))
    return found[::-1]


def _present(spec: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in spec.items() if value is not None}


@dataclass(frozen=True)
class CalendarHistory:
    """A named calendar as it stood over time: `calendars[i]` was in force from `since[i]` until
    `since[i + 1]`. History dated before the first was run on it (backfilled history, the demo's)."""

    since: tuple[datetime, ...]
    calendars: tuple[WorkingCalendar, ...]

    def at(self, moment: datetime) -> WorkingCalendar:
        """The calendar in force at `moment`: an edit counts from its own instant."""
        if len(self.calendars) == 1:
            return self.calendars[0]
        return self.calendars[max(bisect_right(self.since, moment) - 1, 0)]


@dataclass
class _World:
    rules: Sequence[SlaRule]
    calendars: Mapping[str, CalendarHistory]
    heads: Mapping[str, str | None]
    known_since: Mapping[tuple[int, int], datetime]
    chosen: dict[tuple[Any, ...], SlaRule | None] = field(default_factory=dict)
    changes: list[datetime] = field(default_factory=list)  # when the rules in force can change
    versions: dict[tuple[int, int], SlaRule] = field(default_factory=dict)  # (rule id, version) -> the rule
    # id() of a calendar's snapshot -> the calendar: a clock keeps the snapshot of the one it started on.
    by_snapshot: dict[int, WorkingCalendar] = field(default_factory=dict)
    found: list[tuple[SlaClock, Alert]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.changes = sorted({r.effective_from for r in self.rules} | set(self.known_since.values()))
        self.versions = {(r.rule_id, r.version): r for r in self.rules}
        self.by_snapshot = {id(calendar.snapshot): calendar
                            for history in self.calendars.values() for calendar in history.calendars}


class _ReplayBook(ClockBook):
    def __init__(self, world: _World, ticket: Ticket, clocks: list[SlaClock], at: datetime) -> None:
        super().__init__(ticket, clocks, at)
        self.world = world

    def rules(self) -> Sequence[SlaRule]:
        since = self.world.known_since
        if not since:
            return self.world.rules
        return [r for r in self.world.rules if since.get((r.rule_id, r.version), self.at) <= self.at]

    def calendar(self, name: str) -> WorkingCalendar:
        """The calendar as it stood at this event, when the live clock read it to start."""
        return self.world.calendars[name].at(self.at)

    def rule_for(self, metric: Metric, opd: str | None) -> SlaRule | None:
        """The live choice, remembered: between two rule changes it depends only on the scope."""
        t, world = self.ticket, self.world
        key = (metric, opd, t.category, t.priority, bisect_right(world.changes, self.at))
        if key not in world.chosen:
            world.chosen[key] = super().rule_for(metric, opd)
        return world.chosen[key]

    def calendar_of(self, clock: SlaClock) -> WorkingCalendar:
        """The calendar the clock started on, as the live clocks rebuild it from their snapshot."""
        return self.world.by_snapshot[id(clock.calendar_spec)]

    def rule_of(self, clock: SlaClock) -> SlaRule | None:
        """A version a clock started under stays known at every later event: no need to filter."""
        return self.world.versions.get((clock.rule_id, clock.rule_version))

    def breached(self, clock: SlaClock, alert: Alert) -> None:
        mark_recorded(clock, [alert])
        self.world.found.append((clock, alert))


def replay(
    histories: Iterable[Sequence[HistoryEvent]],
    rules: Sequence[SlaRule],
    calendars: Mapping[str, CalendarHistory],
    heads: Mapping[str, str | None],
    horizon: datetime,
    known_since: Mapping[tuple[int, int], datetime] | None = None,
) -> Replay:
    """Every report's events in order, each report on its own clocks, each clock on its calendar
    (`calendars`: name -> its history) as it stood when the clock started; `heads` (OPD -> its
    head) takes a breach that fell due while nobody held the ticket, as the live sweep does.
    `known_since` ((rule id, version) -> when it was saved) keeps a version dated back from
    clocks that started before it was saved: the live clocks could not have used it."""
    # Warnings change no breach: replayed clocks keep only their deadline (two fewer calendar sums each).
    quiet = [dataclasses.replace(r, warn_at=()) for r in rules]
    world = _World(quiet, calendars, heads, known_since or {})
    result = Replay()
    # Event times are stored in UTC: a comparison across two zones costs a zone lookup on each side.
    last = horizon.astimezone(UTC)
    for events in histories:
        clocks: list[SlaClock] = []
        for event in events:
            if event.at > last:
                break
            if event.name in REACTIONS:  # most events move no clock: no book for them
                react(_ReplayBook(world, event.ticket, clocks, event.at), event.name)
        for clock in clocks:
            _still_due(world, clock, horizon)
            _credit(result, clock)
    result.breaches = [_breach(world, clock, alert) for clock, alert in world.found]
    return result


def _still_due(world: _World, clock: SlaClock, horizon: datetime) -> None:
    if clock.state is ClockState.STOPPED or BREACH in clock.recorded:
        return
    for alert in due_alerts(clock, horizon):
        if alert.kind == BREACH:
            world.found.append((clock, alert))


def _credit(result: Replay, clock: SlaClock) -> None:
    if (clock.state is ClockState.STOPPED and clock.metric in OPD_METRICS and clock.outcome is Outcome.FULFILLED
            and not clock.late and clock.stopped_at is not None and clock.opd is not None):
        result.met.append(MetOnTime(holder_at(clock, clock.stopped_at), clock.opd, clock.stopped_at))


def _breach(world: _World, clock: SlaClock, alert: Alert) -> ReplayedBreach:
    officer = holder_at(clock, alert.at)
    if officer is None and clock.opd is not None:
        officer = world.heads.get(clock.opd)
    return ReplayedBreach(clock.report_id, clock.metric.value, clock.opd, officer, clock.started_at, alert.at,
                          clock.rule_id, clock.rule_version)
