"""SLA persistence: rules, calendars, clocks, alerts, and the hash-chained ledger."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from sla.calendar import WorkingCalendar
from sla.clocks import Alert, ClockState, Outcome, SlaClock
from sla.ledger import LedgerEntry, chain_hash
from sla.rules import Metric, SlaRule, Target, TargetUnit
from states.errors import NotFound
from tanggap.db import (
    AlertRow,
    BreachRow,
    CalendarRow,
    ChainedRow,
    ClockRow,
    FulfilmentRow,
    LedgerHeadRow,
    OutboxRow,
    RuleRow,
    UserRow,
    WaiverRow,
)

LEDGER_TABLES: dict[str, type[ChainedRow]] = {
    "sla_breaches": BreachRow,
    "sla_fulfilments": FulfilmentRow,
    "sla_waivers": WaiverRow,
}
# A row's id is assigned on insert, after hashing; its place in the chain (chain_seq) is hashed instead.
CHAIN_COLUMNS = frozenset({"id", "prev_hash", "hash"})


@lru_cache(maxsize=256)
def _calendar_from_json(spec_json: str) -> WorkingCalendar:
    return WorkingCalendar.from_spec(json.loads(spec_json))


def calendar_for(spec: dict[str, Any]) -> WorkingCalendar:
    """Calendars are immutable and costly to build (holiday tables): share one per spec."""
    return _calendar_from_json(json.dumps(spec, sort_keys=True))


def rule_from_row(row: RuleRow) -> SlaRule:
    return SlaRule(
        rule_id=row.rule_id,
        version=row.version,
        metric=Metric(row.metric),
        target=Target(row.target_amount, TargetUnit(row.target_unit)),
        calendar=row.calendar,
        effective_from=row.effective_from,
        opd=row.opd,
        category=row.category,
        priority=row.priority,
        warn_at=tuple(row.warn_at),
        pause_on=frozenset(row.pause_on),
        retired=row.retired,
    )


def clock_from_row(row: ClockRow) -> SlaClock:
    return SlaClock(
        id=row.id,
        report_id=row.report_id,
        metric=Metric(row.metric),
        opd=row.opd,
        rule_id=row.rule_id,
        rule_version=row.rule_version,
        calendar_spec=row.calendar_spec,
        target=timedelta(seconds=row.target_seconds),
        warn_at=tuple(row.warn_at),
        started_at=row.started_at,
        run_from=row.run_from,
        due_at=row.due_at,
        used_before=timedelta(seconds=row.used_seconds),
        paused_total=timedelta(seconds=row.paused_seconds),
        state=ClockState(row.state),
        paused_at=row.paused_at,
        pause_reason=row.pause_reason,
        pending=[Alert.from_json(a) for a in row.pending],
        recorded=list(row.recorded),
        holders=[(datetime.fromisoformat(s), o) for s, o in row.holders],
        stopped_at=row.stopped_at,
        outcome=Outcome(row.outcome) if row.outcome else None,
        late=row.late,
        overdue=timedelta(seconds=row.overdue_seconds),
    )


def clock_values(clock: SlaClock) -> dict[str, Any]:
    return {
        "report_id": clock.report_id,
        "metric": clock.metric.value,
        "opd": clock.opd,
        "state": clock.state.value,
        "rule_id": clock.rule_id,
        "rule_version": clock.rule_version,
        "calendar_spec": clock.calendar_spec,
        "target_seconds": clock.target.total_seconds(),
        "warn_at": list(clock.warn_at),
        "started_at": clock.started_at,
        "run_from": clock.run_from,
        "used_seconds": clock.used_before.total_seconds(),
        "paused_seconds": clock.paused_total.total_seconds(),
        "paused_at": clock.paused_at,
        "pause_reason": clock.pause_reason,
        "due_at": clock.due_at,
        "next_alert_at": clock.next_alert_at,
        "pending": [a.to_json() for a in clock.pending],
        "recorded": list(clock.recorded),
        "holders": [[s.isoformat(), o] for s, o in clock.holders],
        "stopped_at": clock.stopped_at,
        "outcome": clock.outcome.value if clock.outcome else None,
        "late": clock.late,
        "overdue_seconds": clock.overdue.total_seconds(),
    }


def ledger_content(row: ChainedRow) -> dict[str, Any]:
    """The canonical content a ledger row's hash covers: every column but its own chain fields."""
    columns = row.__table__.columns  # type: ignore[attr-defined]
    content = {c.key: getattr(row, c.key) for c in columns if c.key not in CHAIN_COLUMNS}
    return {"table": row.__tablename__, **content}  # type: ignore[attr-defined]


class SqlAlchemySlaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rules: list[SlaRule] | None = None
        self._calendars: dict[str, WorkingCalendar] = {}
        self._clocks: dict[int, list[tuple[SlaClock, ClockRow]]] = {}
        self._swept: list[tuple[SlaClock, ClockRow]] = []
        self.pending_breaches: list[tuple[SlaClock, BreachRow]] = []
        self.pending_fulfilments: list[tuple[SlaClock, datetime, Outcome]] = []

    # --- rules and calendars
    def rules(self) -> list[SlaRule]:
        if self._rules is None:
            self._rules = [rule_from_row(r) for r in self.session.scalars(select(RuleRow))]
        return self._rules

    def calendar(self, name: str) -> WorkingCalendar:
        if name not in self._calendars:
            row = self.session.scalar(select(CalendarRow).where(CalendarRow.name == name))
            if row is None:
                raise NotFound("calendar", name)
            self._calendars[name] = calendar_for(row.spec)
        return self._calendars[name]

    def next_rule_id(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(RuleRow.rule_id), 0))) or 0) + 1

    def add(self, row: RuleRow | CalendarRow) -> None:
        self.session.add(row)
        self._rules = None
        self._calendars.clear()

    # --- clocks
    def clocks_of(self, report_id: int) -> list[SlaClock]:
        if report_id not in self._clocks:
            rows = self.session.scalars(select(ClockRow).where(ClockRow.report_id == report_id).order_by(ClockRow.id))
            self._clocks[report_id] = [(clock_from_row(r), r) for r in rows]
        return [clock for clock, _ in self._clocks[report_id]]

    def add_clock(self, clock: SlaClock) -> None:
        row = ClockRow(**clock_values(clock))
        self.session.add(row)
        self._clocks.setdefault(clock.report_id, []).append((clock, row))

    def track(self, clock: SlaClock, row: ClockRow) -> None:
        """A clock the sweep loaded; written back at flush like the others."""
        self._swept.append((clock, row))

    def flush(self) -> None:
        """Write touched clocks back, then chain the breaches and fulfilments they produced."""
        tracked = [*(p for pairs in self._clocks.values() for p in pairs), *self._swept]
        for clock, row in tracked:
            for key, value in clock_values(clock).items():
                if getattr(row, key) != value:
                    setattr(row, key, value)
        self.session.flush()
        for clock, row in tracked:
            clock.id = row.id
        self._chain_breaches()
        self._chain_fulfilments()

    def _chain_breaches(self) -> None:
        for clock, breach in self.pending_breaches:
            assert clock.id is not None, "clocks are flushed before their breaches"
            breach.clock_id = clock.id
            self.append(breach)
            self.session.add(
                OutboxRow(
                    topic="sla.breach",
                    report_id=clock.report_id,
                    payload={"breach_id": breach.id},
                    created_at=breach.recorded_at,
                )
            )
        self.pending_breaches.clear()

    def _chain_fulfilments(self) -> None:
        for clock, at, outcome in self.pending_fulfilments:
            breach_id = self.session.scalar(select(BreachRow.id).where(BreachRow.clock_id == clock.id))
            if breach_id is None:
                continue  # late only by the sweep's view of time: nothing was recorded, nothing to close
            self.append(
                FulfilmentRow(
                    breach_id=breach_id,
                    fulfilled_at=at,
                    outcome=outcome.value,
                    overdue_seconds=clock.overdue.total_seconds(),
                    recorded_at=at,
                )
            )
        self.pending_fulfilments.clear()

    def insert_warnings(self, warnings: list[dict[str, Any]]) -> None:
        if not warnings:
            return
        self.session.execute(insert(AlertRow), warnings)
        self.session.execute(
            insert(OutboxRow),
            [
                {
                    "topic": "sla.warning",
                    "report_id": w["report_id"],
                    "created_at": w["recorded_at"],
                    "payload": {"clock_id": w["clock_id"], "kind": w["kind"]},
                }
                for w in warnings
            ],
        )

    def opd_head(self, opd: str) -> str | None:
        return self.session.scalar(
            select(UserRow.username).where(UserRow.opd_code == opd, UserRow.role == "opd_head").limit(1)
        )

    # --- the ledger
    def lock_head(self) -> LedgerHeadRow:
        """Take the chain's head for this transaction; concurrent appenders wait here."""
        if self.session.get_bind().dialect.name == "sqlite":
            # SQLite has no row locks: a write takes the database's write lock now, before reading.
            self.session.execute(update(LedgerHeadRow).where(LedgerHeadRow.id == 1).values(seq=LedgerHeadRow.seq))
        head = self.session.scalar(select(LedgerHeadRow).where(LedgerHeadRow.id == 1).with_for_update())
        if head is None:
            raise LookupError("the ledger head row is missing; run `tanggap db upgrade`")
        return head

    def append(self, row: ChainedRow) -> None:
        """Give `row` the next place in the chain and the hash over its content."""
        head = self.lock_head()
        row.chain_seq, row.prev_hash = head.seq + 1, head.hash
        row.hash = chain_hash(row.prev_hash, ledger_content(row))
        head.seq, head.hash = row.chain_seq, row.hash
        self.session.add(row)
        self.session.flush()

    def ledger(self) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        for table, model in LEDGER_TABLES.items():
            for row in self.session.scalars(select(model)):
                entries.append(
                    LedgerEntry(
                        row.chain_seq,
                        table,
                        row.id,  # type: ignore[attr-defined]
                        ledger_content(row),
                        row.prev_hash,
                        row.hash,
                    )
                )
        return entries
