"""What-if: a period's real report history replayed under the rules in force or under a
supervisor's draft rule, set against the breaches the ledger recorded.

The replay itself is pure (sla/replay.py, on the same reactions and clock arithmetic as the live
clocks); this module reads the history, the rules and the recorded breaches, and sums up what a
draft would change: breaches added and removed per OPD and officer, the on-time rate, and each
officer's allowance cut under the current policy."""

from __future__ import annotations

import dataclasses
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson

from sla.allowance import policy_from_spec
from sla.reactions import OPD_METRICS, REACTIONS, Ticket
from sla.replay import (
    CalendarHistory,
    HistoryEvent,
    MetOnTime,
    Replay,
    ReplayedBreach,
    SpecEdit,
    past_specs,
    replay,
)
from sla.rules import SlaRule
from states.errors import InvalidInput, NotFound
from states.model import EVENT_FIELDS, Priority, ReportState
from tanggap import commands as c
from tanggap.config_audit import ConfigSubject
from tanggap.display import local_iso
from tanggap.enforcement.repository import calendar_for
from tanggap.enforcement.service import validated_rule
from tanggap.payroll.service import allowance, cuts, met_on_time, month_bounds, policy_row
from tanggap.uow import AbstractUnitOfWork

OPD_METRIC_NAMES = tuple(m.value for m in OPD_METRICS)
DRAFT_FIELDS = frozenset(f.name for f in dataclasses.fields(c.DefineRule)) - {"actor", "effective_from", "note"}
# Report fields a clock reads; the others an event may set do not move clocks.
TICKET_FIELDS = ("opd", "officer", "category", "priority", "pause_reason")
assert set(TICKET_FIELDS) <= EVENT_FIELDS


@dataclass(frozen=True)
class Period:
    months: tuple[str, ...]
    start: datetime
    end: datetime

    @property
    def label(self) -> str:
        return self.months[0] if len(self.months) == 1 else f"{self.months[0]}..{self.months[-1]}"

    @property
    def starts(self) -> list[datetime]:
        return [month_bounds(m)[0] for m in self.months]

    def met_within(self, met: Sequence[MetOnTime]) -> list[MetOnTime]:
        """The clocks met on time that stopped in this period. Stop times are event times, in UTC:
        compared with UTC bounds, since a comparison across two zones costs a zone lookup on each side."""
        start, end = self.start.astimezone(UTC), self.end.astimezone(UTC)
        return [m for m in met if start <= m.stopped_at < end]

    def month_of(self, at: datetime, starts: Sequence[datetime]) -> str:
        """The WITA month `at` falls in; `starts` are this period's month starts (a bisect, not a
        zone conversion and a strftime per breach)."""
        return self.months[max(bisect_right(starts, at) - 1, 0)]


def period(month: str, last: str | None = None) -> Period:
    """One WITA month, or every month from `month` to `last` inclusive."""
    start, end = month_bounds(month)
    months = [month]
    if last is not None:
        final_end = month_bounds(last)[1]
        if final_end <= start:
            raise InvalidInput("from_month", f"{month} is after {last}")
        while end < final_end:
            months.append(end.strftime("%Y-%m"))
            end = month_bounds(months[-1])[1]
    return Period(tuple(months), start, end)


# --- the draft ---------------------------------------------------------------------------


def draft_command(raw: Any) -> c.DefineRule:
    """A draft rule from JSON: the fields of a rule, or `rule_id` and only the fields that change."""
    if not isinstance(raw, dict):
        raise InvalidInput("draft", "must be a JSON object with the rule's fields")
    unknown = sorted(set(raw) - DRAFT_FIELDS)
    if unknown:
        raise InvalidInput(unknown[0], f"is not a field of a rule; use {', '.join(sorted(DRAFT_FIELDS))}")
    values = dict(raw)
    for name in ("warn_at", "pause_on"):
        if name in values:
            values[name] = tuple(values[name] or ())
    values.setdefault("metric", "")
    values.setdefault("target_amount", 0)
    values.setdefault("target_unit", "")
    values.setdefault("calendar", "")
    return c.DefineRule(actor="", **values)


