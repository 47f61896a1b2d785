"""What each lifecycle event does to a report's SLA clocks. Pure.

The live clocks (inside a unit of work) and the what-if replay (over the recorded history) both
run these reactions, so replaying the rules that were in force reproduces the recorded breaches:
one engine, kept in one place. Subclasses of `ClockBook` only say where clocks, rules and
calendars come from and what to do with a breach."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sla.calendar import WorkingCalendar
from sla.clocks import Alert, ClockState, Outcome, SlaClock, change_holder, pause, resume, start_clock, stop
from sla.rules import Metric, SlaRule, match_rule

OPD_METRICS = (Metric.RESPONSE, Metric.RESOLUTION)


@dataclass(frozen=True)
class Ticket:
    """What the clocks need to know about a report, as it stands right after an event."""

    report_id: int
    opd: str | None
    officer: str | None
    category: str | None
    priority: str
    pause_reason: str | None


class ClockBook(ABC):
    """The clocks of one report at the moment of one event."""

    def __init__(self, ticket: Ticket, clocks: list[SlaClock], at: datetime) -> None:
        self.ticket, self.clocks, self.at = ticket, clocks, at

    @abstractmethod
    def rules(self) -> Sequence[SlaRule]: ...

    @abstractmethod
    def calendar(self, name: str) -> WorkingCalendar: ...

    @abstractmethod
    def calendar_of(self, clock: SlaClock) -> WorkingCalendar:
        """The calendar the clock started with (its snapshot), not today's."""

    def started(self, clock: SlaClock) -> None:  # noqa: B027  (a hook: nothing to do by default)
        """A clock was started (hook)."""

    @abstractmethod
    def breached(self, clock: SlaClock, alert: Alert) -> None:
        """A clock stopped late and no sweep had recorded its breach: record it now."""

    def stopped_late(self, clock: SlaClock, outcome: Outcome) -> None:  # noqa: B027  (a hook: nothing to do by default)
        """A late clock stopped: its breach is fulfilled (hook)."""

    def uncovered(self, metric: Metric, opd: str | None) -> None:  # noqa: B027  (a hook: nothing to do by default)
        """No rule covers this clock: none is started (hook)."""

    def running(self, *metrics: Metric) -> list[SlaClock]:
        return [k for k in self.clocks if k.state is not ClockState.STOPPED and k.metric in metrics]

    def rule_for(self, metric: Metric, opd: str | None) -> SlaRule | None:
        t = self.ticket
        return match_rule(self.rules(), metric, opd, t.category, t.priority, self.at)

    def start(self, metric: Metric, opd: str | None) -> None:
        t = self.ticket
        rule = self.rule_for(metric, opd)
        if rule is None:
            self.uncovered(metric, opd)
            return
        clock = start_clock(rule, self.calendar(rule.calendar), t.report_id, opd, t.officer, self.at)
        self.clocks.append(clock)
        self.started(clock)

    def stop(self, outcome: Outcome, *metrics: Metric) -> None:
        for clock in self.running(*metrics):
            late = stop(clock, self.calendar_of(clock), self.at, outcome)
            if late:
                self.breached(clock, late[0])
            if clock.late:
                self.stopped_late(clock, outcome)

    def hand_over(self, officer: str | None) -> None:
        for clock in self.running(*OPD_METRICS):
            change_holder(clock, self.at, officer)

    def rule_of(self, clock: SlaClock) -> SlaRule | None:
        return next((r for r in self.rules() if (r.rule_id, r.version) == (clock.rule_id, clock.rule_version)), None)


# What each lifecycle event does to the clocks. Every choice is documented where it is made.
def _on_submitted(k: ClockBook) -> None:
    k.start(Metric.DISPATCH, None)


def _on_assigned(k: ClockBook) -> None:
    k.stop(Outcome.FULFILLED, Metric.DISPATCH)
    k.start(Metric.RESPONSE, k.ticket.opd)
    k.start(Metric.RESOLUTION, k.ticket.opd)


def _on_reassigned(k: ClockBook) -> None:
    previous_opd = next((c.opd for c in k.running(*OPD_METRICS)), k.ticket.opd)
    if previous_opd == k.ticket.opd:
        k.hand_over(k.ticket.officer)  # same OPD, new officer: the OPD's clocks keep running
        return
    # Another OPD takes over: the old OPD's clocks end as transferred (a breach they already
    # incurred stays theirs) and the new OPD gets fresh clocks under its own rules.
    k.stop(Outcome.TRANSFERRED, *OPD_METRICS)
    k.start(Metric.RESPONSE, k.ticket.opd)
    k.start(Metric.RESOLUTION, k.ticket.opd)


def _on_returned(k: ClockBook) -> None:
    # "Bukan wewenang": the OPD's clocks end as returned, and re-routing is the dispatch
    # unit's job again, measured by a new dispatch clock.
    k.stop(Outcome.RETURNED, *OPD_METRICS)
    k.start(Metric.DISPATCH, None)


def _on_responded(k: ClockBook) -> None:
    k.stop(Outcome.FULFILLED, Metric.RESPONSE)


def _on_closed(k: ClockBook) -> None:
    k.stop(Outcome.FULFILLED, Metric.RESOLUTION)


def _on_rejected(k: ClockBook) -> None:
    k.stop(Outcome.REJECTED, Metric.DISPATCH)


def _on_reopened(k: ClockBook) -> None:
    # The citizen disputes the answer: a new response clock starts; resolution restarts only
    # if it had ended with the closure (a dispute before closure keeps the running one).
    k.start(Metric.RESPONSE, k.ticket.opd)
    if not k.running(Metric.RESOLUTION):
        k.start(Metric.RESOLUTION, k.ticket.opd)


def _on_info_requested(k: ClockBook) -> None:
    reason = k.ticket.pause_reason or ""
    for clock in k.running(*OPD_METRICS):
        rule = k.rule_of(clock)
        if clock.state is ClockState.RUNNING and rule is not None and reason in rule.pause_on:
            pause(clock, k.calendar_of(clock), k.at, reason)


def _on_info_provided(k: ClockBook) -> None:
    for clock in k.running(*OPD_METRICS):
        if clock.state is ClockState.PAUSED:
            resume(clock, k.calendar_of(clock), k.at)


# Keyed by the lifecycle event's name (states.model's class names): the SLA core does not import
# the lifecycle, and the report history stores these names.
REACTIONS: dict[str, Callable[[ClockBook], None]] = {
    "ReportSubmitted": _on_submitted,
    "ReportAssigned": _on_assigned,
    "ReportReassigned": _on_reassigned,
    "ReportReturned": _on_returned,
    "ReportResponded": _on_responded,
    "ReportClosed": _on_closed,
    "ReportRejected": _on_rejected,
    "ReportReopened": _on_reopened,
    "ReportInfoRequested": _on_info_requested,
    "ReportInfoProvided": _on_info_provided,
}


def react(book: ClockBook, event_name: str) -> None:
    reaction = REACTIONS.get(event_name)
    if reaction is not None:
        reaction(book)
