"""Read models: what people and the CLI see, with times shown in WITA."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from states.model import Report, ReportEvent
from tanggap.config import DISPLAY_TZ
from tanggap.db import CategoryRow, ReportRow, RuleRow, UserRow
from tanggap.uow import AbstractUnitOfWork


def local_iso(at: datetime | None, tz: str = DISPLAY_TZ) -> str | None:
    return at.astimezone(ZoneInfo(tz)).isoformat(timespec="seconds") if at else None


def report_detail(uow: AbstractUnitOfWork, report_id: int) -> dict[str, Any]:
    with uow:
        report = uow.reports.get(report_id)
        events = uow.reports.events(report_id)
    return {**report_summary(report), "events": [event_view(seq, e) for seq, e in enumerate(events, 1)]}


def report_summary(report: Report) -> dict[str, Any]:
    return {
        "id": report.id,
        "state": report.state.value,
        "category": report.category,
        "opd": report.opd,
        "officer": report.officer,
        "priority": report.priority.value,
        "description": report.description,
        "lat": report.lat,
        "long": report.lon,
        "address": report.address,
        "classified_by": report.classified_by,
        "confidence": report.confidence,
        "response": report.response,
        "reason": report.reason,
        "submitted_at": local_iso(report.submitted_at),
        "updated_at": local_iso(report.updated_at),
        "version": report.version,
    }


def event_view(seq: int, event: ReportEvent) -> dict[str, Any]:
    return {
        "seq": seq,
        "event": event.name,
        "trigger": event.trigger,
        "from": event.from_state.value if event.from_state else None,
        "to": event.to_state.value,
        "actor": event.actor.name,
        "role": event.actor.role.value,
        "at": local_iso(event.at),
        "note": event.note,
        "data": event.data,
    }


def existing_usernames(uow: AbstractUnitOfWork) -> set[str]:
    with uow:
        return set(uow.session.scalars(select(UserRow.username)))


def existing_categories(uow: AbstractUnitOfWork) -> set[str]:
    with uow:
        return set(uow.session.scalars(select(CategoryRow.code)))


def report_count(uow: AbstractUnitOfWork, source: str | None = None) -> int:
    query = select(func.count()).select_from(ReportRow)
    if source is not None:
        query = query.where(ReportRow.source == source)
    with uow:
        return int(uow.session.scalar(query) or 0)


def sla_rule_count(uow: AbstractUnitOfWork) -> int:
    with uow:
        return int(uow.session.scalar(select(func.count()).select_from(RuleRow)) or 0)


def photo_keys(uow: AbstractUnitOfWork, report_ids: list[int]) -> dict[int, str | None]:
    """Where each report's original photo is stored."""
    with uow:
        rows = uow.session.execute(select(ReportRow.id, ReportRow.photo).where(ReportRow.id.in_(report_ids)))
        found = {rid: key for rid, key in rows}
    return {rid: found.get(rid) for rid in report_ids}
