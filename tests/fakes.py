"""In-memory repositories and unit of work: the handlers' ports without a database.

Each fake keeps what the real repository would store and rolls it back when the unit of work
ends without a commit, so a refused command leaves no trace here either. They are deliberately
small: enough for the lifecycle, SLA and staff handlers, which tests/handlers run on them."""

from __future__ import annotations

import copy
import itertools
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import TracebackType
from typing import Any, Self, TypeVar

from sla.calendar import WorkingCalendar
from sla.clocks import Outcome, SlaClock
from sla.ledger import LedgerEntry
from sla.rules import SlaRule
from states.errors import NotFound
from states.lifecycle import LifecyclePolicy
from states.model import Report, ReportEvent, ReportState
from tanggap import bus
from tanggap.bootstrap import HANDLERS
from tanggap.clock import FrozenClock
from tanggap.commands import Command
from tanggap.config import IntakeSettings
from tanggap.context import Context
from tanggap.db import (
    BreachRow,
    CalendarRow,
    CategoryRow,
    ChainedRow,
    ClosedMonthRow,
    ConfigChangeRow,
    DuplicateLinkRow,
    InboxRow,
    LedgerHeadRow,
    OpdRow,
    OutboxRow,
    RuleRow,
    TrainingLabelRow,
    UserRow,
)
from tanggap.enforcement.repository import calendar_for, open_response_due, rule_from_row
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.pipeline.notifications import STUCK_AFTER
from tanggap.staff.repository import Revocable
from tanggap.staff.tables import ApiTokenRow, ResponseTemplateRow


class FakeReports:
    def __init__(self) -> None:
        self.rows: dict[int, Report] = {}
        self.history: dict[int, list[ReportEvent]] = defaultdict(list)
        self.deadlines: dict[int, datetime | None] = {}
        self.labels: list[TrainingLabelRow] = []
        self._ids = itertools.count(1)

    def add(self, report: Report) -> None:
        report.id = next(self._ids)
        self.rows[report.id] = report

    def get(self, report_id: int) -> Report:
        if report_id not in self.rows:
            raise NotFound("report", report_id)
        return self.rows[report_id]

    def preload(self, report_ids: list[int]) -> None:
        pass

    def events(self, report_id: int) -> list[ReportEvent]:
        return list(self.history[report_id])

    def event_id(self, report_id: int, seq: int) -> int | None:
        """Events have no table here: an event's id is its place in its report's history."""
        return seq if 1 <= seq <= len(self.history[report_id]) else None

    def quiet_reports(self, responded_before: datetime, limit: int) -> list[int]:
        return sorted(rid for rid, r in self.rows.items() if r.state is ReportState.RESPONDED
                      and r.responded_at is not None and r.responded_at <= responded_before)[:limit]

    def add_training_label(self, row: TrainingLabelRow) -> None:
        self.labels.append(row)

    def changed_ids(self) -> list[int]:
        return [rid for rid, r in self.rows.items() if r.pending_events]

    def flush_pending(self, deadlines: Mapping[int, datetime | None]) -> None:
        for rid, report in self.rows.items():
            self.history[rid] += report.pending_events
            report.pending_events.clear()
        self.deadlines.update(deadlines)


class FakeReference:
    def __init__(self) -> None:
        self.opds: dict[str, OpdRow] = {}
        self.categories: dict[str, CategoryRow] = {}
        self.users: dict[str, UserRow] = {}

    def opd(self, code: str) -> OpdRow:
        return _found(self.opds.get(code), "OPD", code)

    def find_opd(self, code: str) -> OpdRow | None:
        return self.opds.get(code)

    def category(self, code: str) -> CategoryRow:
        row = self.categories.get(code)
        return _found(row if row is not None and row.active else None, "category", code)

    def find_category(self, code: str) -> CategoryRow | None:
        return self.categories.get(code)

    def user(self, username: str) -> UserRow:
        row = self.users.get(username)
        return _found(row if row is not None and row.active else None, "user", username)

    def find_user(self, username: str) -> UserRow | None:
        return self.users.get(username)

    def add(self, row: OpdRow | CategoryRow | UserRow) -> None:
        if isinstance(row, OpdRow):
            self.opds[row.code] = row
        elif isinstance(row, CategoryRow):
            self.categories[row.code] = row
        else:
            row.session_generation = row.session_generation or 0
            self.users[row.username] = row


class FakeOutbox:
    def __init__(self) -> None:
        self.pending: list[OutboxRow] = []
        self.sent: list[OutboxRow] = []

    def put(self, row: OutboxRow) -> None:
        self.pending.append(row)

    def flush(self) -> None:
        self.sent += self.pending
        self.pending = []