def draft_rule(uow: AbstractUnitOfWork, cmd: c.DefineRule, raw_fields: Sequence[str], effective: datetime) -> SlaRule:
    """The draft as a rule version in force from `effective`: a new version of `rule_id` (fields
    not given are kept from its latest version) or a new rule."""
    rules = uow.sla.rules()
    if cmd.rule_id is not None:
        versions = [r for r in rules if r.rule_id == cmd.rule_id]
        if not versions:
            raise NotFound("SLA rule", cmd.rule_id)
        latest = max(versions, key=lambda r: r.version)
        cmd = dataclasses.replace(cmd, **{k: v for k, v in _rule_fields(latest).items() if k not in raw_fields})
    rule = validated_rule(cmd, uow, effective)
    version = max((r.version for r in rules if r.rule_id == rule.rule_id), default=0) + 1
    return dataclasses.replace(rule, version=version, effective_from=effective)


def _rule_fields(rule: SlaRule) -> dict[str, Any]:
    return {
        "metric": rule.metric.value, "target_amount": rule.target.amount, "target_unit": rule.target.unit.value,
        "calendar": rule.calendar, "opd": rule.opd, "category": rule.category, "priority": rule.priority,
        "warn_at": rule.warn_at, "pause_on": tuple(sorted(rule.pause_on)),
    }


# --- the history -------------------------------------------------------------------------


ASSIGNED = ReportState.ASSIGNED.value  # read once: an enum's .value costs a descriptor call per event
NORMAL = Priority.NORMAL.value
NEW_REPORT: dict[str, Any] = {**dict.fromkeys(TICKET_FIELDS), "priority": NORMAL}


def histories(uow: AbstractUnitOfWork, end: datetime, start: datetime) -> list[list[HistoryEvent]]:
    """The events before `end` of every report that could have a clock running in [start, end):
    a report already closed or rejected, untouched since before `start`, has none."""
    return list(_by_report(uow.payroll.history_rows(start, end)))


def _utc(raw: datetime | str) -> datetime:
    """SQLite gives the stored UTC wall time as text, PostgreSQL an aware datetime."""
    if isinstance(raw, str):
        return datetime.fromisoformat(raw + "+00:00")  # one parse, no copy to set the zone
    return raw.astimezone(UTC) if raw.tzinfo else raw.replace(tzinfo=UTC)


def _by_report(rows: Sequence[Any]) -> Iterator[list[HistoryEvent]]:
    """Rebuild, event by event, the report fields the clocks read (as states.model.apply does),
    keeping the events that move clocks; a ticket is shared by the events that change none of them."""
    current: int | None = None
    state: dict[str, Any] = {}
    ticket: Ticket | None = None
    events: list[HistoryEvent] = []
    for report_id, name, raw_at, to_state, data_text in rows:
        if report_id != current:
            if events:
                yield events
            current, state, ticket, events = report_id, dict(NEW_REPORT), None, []
        if data_text and data_text != "{}" and _fold(orjson.loads(data_text), state):
            ticket = None
        if _stamp(name, to_state, state):
            ticket = None
        if name in REACTIONS:
            if ticket is None:
                ticket = Ticket(report_id, state["opd"], state["officer"], state["category"],
                                state["priority"] or NORMAL, state["pause_reason"])
            events.append(HistoryEvent(name, _utc(raw_at), ticket))
    if events:
        yield events


def _fold(data: dict[str, Any], state: dict[str, Any]) -> bool:
    """Take the fields a clock reads from an event's data; whether it set any."""
    found = False
    for key in TICKET_FIELDS:
        if key in data:
            state[key], found = data[key], True
    return found


def _stamp(name: str, to_state: str, state: dict[str, Any]) -> bool:
    """What states.model._stamp does to the fields a clock reads; whether it changed any."""
    returned = name == "ReportReturned"
    if returned:
        state["opd"] = state["officer"] = None
    if to_state != ASSIGNED and state["pause_reason"] is not None:
        state["pause_reason"] = None  # waiting for the citizen only means something while an OPD holds it
        return True
    return returned


def calendars(uow: AbstractUnitOfWork) -> dict[str, CalendarHistory]:
    """Every calendar as it stood over time: today's spec and its edits in the configuration trail."""
    edits: dict[str, list[SpecEdit]] = defaultdict(list)
    for change in uow.sla.config_changes(ConfigSubject.CALENDAR.value):
        edits[change.subject_key].append(SpecEdit(change.at, change.field, change.old_value))
    return {name: _history(past_specs(spec, edits[name])) for name, spec in uow.payroll.calendar_specs().items()}


