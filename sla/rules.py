"""SLA rules: scope + metric + target + calendar + warnings + pause conditions, versioned. Pure."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum

from sla.calendar import WorkingCalendar


class Metric(StrEnum):
    DISPATCH = "dispatch"  # submitted -> assigned, owned by the dispatch unit
    RESPONSE = "response"  # assigned -> responded, owned by the OPD holding the ticket
    RESOLUTION = "resolution"  # assigned -> closed, owned by the OPD holding the ticket


class TargetUnit(StrEnum):
    WORKING_HOURS = "working_hours"
    WORKING_DAYS = "working_days"


class PauseReason(StrEnum):
    AWAITING_CITIZEN = "awaiting_citizen"


class RuleError(ValueError):
    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


@dataclass(frozen=True)
class Target:
    amount: float
    unit: TargetUnit

    def __post_init__(self) -> None:
        if not self.amount > 0:
            raise RuleError("target", f"must be positive, got {self.amount}")
        if self.unit is TargetUnit.WORKING_DAYS and self.amount != int(self.amount):
            raise RuleError("target", "working days must be a whole number")

    def deadline(self, calendar: WorkingCalendar, start: datetime) -> tuple[datetime, timedelta]:
        """When this target runs out for a clock starting at `start`, and the working time until
        then (for working days it depends on the hour the clock starts)."""
        if self.unit is TargetUnit.WORKING_DAYS:
            return calendar.working_days_deadline(start, int(self.amount))
        due = calendar.add(start, timedelta(hours=self.amount))
        return due, calendar.between(start, due)

    def __str__(self) -> str:
        unit = "working hours" if self.unit is TargetUnit.WORKING_HOURS else "working days"
        return f"{self.amount:g} {unit}"


@dataclass(frozen=True)
class SlaRule:
    """One version of a rule. A rule keeps its `rule_id` across versions."""

    rule_id: int
    version: int
    metric: Metric
    target: Target
    calendar: str
    effective_from: datetime
    opd: str | None = None
    category: str | None = None
    priority: str | None = None
    warn_at: tuple[float, ...] = (0.5, 0.75)
    pause_on: frozenset[str] = field(default_factory=lambda: frozenset({PauseReason.AWAITING_CITIZEN.value}))
    retired: bool = False

    def __post_init__(self) -> None:
        if any(not 0 < w < 1 for w in self.warn_at):
            raise RuleError("warn_at", f"thresholds must lie strictly between 0 and 1, got {list(self.warn_at)}")
        if list(self.warn_at) != sorted(set(self.warn_at)):
            raise RuleError("warn_at", "thresholds must be increasing and distinct")

    @property
    def specificity(self) -> int:
        """Category beats OPD beats priority: a category is the narrowest description of the work."""
        return 4 * (self.category is not None) + 2 * (self.opd is not None) + (self.priority is not None)

    def covers(self, opd: str | None, category: str | None, priority: str | None) -> bool:
        return all(
            mine is None or mine == theirs
            for mine, theirs in ((self.opd, opd), (self.category, category), (self.priority, priority))
        )


def versions_in_force(rules: Iterable[SlaRule], at: datetime) -> list[SlaRule]:
    """For each rule, its latest version effective at `at`, unless that version retires it."""
    latest: dict[int, SlaRule] = {}
    for rule in rules:
        current = latest.get(rule.rule_id)
        if rule.effective_from <= at and (current is None or rule.version > current.version):
            latest[rule.rule_id] = rule
    return [r for r in latest.values() if not r.retired]


def match_rule(
    rules: Iterable[SlaRule],
    metric: Metric,
    opd: str | None,
    category: str | None,
    priority: str | None,
    at: datetime,
) -> SlaRule | None:
    """The rule that applies. Most specific wins; a tie goes to the version that took effect
    most recently, then to the lowest rule id, so the choice is always the same and explainable."""
    candidates = [r for r in versions_in_force(rules, at) if r.metric is metric and r.covers(opd, category, priority)]
    if not candidates:
        return None
    return min(candidates, key=lambda r: (-r.specificity, -r.effective_from.timestamp(), r.rule_id))


@dataclass(frozen=True)
class Uncovered:
    """A combination no rule in force covers: a report there runs without this metric's clock."""

    metric: Metric
    opd: str | None
    category: str | None
    priority: str


def _reachable(
    routes: Mapping[str, str], priorities: Iterable[str]
) -> list[tuple[Metric, str | None, str | None, str]]:
    """Where clocks start by default. The dispatch clock has no OPD and may start before a report
    has a category; the OPD clocks start at the OPD a category is routed to."""
    levels = list(priorities)
    dispatch = [(Metric.DISPATCH, None, category, p) for category in [None, *sorted(routes)] for p in levels]
    by_opd = sorted(routes.items(), key=lambda route: (route[1], route[0]))
    opd_metrics = [(m, opd, category, p) for m in (Metric.RESPONSE, Metric.RESOLUTION)
                   for category, opd in by_opd for p in levels]
    return [*dispatch, *opd_metrics]


def uncovered_scopes(
    rules: Iterable[SlaRule], routes: Mapping[str, str], priorities: Iterable[str], at: datetime
) -> list[Uncovered]:
    """The (metric, OPD, category, priority) combinations that `match_rule` would answer with no
    rule at `at`, for every category at the OPD it is routed to (`routes`: category -> OPD)."""
    in_force = versions_in_force(rules, at)
    return [
        Uncovered(metric, opd, category, priority)
        for metric, opd, category, priority in _reachable(routes, priorities)
        if not any(r.metric is metric and r.covers(opd, category, priority) for r in in_force)
    ]
