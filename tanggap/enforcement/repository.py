"""SLA persistence: rules, calendars, clocks, alerts, and the hash-chained ledger."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import UTC, datetime, timedelta
from functools import lru_cache, partial
from types import SimpleNamespace
from typing import Any, Protocol, cast

import orjson
from sqlalchemy import Table, Text, func, insert, select, text, type_coerce, update
from sqlalchemy import cast as sa_cast
from sqlalchemy.engine import Result
from sqlalchemy.orm import Session
from sqlalchemy.types import NullType

from sla.calendar import WorkingCalendar
from sla.clocks import Alert, ClockState, Outcome, SlaClock
from sla.ledger import LedgerEntry, chain_hash
from sla.rules import Metric, SlaRule, Target, TargetUnit
from states.errors import NotFound
from tanggap import config_audit
from tanggap.bulk import bulk_insert, json_insert, moved_columns, update_by_group
from tanggap.db import (
    AlertRow,
    BreachRow,
    CalendarRow,
    ChainedRow,
    ClockRow,
    ClosedMonthRow,
    ConfigChangeRow,
    FulfilmentRow,
    LedgerHeadRow,
    ObjectionDecisionRow,
    ObjectionRow,
    OutboxRow,
    RuleRow,
    UserRow,
    UtcDateTime,
    WaiverRow,
)

LEDGER_CHUNK = 2000
LEDGER_TABLES: dict[str, type[ChainedRow]] = {
    "sla_breaches": BreachRow,
    "sla_fulfilments": FulfilmentRow,
    "sla_waivers": WaiverRow,
    "objections": ObjectionRow,
    "objection_decisions": ObjectionDecisionRow,
}
# A row's id is assigned on insert, after hashing; its place in the chain (chain_seq) is hashed instead.
CLOCKS = cast(Table, ClockRow.__table__)
JSON_CLOCK_COLUMNS = frozenset({"calendar_spec", "warn_at", "pending", "recorded", "holders"})


# Everything a lifecycle event or a pause can move; identity, rule and calendar snapshot never change.
MUTABLE_CLOCK_COLUMNS = frozenset({
    "state", "run_from", "used_seconds", "paused_seconds", "paused_at", "pause_reason", "due_at",
    "next_alert_at", "pending", "recorded", "holders", "stopped_at", "outcome", "late", "overdue_seconds",
})
# JSON arrives as text and is parsed by orjson: the driver's per-value json.loads dominated.
CLOCK_READ_COLUMNS = [sa_cast(c, Text).label(c.key) if c.key in JSON_CLOCK_COLUMNS else c for c in CLOCKS.columns]
# The sweep's read on PostgreSQL skips SQLAlchemy's per-value result processing: psycopg's own
# values are already what the clock needs (datetimes are aware; they are turned to UTC after).
DATETIME_CLOCK_COLUMNS = tuple(c.key for c in CLOCKS.columns if isinstance(c.type, UtcDateTime))
RAW_CLOCK_COLUMNS = [
    type_coerce(c, NullType()).label(c.key) if c.key in DATETIME_CLOCK_COLUMNS else c for c in CLOCK_READ_COLUMNS
]


def open_response_due(clocks: list[SlaClock]) -> datetime | None:
    """What the OPD queue sorts by: the due time of the report's response clock that has not stopped."""
    return min((k.due_at for k in clocks if k.metric is Metric.RESPONSE and k.state is not ClockState.STOPPED),
               default=None)


# The swept clocks' new alert state in one statement and one parameter, a JSON document the
# server unpacks (far cheaper to send than one array per column).
SWEPT_COLUMNS = ("next_alert_at", "pending", "recorded")
SWEPT_UPDATE = """
    UPDATE sla_clocks AS c
       SET pending = v.new_pending, recorded = v.new_recorded, next_alert_at = v.new_next_alert_at
      FROM json_to_recordset(CAST(%s AS json))
           AS v(clock_id int, new_pending json, new_recorded json, new_next_alert_at timestamptz)
     WHERE c.id = v.clock_id"""