def _history(specs: Sequence[tuple[datetime, dict[str, Any]]]) -> CalendarHistory:
    return CalendarHistory(tuple(since for since, _ in specs), tuple(calendar_for(spec) for _, spec in specs))


def known_since(uow: AbstractUnitOfWork) -> dict[tuple[int, int], datetime]:
    """When each later version of a rule was saved. A rule's first version counts from its
    effective time: the demo data's history is dated before its rules were saved."""
    return uow.payroll.later_versions_saved()


def heads(uow: AbstractUnitOfWork) -> dict[str, str | None]:
    return uow.payroll.opd_heads()


# --- what changed --------------------------------------------------------------------------


@dataclass(frozen=True)
class Recorded(ReplayedBreach):
    """A breach in the ledger, in the replay's terms: a replayed breach with its id and waiver."""

    id: int
    waived: bool

    def same(self, other: ReplayedBreach) -> bool:
        return (self.opd, self.officer, self.due_at) == (other.opd, other.officer, other.due_at)


@dataclass(frozen=True)
class Counted:
    """A replayed breach as the cuts count it: the recorded id when the ledger has it."""

    id: int
    officer: str | None
    opd: str | None


@dataclass
class WhatIf:
    month: str
    recorded: int
    replayed: int
    added: list[dict[str, Any]]
    removed: list[dict[str, Any]]
    moved: int  # breaches of the same clock, due at another time or attributed to someone else
    by_opd: dict[str, dict[str, int]]
    by_officer: dict[str, dict[str, int]]
    on_time_rate: dict[str, float | None]
    allowance_change: dict[str, dict[str, Any]]
    draft: dict[str, Any] | None = None
    horizon: str | None = None

    @property
    def reproduces(self) -> bool:
        return not self.added and not self.removed and not self.moved

    def to_json(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def recorded_breaches(uow: AbstractUnitOfWork, start: datetime, end: datetime) -> list[Recorded]:
    rows, waived = uow.payroll.recorded_breaches(start, end)
    return [Recorded(*row[1:], id=row[0], waived=row[0] in waived) for row in rows]


def what_if(uow: AbstractUnitOfWork, span: Period, now: datetime, draft: dict[str, Any] | None = None) -> WhatIf:
    """Replay `span` under the rules in force, or with `draft` added as a new rule version."""
    horizon = min(now, span.end)
    with uow:
        history = histories(uow, span.end, span.start)
        rules = list(uow.sla.rules())
        if draft is not None:
            effective = min((events[0].at for events in history), default=span.start)
            rules.append(draft_rule(uow, draft_command(draft), list(draft), effective))
        result = replay(history, rules, calendars(uow), heads(uow), horizon, known_since(uow))
        recorded = recorded_breaches(uow, span.start, span.end)
        met_before = len(met_on_time(uow, span.start, span.end))
        policies = {month: _policy(uow, month) for month in span.months}
    before = {month: _official_cuts(uow, month) for month in span.months}  # each in its own transaction
    return _compare(span, result, recorded, before, met_before, policies, draft, horizon)


def _official_cuts(uow: AbstractUnitOfWork, month: str) -> dict[str, float]:
    try:
        report = allowance(uow, month)
    except NotFound:
        return {}
    return {cut.who: cut.cut_percent for cut in report.officers}


def _policy(uow: AbstractUnitOfWork, month: str) -> Any:
    try:
        return policy_from_spec(policy_row(uow, month).spec)
    except NotFound:
        return None


def _compare(span: Period, result: Replay, recorded: list[Recorded], before: dict[str, dict[str, float]],
             met_before: int, policies: dict[str, Any], draft: dict[str, Any] | None, horizon: datetime) -> WhatIf:
    replayed = [b for b in result.breaches if span.start <= b.due_at < span.end]
    was = {r.key: r for r in recorded}
    now_ = {b.key: b for b in replayed}
    added = [b for b in replayed if b.key not in was]
    removed = [r for r in recorded if r.key not in now_]
    moved = sum(1 for b in replayed if b.key in was and not was[b.key].same(b))
    met = span.met_within(result.met)
    return WhatIf(
        month=span.label,
        recorded=len(recorded),
        replayed=len(replayed),
        added=[_breach_view(b) for b in added],
        removed=[_breach_view(r) for r in removed],
        moved=moved,
        by_opd=_tally(recorded, replayed, added, removed, lambda b: b.opd or "-"),
        by_officer=_tally(recorded, replayed, added, removed, lambda b: b.officer or "-"),
        on_time_rate=_rates(met_before, met, recorded, replayed, was),
        allowance_change=_allowance_change(span, met, replayed, was, before, policies),
        draft=draft,
        horizon=local_iso(horizon),
    )


def _breach_view(b: ReplayedBreach | Recorded) -> dict[str, Any]:
    return {"report_id": b.report_id, "metric": b.metric, "opd": b.opd, "officer": b.officer,
            "rule": f"{b.rule_id}v{b.rule_version}", "started_at": local_iso(b.started_at),
            "due_at": local_iso(b.due_at)}


def _tally(recorded: Sequence[Recorded], replayed: Sequence[ReplayedBreach], added: Sequence[ReplayedBreach],
           removed: Sequence[Recorded], key: Any) -> dict[str, dict[str, int]]:
    table: dict[str, dict[str, int]] = defaultdict(lambda: {"recorded": 0, "replayed": 0, "added": 0, "removed": 0})
    for name, rows in (("recorded", recorded), ("replayed", replayed), ("added", added), ("removed", removed)):
        for who, count in Counter(key(b) for b in rows).items():
            table[who][name] = count
    return dict(sorted(table.items()))


def _opd_unwaived(rows: Sequence[Any], was: dict[tuple[int, str, datetime], Recorded]) -> int:
    return sum(1 for b in rows if b.metric in OPD_METRIC_NAMES and not (b.key in was and was[b.key].waived))


def _rates(met_before: int, met: list[MetOnTime], recorded: list[Recorded], replayed: list[ReplayedBreach],
           was: dict[tuple[int, str, datetime], Recorded]) -> dict[str, float | None]:
    """On time: OPD clocks met on time among those met on time or breached (waived breaches aside)."""

    def rate(on_time: int, breached: int) -> float | None:
        return round(on_time / (on_time + breached), 4) if on_time + breached else None

    return {"before": rate(met_before, _opd_unwaived(recorded, was)),
            "after": rate(len(met), _opd_unwaived(replayed, was))}


def _allowance_change(span: Period, met: list[MetOnTime], replayed: list[ReplayedBreach],
                      was: dict[tuple[int, str, datetime], Recorded], before: dict[str, dict[str, float]],
                      policies: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Each officer whose cut would differ, per month and summed, under each month's current policy;
    `met`: the clocks met on time in the period."""
    change: dict[str, dict[str, Any]] = {}
    starts = span.starts
    utc_starts = [start.astimezone(UTC) for start in starts]  # for the stop times, in UTC
    breaches_in: dict[str, list[Counted]] = defaultdict(list)
    for b in replayed:
        if b.metric in OPD_METRIC_NAMES and not (b.key in was and was[b.key].waived):
            breaches_in[span.month_of(b.due_at, starts)].append(
                Counted(was[b.key].id if b.key in was else 0, b.officer, b.opd))
    met_in: dict[str, list[tuple[str | None, str]]] = defaultdict(list)
    for m in met:
        met_in[span.month_of(m.stopped_at, utc_starts)].append((m.officer, m.opd))
    for month in span.months:
        if policies[month] is None:
            continue
        after = {cut.who: cut.cut_percent
                 for cut in cuts(policies[month], breaches_in[month], met_in[month], by_officer=True)}
        for who in sorted(set(before[month]) | set(after)):
            old, new = before[month].get(who, 0.0), after.get(who, 0.0)
            if old != new:
                entry = change.setdefault(who, {"before": 0.0, "after": 0.0, "change": 0.0, "by_month": {}})
                entry["before"] = round(entry["before"] + old, 4)
                entry["after"] = round(entry["after"] + new, 4)
                entry["change"] = round(entry["after"] - entry["before"], 4)
                entry["by_month"][month] = round(new - old, 4)
    return dict(sorted(change.items()))