class FakeSla:
    def __init__(self, reference: FakeReference) -> None:
        self._reference = reference
        self.rule_rows: list[RuleRow] = []
        self.calendar_rows: dict[str, CalendarRow] = {}
        self.clocks: dict[int, list[SlaClock]] = defaultdict(list)
        self.breaches: dict[int, BreachRow] = {}
        self.ledger_rows: list[tuple[str, dict[str, Any]]] = []
        self.warnings: list[dict[str, Any]] = []
        self.config_trail: list[ConfigChangeRow] = []
        self.closed: dict[str, ClosedMonthRow] = {}
        self.pending_breaches: list[tuple[SlaClock, dict[str, Any]]] = []
        self.pending_fulfilments: list[tuple[SlaClock, datetime, Outcome]] = []
        self._clock_ids = itertools.count(1)

    def rules(self) -> list[SlaRule]:
        return [rule_from_row(row) for row in self.rule_rows]

    def calendar(self, name: str) -> WorkingCalendar:
        return calendar_for(_found(self.calendar_rows.get(name), "calendar", name).spec)

    def calendar_row(self, name: str) -> CalendarRow | None:
        return self.calendar_rows.get(name)

    def breach(self, breach_id: int) -> BreachRow | None:
        return self.breaches.get(breach_id)

    def is_waived(self, breach_id: int) -> bool:
        return any(table == "sla_waivers" and row["breach_id"] == breach_id for table, row in self.ledger_rows)

    def next_rule_id(self) -> int:
        return max((row.rule_id for row in self.rule_rows), default=0) + 1

    def add(self, row: RuleRow | CalendarRow) -> None:
        if isinstance(row, CalendarRow):
            self.calendar_rows[row.name] = row
        else:
            self.rule_rows.append(row)

    def add_config_changes(self, changes: Iterable[ConfigChangeRow]) -> None:
        self.config_trail += changes

    def config_changes(self, kind: str | None = None, key: str | None = None) -> list[ConfigChangeRow]:
        return [row for row in self.config_trail
                if kind in (None, row.subject_kind) and key in (None, row.subject_key)]

    def closed_month(self, month: str) -> ClosedMonthRow | None:
        return self.closed.get(month)

    def ledger_head(self) -> LedgerHeadRow | None:
        return self.lock_head()

    def opd_head(self, opd: str) -> str | None:
        return next((u.username for u in self._reference.users.values()
                     if u.opd_code == opd and u.role == "opd_head"), None)

    def clocks_of(self, report_id: int) -> list[SlaClock]:
        return list(self.clocks[report_id])

    def preload(self, report_ids: list[int]) -> None:
        pass

    def add_clock(self, clock: SlaClock) -> None:
        clock.id = next(self._clock_ids)
        self.clocks[clock.report_id].append(clock)

    def response_deadlines(self) -> dict[int, datetime | None]:
        return {rid: open_response_due(clocks) for rid, clocks in self.clocks.items()}

    def flush(self) -> None:
        for clock, values in self.pending_breaches:
            breach_id = len(self.breaches) + 1
            self.breaches[breach_id] = BreachRow(id=breach_id, **{**values, "clock_id": clock.id})
        self.pending_breaches.clear()
        for clock, at, outcome in self.pending_fulfilments:
            self.ledger_rows.append(("sla_fulfilments", {"clock_id": clock.id, "at": at, "outcome": outcome.value}))
        self.pending_fulfilments.clear()

    def due_clocks(self, now: datetime, limit: int) -> list[SlaClock]:
        due = [k for ks in self.clocks.values() for k in ks if k.next_alert_at is not None and k.next_alert_at <= now]
        return sorted(due, key=lambda k: k.next_alert_at or now)[:limit]

    def save_swept(self, clocks: list[SlaClock]) -> None:
        pass  # the swept clocks are these very objects

    def insert_warnings(self, warnings: list[dict[str, Any]]) -> None:
        self.warnings += warnings

    def lock_head(self) -> LedgerHeadRow:
        return LedgerHeadRow(id=1, seq=len(self.ledger_rows), hash="")

    def append_rows(self, model: type[ChainedRow], rows: list[dict[str, Any]], head: LedgerHeadRow | None = None,
                    write: Callable[..., Any] | None = None) -> None:
        self.ledger_rows += [(model.__tablename__, dict(row)) for row in rows]  # type: ignore[attr-defined]

    def ledger(self) -> list[LedgerEntry]:
        return []


@dataclass
class Throttle:
    failures: int
    window_start: datetime
    next_at: datetime


