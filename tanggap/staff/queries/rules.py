"""The SLA rules page: every rule's versions, which version would apply (the preview), and the
categories no rule covers."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sla.clocks import ClockState
from sla.rules import Metric, Uncovered, match_rule, uncovered_scopes
from states.errors import InvalidInput
from states.model import SUPERVISING, Priority, ReportState
from tanggap.access import StaffUser, require
from tanggap.db import CategoryRow, ClockRow, ReportRow, RuleRow
from tanggap.enforcement.repository import SqlAlchemySlaRepository
from tanggap.reader import AbstractReader, plain


@dataclass(frozen=True)
class RuleVersion:
    """One version of an SLA rule as the rules, what-if and breach pages show it."""

    rule_id: int
    version: int
    metric: str
    opd: str | None
    category: str | None
    priority: str | None
    target_amount: float
    target_unit: str
    calendar: str
    warn_at: list[float]
    pause_on: list[str]
    effective_from: datetime
    retired: bool
    created_by: str
    created_at: datetime
    note: str | None


def rules(reader: AbstractReader, user: StaffUser) -> dict[int, list[RuleVersion]]:
    """Every rule's versions, newest first, with who made each."""
    require(user, SUPERVISING, "read SLA rules")
    with reader as s:
        versions = [plain(RuleVersion, row) for row in s.scalars(select(RuleRow).order_by(
            RuleRow.rule_id, RuleRow.version.desc()))]
    grouped: dict[int, list[RuleVersion]] = defaultdict(list)
    for version in versions:
        grouped[version.rule_id].append(version)
    return dict(grouped)


def preview_rule(reader: AbstractReader, user: StaffUser, metric: str, opd: str | None, category: str | None,
                 priority: str | None, at: datetime) -> RuleVersion | None:
    """Which rule version would start a clock for this OPD, category and priority at `at`."""
    require(user, SUPERVISING, "preview SLA rules")
    if metric not in set(Metric):
        raise InvalidInput("metric", f"{metric!r} is not one of {', '.join(Metric)}")
    with reader as s:
        found = match_rule(SqlAlchemySlaRepository(s).rules(), Metric(metric), opd, category, priority, at)
        return rule_version(s, found.rule_id, found.version) if found else None


def rule_version(s: Session, rule_id: int, version: int) -> RuleVersion | None:
    row = s.scalar(select(RuleRow).where(RuleRow.rule_id == rule_id, RuleRow.version == version))
    return plain(RuleVersion, row) if row else None


# --- SLA rule coverage -----------------------------------------------------------------------

# The lifecycle states in which a metric's clock runs or waits paused.
CLOCKED_STATES: dict[Metric, tuple[str, ...]] = {
    Metric.DISPATCH: (ReportState.SUBMITTED.value, ReportState.CLASSIFIED.value),
    Metric.RESPONSE: (ReportState.ASSIGNED.value,),
    Metric.RESOLUTION: (ReportState.ASSIGNED.value, ReportState.RESPONDED.value),
}
Gaps = dict[str, dict[str | None, list["CoverageGap"]]]


@dataclass(frozen=True)
class CoverageGap:
    """A category at an OPD (none for dispatch) that no rule in force covers for these priorities;
    `open_reports` are open reports of it that run without this metric's clock now."""

    metric: str
    opd: str | None
    category: str | None
    priorities: tuple[str, ...]
    open_reports: int

    @property
    def every_priority(self) -> bool:
        return set(self.priorities) == {p.value for p in Priority}

    @property
    def priority(self) -> str | None:
        """The priority a rule for this gap needs; none when every priority is uncovered."""
        return self.priorities[0] if len(self.priorities) == 1 else None


def rule_coverage(reader: AbstractReader, user: StaffUser, now: datetime) -> Gaps:
    """Metric -> OPD -> the categories no rule covers at `now`, where reports would start no clock."""
    require(user, SUPERVISING, "read SLA rule coverage")
    with reader as s:
        rows = s.execute(select(CategoryRow.code, CategoryRow.opd_code).where(CategoryRow.active))
        routes = {category: opd for category, opd in rows}
        found = uncovered_scopes(SqlAlchemySlaRepository(s).rules(), routes, [p.value for p in Priority], now)
        unclocked = _unclocked_reports(s) if found else Counter()
    return _grouped_gaps(found, unclocked)


def _unclocked_reports(s: Session) -> Counter[tuple[str, str | None, str | None, str]]:
    """Open reports per (metric, OPD, category, priority) whose metric has no running or paused
    clock in a state where it should: one grouped query."""
    clocked = [select(ClockRow.id).where(ClockRow.report_id == ReportRow.id, ClockRow.metric == m.value,
                                         ClockRow.state != ClockState.STOPPED.value).exists().label(f"has_{m.value}")
               for m in Metric]
    scope = (ReportRow.state, ReportRow.opd, ReportRow.category, ReportRow.priority)
    states = {s for metric_states in CLOCKED_STATES.values() for s in metric_states}
    per_report = select(*scope, *clocked).where(ReportRow.state.in_(states)).subquery()
    rows = s.execute(select(*per_report.c, func.count()).group_by(*per_report.c))
    counts: Counter[tuple[str, str | None, str | None, str]] = Counter()
    for state, opd, category, priority, *has_clock, reports in rows:
        for metric, has in zip(Metric, has_clock, strict=True):
            if state in CLOCKED_STATES[metric] and not has:
                counts[(metric.value, None if metric is Metric.DISPATCH else opd, category, priority)] += reports
    return counts


def _grouped_gaps(found: list[Uncovered], unclocked: Counter[tuple[str, str | None, str | None, str]]) -> Gaps:
    levels: dict[tuple[str, str | None, str | None], list[str]] = defaultdict(list)
    for gap in found:
        levels[(gap.metric.value, gap.opd, gap.category)].append(gap.priority)
    grouped: dict[str, dict[str | None, list[CoverageGap]]] = defaultdict(lambda: defaultdict(list))
    for (metric, opd, category), priorities in levels.items():
        reports = sum(unclocked[(metric, opd, category, p)] for p in priorities)
        grouped[metric][opd].append(CoverageGap(metric, opd, category, tuple(priorities), reports))
    return {metric: dict(by_opd) for metric, by_opd in grouped.items()}