def _stored_clocks(result: Result[Any]) -> Iterator[dict[str, Any]]:
    """Rows of CLOCK_READ_COLUMNS as plain dicts, JSON parsed by orjson (the driver's json.loads dominated)."""
    keys = list(result.keys())
    json_at = [i for i, k in enumerate(keys) if k in JSON_CLOCK_COLUMNS and k != "calendar_spec"]
    spec_at = keys.index("calendar_spec")
    for row in result.all():  # one fetch for the batch, not one driver call per row
        values = list(row)
        for i in json_at:
            values[i] = orjson.loads(values[i])
        values[spec_at] = _snapshot(values[spec_at])
        yield dict(zip(keys, values, strict=True))


@lru_cache(maxsize=256)
def _snapshot(spec_json: str) -> dict[str, Any]:
    """Calendar snapshots repeat across thousands of clocks: parse each distinct one once.
    The dict is shared, so it is never modified (clocks and breaches only read and copy it)."""
    return cast(dict[str, Any], orjson.loads(spec_json))


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


def clock_from_row(row: ClockRow | SimpleNamespace) -> SlaClock:
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


def ledger_content(table: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The canonical content a ledger row's hash covers: every column but its own chain fields."""
    return {"table": table, **{k: v for k, v in values.items() if k not in CHAIN_COLUMNS}}


def row_values(row: Any) -> dict[str, Any]:
    return {c.key: getattr(row, c.key) for c in row.__table__.columns}


class AbstractSlaRepository(Protocol):
    """SLA rules, calendars, clocks and the breach ledger. Clocks handed out by `clocks_of` are
    tracked: whatever a handler changes on them is written at commit, with no call to report it."""

    pending_breaches: list[tuple[SlaClock, dict[str, Any]]]
    pending_fulfilments: list[tuple[SlaClock, datetime, Outcome]]

    def rules(self) -> list[SlaRule]: ...
    def calendar(self, name: str) -> WorkingCalendar: ...
    def calendar_row(self, name: str) -> CalendarRow | None: ...
    def breach(self, breach_id: int) -> BreachRow | None: ...
    def is_waived(self, breach_id: int) -> bool: ...
    def next_rule_id(self) -> int: ...
    def add(self, row: RuleRow | CalendarRow) -> None: ...
    def add_config_changes(self, changes: Iterable[ConfigChangeRow]) -> None: ...
    def config_changes(self, kind: str | None = None, key: str | None = None) -> list[ConfigChangeRow]: ...
    def closed_month(self, month: str) -> ClosedMonthRow | None: ...
    def ledger_head(self) -> LedgerHeadRow | None: ...
    def opd_head(self, opd: str) -> str | None: ...
    def clocks_of(self, report_id: int) -> list[SlaClock]: ...
    def preload(self, report_ids: list[int]) -> None: ...
    def add_clock(self, clock: SlaClock) -> None: ...
    def response_deadlines(self) -> dict[int, datetime | None]: ...
    def flush(self) -> None: ...
    def due_clocks(self, now: datetime, limit: int) -> list[SlaClock]: ...
    def save_swept(self, clocks: list[SlaClock]) -> None: ...
    def insert_warnings(self, warnings: list[dict[str, Any]]) -> None: ...
    def lock_head(self) -> LedgerHeadRow: ...
    def append_rows(self, model: type[ChainedRow], rows: list[dict[str, Any]], head: LedgerHeadRow | None = None,
                    write: Callable[[Table, list[dict[str, Any]]], Any] | None = None) -> None: ...
    def ledger(self) -> list[LedgerEntry]: ...


class SqlAlchemySlaRepository:
    def __init__(self, session: Session) -> None:
        self.session = session
        self._rules: list[SlaRule] | None = None
        self._calendars: dict[str, WorkingCalendar] = {}
        self._heads: dict[str, str | None] = {}
        self._clocks: dict[int, list[SlaClock]] = {}
        self._loaded: dict[int, tuple[SlaClock, dict[str, Any]]] = {}  # id(clock) -> (clock, stored values)
        self._new: list[SlaClock] = []
        # id() of the clocks handed out by clocks_of: the only ones a handler can move, so the only
        # ones compared with their stored values at flush. Nobody has to report a change by hand.
        self._changed: set[int] = set()
        self.pending_breaches: list[tuple[SlaClock, dict[str, Any]]] = []
        self.pending_fulfilments: list[tuple[SlaClock, datetime, Outcome]] = []
        self._swept: str | None = None  # PostgreSQL: the swept clocks' new alert state, written at flush

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

    def calendar_row(self, name: str) -> CalendarRow | None:
        return self.session.scalar(select(CalendarRow).where(CalendarRow.name == name))

    def breach(self, breach_id: int) -> BreachRow | None:
        return self.session.get(BreachRow, breach_id)

    def is_waived(self, breach_id: int) -> bool:
        return self.session.scalar(select(WaiverRow.id).where(WaiverRow.breach_id == breach_id)) is not None

    def next_rule_id(self) -> int:
        return int(self.session.scalar(select(func.coalesce(func.max(RuleRow.rule_id), 0))) or 0) + 1

    def add(self, row: RuleRow | CalendarRow) -> None:
        self.session.add(row)
        self._rules = None
        self._calendars.clear()

    def add_config_changes(self, changes: Iterable[ConfigChangeRow]) -> None:
        self.session.add_all(changes)

    def config_changes(self, kind: str | None = None, key: str | None = None) -> list[ConfigChangeRow]:
        """The configuration audit trail oldest first, optionally of one kind of subject and one key."""
        return config_audit.changes(self.session, kind, key)

    def closed_month(self, month: str) -> ClosedMonthRow | None:
        return self.session.get(ClosedMonthRow, month)

    def opd_head(self, opd: str) -> str | None:
        if opd not in self._heads:
            self._heads[opd] = self.session.scalar(
                # The OPD's longest-standing head, as the replay picks (tanggap/payroll/replay.py, heads).
                select(UserRow.username).where(UserRow.opd_code == opd, UserRow.role == "opd_head")
                .order_by(UserRow.id).limit(1)
            )
        return self._heads[opd]

    # --- clocks moved by lifecycle events
    # Clocks are read and written with Core statements, a few per batch: the ORM's per-object
    # bookkeeping cost more than the SLA arithmetic itself.
    def clocks_of(self, report_id: int) -> list[SlaClock]:
        if report_id not in self._clocks:
            self.preload([report_id])
        clocks = self._clocks[report_id]
        self._changed.update(id(k) for k in clocks if id(k) in self._loaded)
        return list(clocks)

    def preload(self, report_ids: list[int]) -> None:
        """Load the clocks of many reports in one query, for batches."""
        wanted = sorted({rid for rid in report_ids if rid not in self._clocks})
        if not wanted:
            return
        for rid in wanted:
            self._clocks[rid] = []
        query = select(*CLOCK_READ_COLUMNS).where(CLOCKS.c.report_id.in_(wanted)).order_by(CLOCKS.c.id)
        for stored in _stored_clocks(self.session.execute(query)):
            clock = clock_from_row(SimpleNamespace(**stored))
            self._clocks[clock.report_id].append(clock)
            self._loaded[id(clock)] = (clock, stored)

    def add_clock(self, clock: SlaClock) -> None:
        self._clocks.setdefault(clock.report_id, []).append(clock)
        self._new.append(clock)

    def response_deadlines(self) -> dict[int, datetime | None]:
        """The open response clock's due time of every report whose clocks moved in this unit of work."""
        moved = {k.report_id for k in self._new} | {
            clock.report_id for clock, before in (self._loaded[key] for key in self._changed if key in self._loaded)
            if moved_columns(before, clock_values(clock), MUTABLE_CLOCK_COLUMNS)
        }
        return {rid: open_response_due(self._clocks.get(rid, [])) for rid in moved}

    def flush(self) -> None:
        """Write touched clocks back, then chain the breaches and fulfilments they produced."""
        self._insert_new_clocks()
        self._update_changed_clocks()
        if self._postgres() and (self._swept is not None or self.pending_breaches):
            self._write_swept_and_breaches_overlapped()
        else:
            self._chain_breaches(partial(bulk_insert, self.session))
        self._chain_fulfilments()

    def _postgres(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    def _write_swept_and_breaches_overlapped(self) -> None:
        """PostgreSQL: the swept clocks' UPDATE goes out first, in pipeline mode, and the server
        runs it while the ledger's hashes are computed here; the breach and outbox inserts follow
        on the same transaction. The ledger head is locked before, since reading it would wait."""
        head = self.lock_head() if self.pending_breaches else None
        raw = self.session.connection().connection.driver_connection
        assert raw is not None

        def send(table: Table, rows: list[dict[str, Any]]) -> None:
            if rows:
                raw.execute(*json_insert(table, rows))

        with raw.pipeline():
            if self._swept is not None:
                raw.execute(SWEPT_UPDATE, (self._swept,))
                self._swept = None
            if head is not None:
                self._chain_breaches(send, head)

    def _insert_new_clocks(self) -> None:
        if not self._new:
            return
        rows = [clock_values(k) for k in self._new]
        if self._postgres():
            # Ids drawn from the sequence up front, then one COPY: breaches need the ids.
            ids = sorted(self.session.scalars(
                text("SELECT nextval(pg_get_serial_sequence('sla_clocks', 'id')) FROM generate_series(1, :n)"),
                {"n": len(rows)}))
            bulk_insert(self.session, CLOCKS, [{"id": i, **row} for i, row in zip(ids, rows, strict=True)])
        else:
            statement = insert(CLOCKS).returning(CLOCKS.c.id, sort_by_parameter_order=True)
            ids = list(self.session.execute(statement, rows).scalars())
        for clock, clock_id in zip(self._new, ids, strict=True):
            clock.id = clock_id
            self._loaded[id(clock)] = (clock, {})  # written whole: later changes compare against nothing
        self._changed.difference_update(id(k) for k in self._new)
        self._new.clear()

    def _update_changed_clocks(self) -> None:
        # Only the columns that moved are written, as the ORM did: a concurrent sweep's record of
        # an alert on a column this transaction did not touch is never overwritten.
        groups: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for key in self._changed:
            clock, before = self._loaded[key]
            now = clock_values(clock)
            moved = moved_columns(before, now, MUTABLE_CLOCK_COLUMNS)
            if moved:
                groups.setdefault(moved, []).append({"clock_id": clock.id, **{f"new_{k}": now[k] for k in moved}})
                before.update({k: now[k] for k in moved})
        update_by_group(self.session, CLOCKS, groups, {"id": "clock_id"})
        self._changed.clear()

    def _chain_breaches(self, write: Callable[[Table, list[dict[str, Any]]], Any],
                        head: LedgerHeadRow | None = None) -> None:
        if not self.pending_breaches:
            return
        for clock, values in self.pending_breaches:
            assert clock.id is not None, "clocks are flushed before their breaches"
            values["clock_id"] = clock.id
        # The outbox rows need no hash: they go first, so a pipelined server inserts them while
        # the breaches are chained.
        write(
            cast(Table, OutboxRow.__table__),
            [
                {
                    "topic": "sla.breach",
                    "report_id": values["report_id"],
                    "created_at": values["recorded_at"],
                    "payload": {"clock_id": values["clock_id"], "kind": "breach"},
                }
                for _, values in self.pending_breaches
            ],
        )
        self.append_rows(BreachRow, [values for _, values in self.pending_breaches], head, write)
        self.pending_breaches.clear()

    def _chain_fulfilments(self) -> None:
        rows = []
        for clock, at, outcome in self.pending_fulfilments:
            breach_id = self.session.scalar(select(BreachRow.id).where(BreachRow.clock_id == clock.id))
            if breach_id is not None:  # None: late only at the final minute, and nothing was recorded
                rows.append(
                    {
                        "breach_id": breach_id,
                        "fulfilled_at": at,
                        "outcome": outcome.value,
                        "overdue_seconds": clock.overdue.total_seconds(),
                        "recorded_at": at,
                    }
                )
        self.pending_fulfilments.clear()
        if rows:
            self.append_rows(FulfilmentRow, rows)

    # --- the sweep, set-based
    def due_clocks(self, now: datetime, limit: int) -> list[SlaClock]:
        """Clocks with an alert due, oldest first, locked for this sweep; other sweeps skip them.
        SQLite has no row locks: there the sweep takes the database's write lock before it reads, so a
        second sweep waits instead of reading the same clocks."""
        postgres = self._postgres()
        if not postgres:
            self.lock_head()
        query = (
            select(*(RAW_CLOCK_COLUMNS if postgres else CLOCK_READ_COLUMNS))
            .where(CLOCKS.c.next_alert_at <= now)
            .order_by(CLOCKS.c.next_alert_at)
            .limit(limit)
            .with_for_update(skip_locked=True, of=CLOCKS)
        )
        clocks = []
        for stored in _stored_clocks(self.session.execute(query)):
            if postgres:  # psycopg's aware datetimes, in UTC as UtcDateTime would give them
                for key in DATETIME_CLOCK_COLUMNS:
                    if stored[key] is not None:
                        stored[key] = stored[key].astimezone(UTC)
            clocks.append(clock_from_row(SimpleNamespace(**stored)))
        return clocks

    def save_swept(self, clocks: list[SlaClock]) -> None:
        if not clocks:
            return
        rows = [
            {
                "clock_id": k.id,
                "new_pending": [a.to_json() for a in k.pending],
                "new_recorded": list(k.recorded),
                "new_next_alert_at": k.next_alert_at,
            }
            for k in clocks
        ]
        if self._postgres():
            # Written at flush, overlapped with the ledger's hashing (see flush).
            self._swept = orjson.dumps(rows).decode()  # alert times are aware: RFC 3339 with offset
            return
        update_by_group(self.session, CLOCKS, {SWEPT_COLUMNS: rows}, {"id": "clock_id"})

    def insert_warnings(self, warnings: list[dict[str, Any]]) -> None:
        if not warnings:
            return
        bulk_insert(self.session, cast(Table, AlertRow.__table__), warnings)
        bulk_insert(
            self.session,
            cast(Table, OutboxRow.__table__),
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

    # --- the ledger
    def lock_head(self) -> LedgerHeadRow:
        """Take the chain's head for this transaction; concurrent appenders wait here."""
        if not self._postgres():
            # SQLite has no row locks: a write takes the database's write lock now, before reading.
            self.session.execute(update(LedgerHeadRow).where(LedgerHeadRow.id == 1).values(seq=LedgerHeadRow.seq))
        head = self.session.scalar(select(LedgerHeadRow).where(LedgerHeadRow.id == 1).with_for_update())
        if head is None:
            raise LookupError("the ledger head row is missing; run `tanggap db upgrade`")
        return head

    def ledger_head(self) -> LedgerHeadRow | None:
        """The chain's head as this transaction reads it, unlocked."""
        return self.session.get(LedgerHeadRow, 1)

    def append_rows(self, model: type[ChainedRow], rows: list[dict[str, Any]], head: LedgerHeadRow | None = None,
                    write: Callable[[Table, list[dict[str, Any]]], Any] | None = None) -> None:
        """Chain `rows` after the head (locked here unless the caller holds it), in order, and insert them."""
        head = head or self.lock_head()
        table = model.__tablename__  # type: ignore[attr-defined]
        insert_rows = write or partial(bulk_insert, self.session)
        # Written in chunks as they are chained: on a pipelined connection the server inserts one
        # chunk while the next is hashed.
        for start in range(0, len(rows), LEDGER_CHUNK):
            chunk = rows[start : start + LEDGER_CHUNK]
            for values in chunk:
                values["chain_seq"], values["prev_hash"] = head.seq + 1, head.hash
                values["hash"] = chain_hash(values["prev_hash"], ledger_content(table, values))
                head.seq, head.hash = values["chain_seq"], values["hash"]
            insert_rows(cast(Table, model.__table__), chunk)  # type: ignore[attr-defined]

    def ledger(self) -> list[LedgerEntry]:
        entries: list[LedgerEntry] = []
        for table, model in LEDGER_TABLES.items():
            for row in self.session.scalars(select(model)):
                values = row_values(row)
                entries.append(
                    LedgerEntry(
                        row.chain_seq, table, values["id"], ledger_content(table, values), row.prev_hash, row.hash
                    )
                )
        return entries