class FakeStaff:
    def __init__(self, reference: FakeReference) -> None:
        self._reference = reference
        self.throttles: dict[tuple[str, str], Throttle] = {}
        self.attempts: list[tuple[str, str, bool]] = []
        self.links: dict[int, DuplicateLinkRow] = {}
        self.templates: dict[int, ResponseTemplateRow] = {}
        self.tokens: dict[int, ApiTokenRow] = {}
        self.inbox: dict[int, InboxRow] = {}

    def charge(self, username: str, address: str, limit: int, window: timedelta, backoff: timedelta,
               now: datetime) -> bool:
        t = self.throttles.setdefault((username, address), Throttle(0, now, now))
        fresh = t.window_start <= now - window
        if not (fresh or t.failures < limit or t.next_at <= now):
            return False
        if not fresh and t.failures + 1 >= limit:
            t.next_at = now + backoff
        t.failures, t.window_start = (1, now) if fresh else (t.failures + 1, t.window_start)
        return True

    def forgive(self, username: str, addresses: list[str], now: datetime) -> None:
        for address in addresses:
            if (username, address) in self.throttles:
                self.throttles[username, address] = Throttle(0, now, now)

    def record_attempt(self, username: str, address: str, ok: bool, now: datetime) -> None:
        self.attempts.append((username, address, ok))

    def end_sessions(self, username: str) -> None:
        row = self._reference.find_user(username)
        if row is not None:
            row.session_generation = (row.session_generation or 0) + 1

    def duplicate_link(self, link_id: int) -> DuplicateLinkRow | None:
        return self.links.get(link_id)

    def template(self, template_id: int) -> ResponseTemplateRow | None:
        return self.templates.get(template_id)

    def save_template(self, row: ResponseTemplateRow) -> int:
        row.id = row.id or len(self.templates) + 1
        self.templates[row.id] = row
        return row.id

    def token_named(self, name: str) -> bool:
        return any(row.name == name for row in self.tokens.values())

    def add_token(self, row: ApiTokenRow) -> None:
        row.id = len(self.tokens) + 1
        self.tokens[row.id] = row

    def revocable(self, model: type[Revocable], row_id: int) -> Revocable | None:
        row = self.tokens.get(row_id) if model is ApiTokenRow else None
        return row  # type: ignore[return-value]

    def undelivered_email(self, inbox_id: int, now: datetime) -> InboxRow | None:
        """The rule of tanggap.pipeline.notifications.undelivered: failed for good, or stuck sending."""
        row = self.inbox.get(inbox_id)
        if row is None:
            return None
        stuck = row.email_status == "sending" and (
            row.email_claimed_at is None or row.email_claimed_at <= now - STUCK_AFTER)
        return row if row.email_status == "failed" or stuck else None


class FakeIntake:
    """Intake's rows are not faked: the handlers tested here never reach them, and one that does
    fails loudly instead of reading an empty answer."""

    def __getattr__(self, name: str) -> Callable[..., None]:
        raise NotImplementedError(f"the fake unit of work has no intake rows ({name})")


class FakeUnitOfWork:
    """The port without a database. The stores outlive each unit of work, as tables do; a unit of
    work that ends without commit puts back what it found."""

    def __init__(self) -> None:
        self.reports = FakeReports()
        self.reference = FakeReference()
        self.outbox = FakeOutbox()
        self.sla = FakeSla(self.reference)
        self.staff = FakeStaff(self.reference)
        self.intake = FakeIntake()
        self.commits = 0
        self._saved: dict[str, Any] | None = None

    def __enter__(self) -> Self:
        self._saved = {name: copy.deepcopy(getattr(self, name).__dict__) for name in _ROLLED_BACK}
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        if self._saved is not None:  # not committed: restore what the unit of work found
            for name, state in self._saved.items():
                getattr(self, name).__dict__.update(state)
        self._saved = None

    def commit(self) -> None:
        self.reports.flush_pending(self.sla.response_deadlines())
        self.outbox.flush()
        self.sla.flush()
        self.commits += 1
        self._saved = None


# Plain Python state, safe to copy; reference rows are ORM objects and change only by design.
_ROLLED_BACK = ("reports", "outbox", "sla")


Row = TypeVar("Row")


def _found(row: Row | None, what: str, key: object) -> Row:
    if row is None:
        raise NotFound(what, key)
    return row


@dataclass
class FakeApp:
    """The bus on a fake unit of work, with a frozen clock: what Tanggap is, without a database."""

    clock: FrozenClock
    policy: LifecyclePolicy = field(default_factory=LifecyclePolicy)
    uow: FakeUnitOfWork = field(default_factory=FakeUnitOfWork)
    photos: FakePhotoStorage = field(default_factory=FakePhotoStorage)

    def context(self, uow: Any) -> Context:
        return Context(uow, self.clock.now(), self.policy, self.photos, IntakeSettings())

    def handle(self, cmd: Command) -> Any:
        return bus.handle(HANDLERS, cmd, self.uow, self.context)  # type: ignore[arg-type]

    def handle_all(self, cmds: Iterable[Command]) -> list[Any]:
        return [self.handle(cmd) for cmd in cmds]
