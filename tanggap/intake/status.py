"""The citizen's status page: the request, its timeline and what the citizen may do."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from states.lifecycle import Attempt, LifecyclePolicy, lifecycle
from states.model import CITIZEN, Report, ReportState, Trigger
from tanggap.intake.keys import digest
from tanggap.intake.queries import EVENT_LABELS, RequestView, get_request
from tanggap.intake.tables import CitizenTokenRow, RatingRow
from tanggap.reader import AbstractReader
from tanggap.reports.repository import SqlAlchemyReportRepository
from tanggap.reports.views import steps


@dataclass(frozen=True)
class TimelineEntry:
    at: datetime
    label: str  # in Bahasa Indonesia; the page translates it


@dataclass(frozen=True)
class CitizenStatus:
    request: RequestView
    category_name: str | None
    response: str | None
    proof_photo: str | None
    timeline: list[TimelineEntry]
    rating: int | None
    authorised: bool
    reject_kind: str | None
    duplicate_of: int | None
    reason: str | None  # why it was rejected, as the dispatcher wrote it
    close_reason: str | None
    can_confirm: bool
    can_dispute: bool
    can_rate: bool


def citizen_status(
    reader: AbstractReader, report_id: int, token: str | None, now: datetime, policy: LifecyclePolicy
) -> CitizenStatus:
    request = get_request(reader, report_id, include_rejected=True)
    with reader as s:
        reports = SqlAlchemyReportRepository(s)
        report, events = reports.get(report_id), reports.events(report_id)
        timeline = [TimelineEntry(e.at, EVENT_LABELS.get(step, step)) for e, step in zip(
            events, steps(events), strict=True)]
        authorised = bool(token) and _token_matches(s, report_id, token or "")
        rating = s.scalar(select(RatingRow.stars).where(RatingRow.report_id == report_id))
    may = _citizen_may(report, now, policy) if authorised else set()
    if report.state is ReportState.REJECTED and not authorised:
        # Anyone may learn that a report was refused and why; only its citizen sees what it said.
        request = replace(request, description="", media_key=None, address=None, lat=None, long=None)
    return CitizenStatus(
        request,
        request.service_name,
        report.response,
        report.proof_photo,
        timeline,
        rating,
        authorised,
        report.reject_kind,
        report.duplicate_of,
        report.reason if report.reject_kind else None,
        report.close_reason,
        Trigger.CLOSE in may,
        Trigger.REOPEN in may,
        authorised and report.responded_at is not None,
    )


def _token_matches(session: Session, report_id: int, token: str) -> bool:
    query = select(CitizenTokenRow.id).where(
        CitizenTokenRow.report_id == report_id, CitizenTokenRow.token_hash == digest(token)
    )
    return session.scalar(query) is not None


def _citizen_may(report: Report, now: datetime, policy: LifecyclePolicy) -> set[Trigger]:
    # A placeholder reason: the page asks for the real one; here only the other guards matter.
    attempt = Attempt(CITIZEN, now, {"reason": "?"}, None, policy)
    return {t for t in (Trigger.CLOSE, Trigger.REOPEN) if lifecycle().may(report, t, attempt)}
