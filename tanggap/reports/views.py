"""Read models: what people and the CLI see, with times shown in WITA."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func, select

from states.model import Report, ReportEvent
from tanggap.db import CategoryRow, ReportRow, RuleRow, UserRow
from tanggap.display import local_iso
from tanggap.reader import AbstractReader
from tanggap.reports.repository import SqlAlchemyReportRepository


def report_detail(reader: AbstractReader, report_id: int) -> dict[str, Any]:
    with reader as s:
        reports = SqlAlchemyReportRepository(s)
        report = reports.get(report_id)
        events = reports.events(report_id)
    return {**report_summary(report), "events": event_views(events)}


def event_views(events: list[ReportEvent]) -> list[dict[str, Any]]:
    return [event_view(seq, e, step) for seq, (e, step) in enumerate(zip(events, steps(events), strict=True), 1)]


def steps(events: list[ReportEvent]) -> list[str]:
    """Each event's trigger, with a reassignment told apart as people tell it: an officer taking
    the ticket ("take"), handing it to another officer ("hand_over"), or a move to another OPD
    ("transfer")."""
    found, opd = [], None
    for event in events:
        step = event.trigger
        if event.trigger == "reassign":
            moved = event.data.get("opd") not in (None, opd)
            step = "transfer" if moved else "take" if event.data.get("officer") == event.actor.name else "hand_over"
        opd = event.data.get("opd", opd)
        found.append(step)
    return found


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


def event_view(seq: int, event: ReportEvent, step: str | None = None) -> dict[str, Any]:
    return {
        "seq": seq,
        "event": event.name,
        "trigger": event.trigger,
        "step": step or event.trigger,
        "from": event.from_state.value if event.from_state else None,
        "to": event.to_state.value,
        "actor": event.actor.name,
        "role": event.actor.role.value,
        "at": local_iso(event.at),
        "note": event.note,
        "data": event.data,
    }


def existing_usernames(reader: AbstractReader) -> set[str]:
    with reader as s:
        return set(s.scalars(select(UserRow.username)))


def existing_categories(reader: AbstractReader) -> set[str]:
    with reader as s:
        return set(s.scalars(select(CategoryRow.code)))


def report_count(reader: AbstractReader, source: str | None = None) -> int:
    query = select(func.count()).select_from(ReportRow)
    if source is not None:
        query = query.where(ReportRow.source == source)
    with reader as s:
        return int(s.scalar(query) or 0)


def sla_rule_count(reader: AbstractReader) -> int:
    with reader as s:
        return int(s.scalar(select(func.count()).select_from(RuleRow)) or 0)


def photo_keys(reader: AbstractReader, report_ids: list[int]) -> dict[int, str | None]:
    """Where each report's original photo is stored."""
    with reader as s:
        rows = s.execute(select(ReportRow.id, ReportRow.photo).where(ReportRow.id.in_(report_ids)))
        found = {rid: key for rid, key in rows}
    return {rid: found.get(rid) for rid in report_ids}
