"""The ticket page: a report with its timeline, clocks, tagger hints and the actions this user
may take; and its photo."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from cv.tagger import city_hint_names
from states.errors import NotFound, PermissionDenied
from states.lifecycle import Attempt, LifecyclePolicy, lifecycle
from states.model import Actor, Report, Role
from tanggap.access import StaffUser, active_staff, may_see
from tanggap.db import CategoryRow, DuplicateLinkRow, OpdRow, ReportTagRow
from tanggap.enforcement.repository import SqlAlchemySlaRepository
from tanggap.enforcement.service import clock_view
from tanggap.intake.extras import extra_data
from tanggap.intake.tables import PhotoRow, RatingRow
from tanggap.reader import AbstractReader
from tanggap.reports.repository import SqlAlchemyReferenceData, SqlAlchemyReportRepository
from tanggap.reports.views import event_views, report_summary
from tanggap.staff.queries.queue import countdown, opd_officers
from tanggap.staff.tables import ResponseTemplateRow


def offered_actions(report: Report, user: StaffUser, now: datetime, policy: LifecyclePolicy) -> list[str]:
    """The actions the lifecycle's permission guards allow this user; the service checks every
    guard again when the form comes back."""
    if not may_see(user, report.opd, report.officer):
        return []
    attempt = Attempt(Actor(user.username, user.role, user.opd), now, {}, None, policy)
    return [t.value for t in lifecycle().offered(report, attempt)]


def check_may_offer(reader: AbstractReader, username: str, report_id: int, trigger: str, now: datetime,
                    policy: LifecyclePolicy) -> None:
    """Refuse before anything is written (a proof photo to disk) when this person may not fire
    `trigger` on this ticket: another OPD's ticket is NotFound, a role the lifecycle refuses is
    PermissionDenied. The service checks every guard again when the command comes."""
    with reader as s:
        user = active_staff(SqlAlchemyReferenceData(s).user(username))
        report = SqlAlchemyReportRepository(s).get(report_id)
    if not may_see(user, report.opd, report.officer):
        raise NotFound("report", report_id)
    if user.role is Role.HR or trigger not in offered_actions(report, user, now, policy):
        raise PermissionDenied(username, f"{trigger} report {report_id}")


def ticket(reader: AbstractReader, user: StaffUser, report_id: int, now: datetime,
           policy: LifecyclePolicy) -> dict[str, Any]:
    with reader as s:
        reports = SqlAlchemyReportRepository(s)
        report = reports.get(report_id)
        if not may_see(user, report.opd, report.officer):
            raise NotFound("report", report_id)
        events = reports.events(report_id)
        clocks = SqlAlchemySlaRepository(s).clocks_of(report_id)
        extra = _ticket_extras(s, report, user)
        photo = report.photo or _fetched_photo(s, report_id)
    return {
        **report_summary(report),
        "photo": photo,
        "proof_photo": report.proof_photo,
        "description_redacted": report.description_redacted,
        "photo_redacted": report.photo_redacted,
        "may_redact": user.role is not Role.HR,
        "awaiting_info": report.awaiting_info,
        "events": event_views(events),
        "clocks": [{**clock_view(k, now), "countdown": countdown(k, now)} for k in clocks],
        "actions": offered_actions(report, user, now, policy),
        **extra,
    }


def ticket_photo(reader: AbstractReader, user: StaffUser, report_id: int) -> str:
    """The key of a ticket's photo for someone who may see the ticket, redacted or not."""
    with reader as s:
        report = SqlAlchemyReportRepository(s).get(report_id)
        if not may_see(user, report.opd, report.officer):
            raise NotFound("report", report_id)
        key = report.photo or _fetched_photo(s, report_id)
    if key is None:
        raise NotFound("photo of report", report_id)
    return key


def _fetched_photo(s: Session, report_id: int) -> str | None:
    """A photo fetched from the citizen's media_url after submission: stored with the report's
    photos, not in the submission itself (which the event history replays)."""
    return s.scalar(select(PhotoRow.public_key).where(
        PhotoRow.report_id == report_id, PhotoRow.kind == "report").order_by(PhotoRow.id).limit(1))


def _ticket_extras(s: Session, report: Report, user: StaffUser) -> dict[str, Any]:
    tag = s.get(ReportTagRow, report.id)
    links = list(s.scalars(select(DuplicateLinkRow).where(DuplicateLinkRow.report_id == report.id)))
    templates = list(s.scalars(select(ResponseTemplateRow).where(
        ResponseTemplateRow.category == report.category, ResponseTemplateRow.active).order_by(ResponseTemplateRow.id)))
    officers = opd_officers(s, StaffUser(user.username, Role.OPD_HEAD, report.opd, "")) if report.opd else []
    rating = s.scalar(select(RatingRow).where(RatingRow.report_id == report.id))
    return {
        "hints": useful_hints(tag.hints) if tag else [],
        "rating": {"stars": rating.stars, "comment": rating.comment} if rating else None,
        "routed_opd": s.scalar(select(CategoryRow.opd_code).where(CategoryRow.code == report.category)),
        "flags": list(tag.flags) if tag else [],
        "tag_status": tag.status if tag else None,
        "duplicates": [{"id": d.id, "original_id": d.original_id, "status": d.status,
                        "evidence": d.evidence} for d in links],
        "templates": [{"id": t.id, "title": t.title, "body": t.body} for t in templates],
        "holder_officers": officers,
        "categories": list(s.scalars(select(CategoryRow.code).where(CategoryRow.active).order_by(CategoryRow.code))),
        "opds": list(s.scalars(select(OpdRow.code).order_by(OpdRow.code))),
        "client": (report.reporter or {}).get("client"),
        "client_extras": extra_data(s, report.id) if report.id is not None else [],
    }


HINT_FLOOR = 0.15  # below this the tagger is guessing: a hint at 3% tells staff nothing


def useful_hints(hints: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The tagger's hints worth a dispatcher's glance: likely enough, about things a city complaint
    shows, each class once, most likely first; with the class's name in Bahasa Indonesia."""
    names, best = city_hint_names(), dict[str, float]()
    for hint in hints:
        label, probability = hint.get("label"), float(hint.get("probability") or 0)
        if label in names and probability >= HINT_FLOOR and probability > best.get(label, 0):
            best[label] = probability
    return [{"label": label, "name": names[label], "probability": p}
            for label, p in sorted(best.items(), key=lambda item: -item[1])]
