"""Repositories: domain reports in and out of their rows, plus reference-data lookups."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import fields
from datetime import datetime
from types import SimpleNamespace
from typing import Any, Protocol, cast

from sqlalchemy import Table, insert, select
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from states.errors import NotFound
from states.model import (
    EVENT_TYPES,
    Actor,
    Priority,
    RejectKind,
    Report,
    ReportEvent,
    ReportState,
    Role,
)
from tanggap.bulk import bulk_insert, moved_columns, update_by_group
from tanggap.db import CategoryRow, EventRow, OpdRow, OutboxRow, ReportRow, TrainingLabelRow, UserRow

ROW_FIELDS = tuple(f.name for f in fields(Report) if f.name not in {"id", "pending_events"})


REPORTS = cast(Table, ReportRow.__table__)


class AbstractReportRepository(Protocol):
    """Reports as the lifecycle loads and saves them. Changes are tracked here: a handler changes
    the report it got, and the unit of work's commit writes it with its new events."""

    def add(self, report: Report) -> None: ...
    def get(self, report_id: int) -> Report: ...
    def preload(self, report_ids: list[int]) -> None: ...
    def events(self, report_id: int) -> list[ReportEvent]: ...
    def event_id(self, report_id: int, seq: int) -> int | None: ...
    def quiet_reports(self, responded_before: datetime, limit: int) -> list[int]: ...
    def add_training_label(self, row: TrainingLabelRow) -> None: ...
    def changed_ids(self) -> list[int]: ...
    def flush_pending(self, deadlines: Mapping[int, datetime | None]) -> None: ...


class AbstractReferenceData(Protocol):
    """OPDs, categories and users: `opd`, `category` and `user` refuse unknown or inactive ones."""

    def opd(self, code: str) -> OpdRow: ...
    def find_opd(self, code: str) -> OpdRow | None: ...
    def category(self, code: str) -> CategoryRow: ...
    def find_category(self, code: str) -> CategoryRow | None: ...
    def user(self, username: str) -> UserRow: ...
    def find_user(self, username: str) -> UserRow | None: ...
    def add(self, row: OpdRow | CategoryRow | UserRow) -> None: ...


class AbstractOutbox(Protocol):
    def put(self, row: OutboxRow) -> None: ...
    def flush(self) -> None: ...


class SqlAlchemyReportRepository:
    """Reports are read and written with Core statements, one UPDATE per batch and changed-column
    set: the ORM's per-object bookkeeping cost more than the lifecycle itself. Optimistic
    concurrency is the same as the ORM's version counter: each UPDATE matches the version it read."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # id -> (report, its stored column values, the version it was read at)
        self._seen: dict[int, tuple[Report, dict[str, Any], int]] = {}

    def add(self, report: Report) -> None:
        values = row_values(report)
        report.id = int(self.session.execute(insert(REPORTS).returning(REPORTS.c.id), values).scalar_one())
        self._seen[report.id] = (report, values, report.version - len(report.pending_events))

    def get(self, report_id: int) -> Report:
        if report_id not in self._seen:
            self.preload([report_id])
            if report_id not in self._seen:
                raise NotFound("report", report_id)
        return self._seen[report_id][0]

    def preload(self, report_ids: list[int]) -> None:
        """Load many reports in one query, for batches."""
        wanted = [rid for rid in set(report_ids) if rid not in self._seen]
        if wanted:
            for row in self.session.execute(select(REPORTS).where(REPORTS.c.id.in_(wanted))):
                stored = dict(row._mapping)
                self._seen[stored["id"]] = (to_domain(SimpleNamespace(**stored)), stored, stored["version"])

    def events(self, report_id: int) -> list[ReportEvent]:
        rows = self.session.scalars(select(EventRow).where(EventRow.report_id == report_id).order_by(EventRow.seq))
        return [event_from_row(r) for r in rows]

    def event_id(self, report_id: int, seq: int) -> int | None:
        found: int | None = self.session.scalar(
            select(EventRow.id).where(EventRow.report_id == report_id, EventRow.seq == seq))
        return found

    def quiet_reports(self, responded_before: datetime, limit: int) -> list[int]:
        """Answered reports nobody has touched since `responded_before`, oldest first."""
        return list(self.session.scalars(select(ReportRow.id).where(
            ReportRow.state == ReportState.RESPONDED.value, ReportRow.responded_at <= responded_before
        ).order_by(ReportRow.id).limit(limit)))

    def add_training_label(self, row: TrainingLabelRow) -> None:
        self.session.add(row)

    def changed_ids(self) -> list[int]:
        return [rid for rid, (report, _, _) in self._seen.items() if report.pending_events]

    def flush_pending(self, deadlines: Mapping[int, datetime | None]) -> None:
        """Write changed reports and append their new events. `deadlines` are the open response
        clocks' due times of reports whose clocks moved: the queue's sort key, written in the same UPDATE."""
        new_events: list[dict[str, Any]] = []
        updates: dict[tuple[str, ...], list[dict[str, Any]]] = {}
        for report_id, (report, stored, base) in list(self._seen.items()):
            if not report.pending_events:
                continue
            values = row_values(report)
            if report_id in deadlines:
                values["response_due_at"] = deadlines[report_id]
            moved = moved_columns(stored, values, values)
            if moved:  # nothing moved: the report was inserted in this unit of work as it stands
                updates.setdefault(moved, []).append({"report_id": report_id, "read_version": stored["version"],
                                                      **{f"new_{k}": values[k] for k in moved}})
            new_events += (event_values(report_id, base + i, e) for i, e in enumerate(report.pending_events, 1))
            report.pending_events.clear()
            stored.update(values)
            self._seen[report_id] = (report, stored, report.version)
        self._write(updates)
        if new_events:
            self.session.execute(insert(EventRow), new_events)

    def _write(self, updates: dict[tuple[str, ...], list[dict[str, Any]]]) -> None:
        match = {"id": "report_id", "version": "read_version"}
        for matched, sent in update_by_group(self.session, REPORTS, updates, match):
            if matched != sent:  # someone else moved one of these reports since it was read
                raise StaleDataError(f"{sent - matched} of {sent} reports changed concurrently")


def row_values(report: Report) -> dict[str, Any]:
    values = {name: getattr(report, name) for name in ROW_FIELDS}
    for name in ("state", "priority", "reject_kind"):
        if values[name] is not None:
            values[name] = values[name].value
    values["reporter"] = dict(values["reporter"] or {})  # the stored copy must not follow the domain's
    return values


def to_domain(row: ReportRow | SimpleNamespace) -> Report:
    values: dict[str, Any] = {name: getattr(row, name) for name in ROW_FIELDS}
    values["state"] = ReportState(row.state)
    values["priority"] = Priority(row.priority)
    values["reject_kind"] = RejectKind(row.reject_kind) if row.reject_kind else None
    values["reporter"] = dict(row.reporter or {})
    return Report(id=row.id, **values)


def event_values(report_id: int, seq: int, event: ReportEvent) -> dict[str, Any]:
    return {
        "report_id": report_id,
        "seq": seq,
        "name": event.name,
        "trigger": event.trigger,
        "from_state": event.from_state.value if event.from_state else None,
        "to_state": event.to_state.value,
        "actor": event.actor.name,
        "actor_role": event.actor.role.value,
        "actor_opd": event.actor.opd,
        "at": event.at,
        "note": event.note,
        "data": dict(event.data),
    }


def event_from_row(row: EventRow) -> ReportEvent:
    return EVENT_TYPES[row.name](
        trigger=row.trigger,
        from_state=ReportState(row.from_state) if row.from_state else None,
        to_state=ReportState(row.to_state),
        actor=Actor(row.actor, Role(row.actor_role), row.actor_opd),
        at=row.at,
        note=row.note,
        data=dict(row.data or {}),
    )


class SqlAlchemyReferenceData:
    """OPDs, categories and users: read-mostly data the services validate against."""

    def __init__(self, session: Session) -> None:
        self.session = session
        # Batches look up the same few users, OPDs and categories over and over: remember
        # them for the life of this unit of work.
        self._users: dict[str, UserRow | None] = {}
        self._opds: dict[str, OpdRow | None] = {}
        self._categories: dict[str, CategoryRow | None] = {}

    def opd(self, code: str) -> OpdRow:
        row = self.find_opd(code)
        if row is None:
            raise NotFound("OPD", code)
        return row

    def find_opd(self, code: str) -> OpdRow | None:
        if code not in self._opds:
            self._opds[code] = self.session.scalar(select(OpdRow).where(OpdRow.code == code))
        return self._opds[code]

    def category(self, code: str) -> CategoryRow:
        row = self.find_category(code)
        if row is None or not row.active:
            raise NotFound("category", code)
        return row

    def find_category(self, code: str) -> CategoryRow | None:
        if code not in self._categories:
            self._categories[code] = self.session.scalar(select(CategoryRow).where(CategoryRow.code == code))
        return self._categories[code]

    def user(self, username: str) -> UserRow:
        row = self.find_user(username)
        if row is None or not row.active:
            raise NotFound("user", username)
        return row

    def find_user(self, username: str) -> UserRow | None:
        if username not in self._users:
            self._users[username] = self.session.scalar(select(UserRow).where(UserRow.username == username))
        return self._users[username]

    def add(self, row: OpdRow | CategoryRow | UserRow) -> None:
        self.session.add(row)
        self._users.clear()
        self._opds.clear()
        self._categories.clear()


class SqlAlchemyOutbox:
    """Messages for after the commit. They are written in one bulk insert when the unit of work
    commits, in the order they were put (the relay reads them in id order)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self._pending: list[dict[str, Any]] = []

    def put(self, row: OutboxRow) -> None:
        self._pending.append({"topic": row.topic, "report_id": row.report_id, "payload": row.payload,
                              "created_at": row.created_at, "attempts": 0})

    def flush(self) -> None:
        if self._pending:  # noted for the runner in this process, woken when the commit lands
            self.session.info.setdefault("new_topics", set()).update(row["topic"] for row in self._pending)
        bulk_insert(self.session, cast(Table, OutboxRow.__table__), self._pending)
        self._pending.clear()
