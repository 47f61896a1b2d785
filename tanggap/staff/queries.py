"""Read models for staff pages. Each one takes the signed-in user and shows only what that user
may see: authorization lives here and in `tanggap.staff.handlers`, not in the templates."""

from __future__ import annotations

import statistics
from bisect import bisect_right
from collections import Counter, defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import holidays as holiday_tables
from sqlalchemy import Select, and_, func, select
from sqlalchemy.orm import Session

from cv.decision import Outcome as DecisionOutcome
from cv.tagger import city_hint_names
from sla.appeals import DEFAULT_WINDOW_DAYS
from sla.clocks import ClockState, SlaClock, clock_is_late, work_used
from sla.rules import Metric, Uncovered, match_rule, uncovered_scopes
from states.errors import InvalidInput, NotFound, PermissionDenied
from states.lifecycle import Attempt, LifecyclePolicy, lifecycle
from states.model import ADMINS, DISPATCH_ROLES, OPD_ROLES, SUPERVISING, Actor, Priority, Report, ReportState, Role
from tanggap import config_audit
from tanggap.access import StaffUser, may_see, require, scoped, staff_user
from tanggap.appeals.queries import appeal_views, may_read_breach
from tanggap.config_audit import ConfigSubject
from tanggap.db import (
    BreachRow,
    CalendarRow,
    CategoryRow,
    ClockRow,
    ConfigChangeRow,
    DuplicateLinkRow,
    InboxRow,
    OpdRow,
    OutboxRow,
    ReportRow,
    ReportTagRow,
    RuleRow,
    TaggerHeadRow,
    TrainingLabelRow,
    UserRow,
    WaiverRow,
)
from tanggap.enforcement.repository import calendar_for, clock_from_row, rule_from_row
from tanggap.enforcement.service import clock_view
from tanggap.intake.common import FETCH_TOPIC
from tanggap.intake.extras import extra_data
from tanggap.intake.tables import ApiKeyRow, PhotoRow, RatingRow
from tanggap.pipeline.health import PipelineHealth, pipeline_health
from tanggap.pipeline.notifications import undelivered
from tanggap.reports.views import event_views, report_summary
from tanggap.staff.handlers import token_hash
from tanggap.staff.tables import ApiTokenRow, ResponseTemplateRow
from tanggap.uow import AbstractUnitOfWork
from tanggap.wita import WITA, week_starts

PAGE_SIZE = 50
TREND_WEEKS = 12
SCORE_PERIOD = timedelta(days=30)  # the OPD table: the last 30 days, so it is never empty on the 1st
OPEN_STATES = (ReportState.ASSIGNED.value,)
TRIAGE_STATES = (ReportState.SUBMITTED.value, ReportState.CLASSIFIED.value)


def user(uow: AbstractUnitOfWork, username: str) -> StaffUser:
    with uow:
        return staff_user(uow, username)


def names(uow: AbstractUnitOfWork) -> tuple[dict[str, str], dict[str, str]]:
    """Every category's and OPD's name by its code: pages show names where forms send codes."""
    with uow:
        categories = {code: name for code, name in uow.session.execute(select(CategoryRow.code, CategoryRow.name))}
        opds = {code: name for code, name in uow.session.execute(select(OpdRow.code, OpdRow.name))}
    return categories, opds


# --- SLA colours -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Countdown:
    """Qlue's colours: green on track, yellow past the first warning, red when breached."""

    metric: str
    due_at: datetime
    colour: str
    fraction: float
    running: bool
    state: str = ClockState.RUNNING.value


def countdown(clock: SlaClock, now: datetime) -> Countdown:
    at = clock.stopped_at or now
    used = work_used(clock, calendar_for(clock.calendar_spec), at)
    target = clock.target.total_seconds() or 1.0
    fraction = used.total_seconds() / target
    late = clock_is_late(clock, now)
    first_warning = min(clock.warn_at, default=0.5)
    colour = "red" if late else "yellow" if clock.stopped_at is None and fraction >= first_warning else "green"
    return Countdown(clock.metric.value, clock.due_at, colour, round(fraction, 3), clock.state is ClockState.RUNNING,
                     clock.state.value)


# --- the queue -------------------------------------------------------------------------------


@dataclass(frozen=True)
class QueueFilter:
    state: str | None = ReportState.ASSIGNED.value
    category: str | None = None
    officer: str | None = None
    opd: str | None = None
    page: int = 1


@dataclass(frozen=True)
class QueueRow:
    id: int
    state: str
    category: str | None
    opd: str | None
    officer: str | None
    priority: str
    description: str  # its first line, cut at 140 characters
    submitted_at: datetime | None
    countdown: Countdown | None
    address: str | None = None


@dataclass(frozen=True)
class Queue:
    rows: list[QueueRow]
    total: int
    page: int
    pages: int
    filters: QueueFilter
    categories: list[str] = field(default_factory=list)
    officers: list[str] = field(default_factory=list)


def _filtered(query: Select[Any], f: QueueFilter) -> Select[Any]:
    for column, value in ((ReportRow.state, f.state), (ReportRow.category, f.category),
                          (ReportRow.officer, f.officer), (ReportRow.opd, f.opd)):
        if value:
            query = query.where(column == value)
    return query


def queue(uow: AbstractUnitOfWork, user: StaffUser, f: QueueFilter, now: datetime) -> Queue:
    """Tickets in reach, soonest deadline first: the open response clock's due time, which the
    SLA reactions keep on the report so this walks one index in order (ix_reports_queue)."""
    base = _filtered(scoped(select(ReportRow.id), user), f)
    page = max(f.page, 1)
    with uow:
        total, ids = _deadline_page(uow.session, base, (page - 1) * PAGE_SIZE)
        rows = _queue_rows(uow, ids, Metric.RESPONSE, now)
        officers = _officers(uow, user)
        categories = list(uow.session.scalars(select(CategoryRow.code).order_by(CategoryRow.code)))
    return Queue(rows, total, page, max(1, -(-total // PAGE_SIZE)), f, categories, officers)


def _deadline_page(s: Session, base: Select[Any], skip: int) -> tuple[int, list[int]]:
    """The matching total and one page of ids: tickets with a deadline first, soonest first, then
    those without one (no rule covered them), oldest first. Each half walks the index in order."""
    due = ReportRow.response_due_at
    total, timed = s.execute(base.with_only_columns(func.count(), func.count(due))).one()
    ids = list(s.scalars(base.where(due.isnot(None)).order_by(due, ReportRow.id)
                         .limit(PAGE_SIZE).offset(skip))) if skip < timed else []
    if len(ids) < PAGE_SIZE and skip + len(ids) < total:
        ids += s.scalars(base.where(due.is_(None)).order_by(ReportRow.id)
                         .limit(PAGE_SIZE - len(ids)).offset(max(0, skip - timed)))
    return int(total), ids


def _queue_rows(uow: AbstractUnitOfWork, ids: list[int], metric: Metric, now: datetime) -> list[QueueRow]:
    """The listed reports with the open clock of `metric` each (their countdown), in `ids` order."""
    reports = {r.id: r for r in uow.session.scalars(select(ReportRow).where(ReportRow.id.in_(ids)))}
    clocks = {k.report_id: k for k in uow.session.scalars(select(ClockRow).where(
        ClockRow.report_id.in_(ids), ClockRow.metric == metric.value, ClockRow.stopped_at.is_(None)))}
    return [_queue_row(reports[rid], clocks.get(rid), now) for rid in ids]


def _queue_row(r: ReportRow, clock: ClockRow | None, now: datetime) -> QueueRow:
    shown = countdown(clock_from_row(clock), now) if clock is not None else None
    first_line = (r.description.strip().splitlines() or [""])[0]
    return QueueRow(r.id, r.state, r.category, r.opd, r.officer, r.priority, first_line[:140], r.submitted_at, shown,
                    r.address)


def _officers(uow: AbstractUnitOfWork, user: StaffUser) -> list[str]:
    query = select(UserRow.username).where(UserRow.role.in_([r.value for r in OPD_ROLES]))
    if user.role in OPD_ROLES:
        query = query.where(UserRow.opd_code == user.opd)
    return list(uow.session.scalars(query.order_by(UserRow.username)))


# --- the ticket page -------------------------------------------------------------------------


def offered_actions(report: Report, user: StaffUser, now: datetime, policy: LifecyclePolicy) -> list[str]:
    """The actions the lifecycle's permission guards allow this user; the service checks every
    guard again when the form comes back."""
    if not may_see(user, report.opd, report.officer):
        return []
    attempt = Attempt(Actor(user.username, user.role, user.opd), now, {}, None, policy)
    return [t.value for t in lifecycle().offered(report, attempt)]


def check_may_offer(uow: AbstractUnitOfWork, username: str, report_id: int, trigger: str, now: datetime,
                    policy: LifecyclePolicy) -> None:
    """Refuse before anything is written (a proof photo to disk) when this person may not fire
    `trigger` on this ticket: another OPD's ticket is NotFound, a role the lifecycle refuses is
    PermissionDenied. The service checks every guard again when the command comes."""
    with uow:
        user = staff_user(uow, username)
        report = uow.reports.get(report_id)
    if not may_see(user, report.opd, report.officer):
        raise NotFound("report", report_id)
    if user.role is Role.HR or trigger not in offered_actions(report, user, now, policy):
        raise PermissionDenied(username, f"{trigger} report {report_id}")


def ticket(uow: AbstractUnitOfWork, user: StaffUser, report_id: int, now: datetime,
           policy: LifecyclePolicy) -> dict[str, Any]:
    with uow:
        report = uow.reports.get(report_id)
        if not may_see(user, report.opd, report.officer):
            raise NotFound("report", report_id)
        events = uow.reports.events(report_id)
        clocks = uow.sla.clocks_of(report_id)
        extra = _ticket_extras(uow, report, user)
        photo = report.photo or _fetched_photo(uow, report_id)
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


def ticket_photo(uow: AbstractUnitOfWork, user: StaffUser, report_id: int) -> str:
    """The key of a ticket's photo for someone who may see the ticket, redacted or not."""
    with uow:
        report = uow.reports.get(report_id)
        if not may_see(user, report.opd, report.officer):
            raise NotFound("report", report_id)
        key = report.photo or _fetched_photo(uow, report_id)
    if key is None:
        raise NotFound("photo of report", report_id)
    return key


def _fetched_photo(uow: AbstractUnitOfWork, report_id: int) -> str | None:
    """A photo fetched from the citizen's media_url after submission: stored with the report's
    photos, not in the submission itself (which the event history replays)."""
    return uow.session.scalar(select(PhotoRow.public_key).where(
        PhotoRow.report_id == report_id, PhotoRow.kind == "report").order_by(PhotoRow.id).limit(1))


def _ticket_extras(uow: AbstractUnitOfWork, report: Report, user: StaffUser) -> dict[str, Any]:
    s = uow.session
    tag = s.get(ReportTagRow, report.id)
    links = list(s.scalars(select(DuplicateLinkRow).where(DuplicateLinkRow.report_id == report.id)))
    templates = list(s.scalars(select(ResponseTemplateRow).where(
        ResponseTemplateRow.category == report.category, ResponseTemplateRow.active).order_by(ResponseTemplateRow.id)))
    officers = _officers(uow, StaffUser(user.username, Role.OPD_HEAD, report.opd, "")) if report.opd else []
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


# --- triage ----------------------------------------------------------------------------------


def triage(uow: AbstractUnitOfWork, user: StaffUser, now: datetime, page: int = 1) -> Queue:
    """What the dispatch unit must route: reports the tagger abstained on or flagged, and
    classified reports waiting for an OPD, the dispatch deadline first."""
    require(user, DISPATCH_ROLES, "triage reports")
    clock = and_(ClockRow.report_id == ReportRow.id, ClockRow.metric == Metric.DISPATCH.value,
                 ClockRow.stopped_at.is_(None))
    base = select(ReportRow.id).where(ReportRow.state.in_(TRIAGE_STATES))
    listing = (base.outerjoin(ClockRow, clock).add_columns(ClockRow.id)
               .order_by(ClockRow.due_at.is_(None), ClockRow.due_at, ReportRow.id)
               .limit(PAGE_SIZE).offset((max(page, 1) - 1) * PAGE_SIZE))
    with uow:
        total = int(uow.session.scalar(select(func.count()).select_from(base.subquery())) or 0)
        rows = _queue_rows(uow, [rid for rid, _ in uow.session.execute(listing)], Metric.DISPATCH, now)
    return Queue(rows, total, max(page, 1), max(1, -(-total // PAGE_SIZE)), QueueFilter(state=None))


# Why the tagger left a report to the dispatcher, as a flag beside the photo's own.
DECISION_FLAGS: dict[str | None, tuple[str, ...]] = {
    DecisionOutcome.TRIAGE.value: ("tagger_unsure",),
    DecisionOutcome.NEEDS_DISPATCHER.value: ("category_disputed",),
}


def triage_flags(uow: AbstractUnitOfWork, report_ids: list[int]) -> dict[int, list[str]]:
    with uow:
        tags = uow.session.scalars(select(ReportTagRow).where(ReportTagRow.report_id.in_(report_ids)))
        flags = {t.report_id: [*t.flags, *DECISION_FLAGS.get(t.decision.get("outcome"), ())] for t in tags}
        pending = uow.session.scalars(select(DuplicateLinkRow.report_id).where(
            DuplicateLinkRow.report_id.in_(report_ids), DuplicateLinkRow.status == "pending"))
        for rid in pending:
            flags.setdefault(rid, []).append("possible_duplicate")
    return {rid: sorted(set(flags.get(rid, []))) for rid in report_ids}


# --- supervisors -----------------------------------------------------------------------------


def rules(uow: AbstractUnitOfWork, user: StaffUser) -> dict[int, list[RuleRow]]:
    """Every rule's versions, newest first, with who made each."""
    require(user, SUPERVISING, "read SLA rules")
    with uow:
        rows = list(uow.session.scalars(select(RuleRow).order_by(RuleRow.rule_id, RuleRow.version.desc())))
    grouped: dict[int, list[RuleRow]] = defaultdict(list)
    for row in rows:
        grouped[row.rule_id].append(row)
    return dict(grouped)


def preview_rule(uow: AbstractUnitOfWork, user: StaffUser, metric: str, opd: str | None, category: str | None,
                 priority: str | None, at: datetime) -> RuleRow | None:
    """Which rule version would start a clock for this OPD, category and priority at `at`."""
    require(user, SUPERVISING, "preview SLA rules")
    if metric not in set(Metric):
        raise InvalidInput("metric", f"{metric!r} is not one of {', '.join(Metric)}")
    with uow:
        rows = list(uow.session.scalars(select(RuleRow)))
    found = match_rule([rule_from_row(r) for r in rows], Metric(metric), opd, category, priority, at)
    if found is None:
        return None
    return next(r for r in rows if (r.rule_id, r.version) == (found.rule_id, found.version))


def calendars(uow: AbstractUnitOfWork, user: StaffUser) -> list[CalendarRow]:
    require(user, SUPERVISING, "read working calendars")
    with uow:
        return list(uow.session.scalars(select(CalendarRow).order_by(CalendarRow.name)))


HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}


def public_holidays(spec: Mapping[str, Any], year: int, lang: str = "id") -> list[tuple[str, str | None]]:
    """The holidays a calendar observes in a year, cuti bersama included, named in `lang`, and its
    extra ones (no name: the page calls them extra holidays in its own language)."""
    source = spec.get("holidays") or {}
    found: dict[str, str | None] = {}
    if source.get("country"):
        table = holiday_tables.country_holidays(source["country"], years=year, language=HOLIDAY_LANGUAGES[lang],
                                                categories=tuple(source.get("categories", ("public",))))
        found = {day.isoformat(): str(name) for day, name in sorted(table.items())}
    for day in spec.get("extra_holidays", []):
        found.setdefault(str(day), None)
    return sorted(found.items())


def routing(uow: AbstractUnitOfWork, user: StaffUser) -> tuple[list[CategoryRow], list[OpdRow]]:
    require(user, SUPERVISING, "read routing")
    with uow:
        categories = list(uow.session.scalars(select(CategoryRow).order_by(CategoryRow.code)))
        opds = list(uow.session.scalars(select(OpdRow).order_by(OpdRow.code)))
    return categories, opds


def tagger_health(uow: AbstractUnitOfWork, user: StaffUser) -> dict[str, Any]:
    require(user, SUPERVISING, "read tagger health")
    with uow:
        head = uow.session.scalar(select(TaggerHeadRow).where(TaggerHeadRow.active).order_by(TaggerHeadRow.id.desc()))
        last = uow.session.scalar(select(func.max(TaggerHeadRow.trained_at)))
        labels = int(uow.session.scalar(select(func.count()).select_from(TrainingLabelRow)) or 0)
    holdout = (head.metrics.get("holdout") or {}) if head else {}
    return {"head": head, "holdout": holdout, "labels": labels, "last_trained": last}


def breach_detail(uow: AbstractUnitOfWork, user: StaffUser, breach_id: int, now: datetime,
                  objection_days: int = DEFAULT_WINDOW_DAYS) -> dict[str, Any]:
    """A breach and everything that explains it: rule version, calendar, timeline, working time; and
    its objections. HR and supervisors read every breach; an officer their own, a head their OPD's."""
    with uow:
        breach = uow.session.get(BreachRow, breach_id)
        if breach is None:
            raise NotFound("breach", breach_id)
        if not may_read_breach(user, breach):
            raise PermissionDenied(user.username, "read this breach")
        [appeal] = appeal_views(uow, user, [breach], now, objection_days)
        clock = uow.session.get(ClockRow, breach.clock_id)
        rule = uow.session.scalar(select(RuleRow).where(
            RuleRow.rule_id == breach.rule_id, RuleRow.version == breach.rule_version))
        waiver = uow.session.scalar(select(WaiverRow).where(WaiverRow.breach_id == breach_id))
        events = uow.reports.events(breach.report_id)
    return {"breach": breach, "rule": rule, "waiver": waiver,
            "clock": clock_view(clock_from_row(clock), now) if clock else None,
            "events": event_views(events), "appeal": appeal}


# --- payroll API -----------------------------------------------------------------------------


def token_scope(uow: AbstractUnitOfWork, token: str) -> str | None:
    with uow:
        row = uow.session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash(token),
                                                           ApiTokenRow.revoked_at.is_(None)))
    return row.scope if row else None


def undelivered_emails(uow: AbstractUnitOfWork, user: StaffUser, now: datetime) -> list[InboxRow]:
    """E-mails failed for good or stuck in `sending`, oldest first, for an admin to settle."""
    require(user, ADMINS, "read undelivered e-mails")
    with uow:
        return list(uow.session.scalars(select(InboxRow).where(undelivered(now)).order_by(InboxRow.id).limit(200)))


def api_tokens(uow: AbstractUnitOfWork, user: StaffUser) -> list[ApiTokenRow]:
    """Every payroll token, revoked ones too: they explain a payroll system that stopped working."""
    require(user, ADMINS, "read API tokens")
    with uow:
        return list(uow.session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id)))


def open311_keys(uow: AbstractUnitOfWork, user: StaffUser) -> list[ApiKeyRow]:
    """Every Open311 client key, active ones first; only the hashes are stored, never shown."""
    require(user, ADMINS, "read Open311 API keys")
    with uow:
        return list(uow.session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.revoked_at.is_not(None), ApiKeyRow.name,
                                                                   ApiKeyRow.id)))


# --- dashboard -------------------------------------------------------------------------------


@dataclass(frozen=True)
class OpdScore:
    opd: str
    on_time_rate: float | None
    median_response_hours: float | None
    open: int
    overdue: int
    breached: int


def dashboard(uow: AbstractUnitOfWork, user: StaffUser, now: datetime, target: int) -> dict[str, Any]:
    """Per-OPD performance; a head sees the city's ranking too, as Qlue published it. The ranking
    covers this ISO week so far and the target this year, both in WITA like the weekly trend."""
    require(user, SUPERVISING | {Role.OPD_HEAD, Role.HR, Role.DISPATCHER}, "read the dashboard")
    monday, month_ago = week_starts(now, 1)[0], now - SCORE_PERIOD
    with uow:
        opds = list(uow.session.scalars(select(OpdRow.code).order_by(OpdRow.code)))
        scores = [_score(uow, opd, now, month_ago) for opd in opds]
        weekly = sorted((_score(uow, opd, now, monday) for opd in opds),
                        key=lambda s: (s.on_time_rate is None, -(s.on_time_rate or 0), s.opd))  # unmeasured last
        responded = int(uow.session.scalar(select(func.count()).select_from(ReportRow).where(
            ReportRow.responded_at >= _year_start(now))) or 0)
        trend = _weekly_trend(uow, now)
    return {"scores": scores, "scores_since": month_ago, "ranking": weekly,
            "ranking_week": (monday, monday + timedelta(days=6)),
            "responded": responded, "target": target, "trend": trend}


def _year_start(now: datetime) -> datetime:
    """Midnight WITA on 1 January of the year `now` falls in, as the city's calendar reads it."""
    return datetime(now.astimezone(WITA).year, 1, 1, tzinfo=WITA)


def _score(uow: AbstractUnitOfWork, opd: str, now: datetime, since: datetime | None) -> OpdScore:
    s = uow.session
    stopped = select(ClockRow.late, ClockRow.used_seconds).where(
        ClockRow.opd == opd, ClockRow.metric == Metric.RESPONSE.value, ClockRow.outcome == "fulfilled")
    if since is not None:
        stopped = stopped.where(ClockRow.stopped_at >= since)
    done = list(s.execute(stopped))
    open_count = s.scalar(select(func.count()).select_from(ReportRow).where(
        ReportRow.opd == opd, ReportRow.state == ReportState.ASSIGNED.value)) or 0
    overdue = s.scalar(select(func.count()).select_from(ClockRow).where(
        ClockRow.opd == opd, ClockRow.state == ClockState.RUNNING.value, ClockRow.due_at < now)) or 0
    breaches = select(func.count()).select_from(BreachRow).where(BreachRow.opd == opd)
    breached = s.scalar(breaches if since is None else breaches.where(BreachRow.due_at >= since)) or 0
    rate = round(sum(1 for late, _ in done if not late) / len(done), 3) if done else None
    median = round(statistics.median(u for _, u in done) / 3600, 2) if done else None
    return OpdScore(opd, rate, median, int(open_count), int(overdue), int(breached))


@dataclass(frozen=True)
class WeekTrend:
    """One ISO week (Monday to Sunday in WITA): responses sent, and response clocks stopped in
    time out of all that stopped fulfilled, as the OPD scores count them."""

    monday: datetime  # 00:00 WITA
    responses: int
    on_time: int
    measured: int
    by_opd: dict[str, int]

    @property
    def week(self) -> str:
        year, number, _day = self.monday.isocalendar()
        return f"{year}-W{number:02d}"

    @property
    def on_time_rate(self) -> float | None:
        return round(self.on_time / self.measured, 3) if self.measured else None


def _weekly_trend(uow: AbstractUnitOfWork, now: datetime, weeks: int = TREND_WEEKS) -> list[WeekTrend]:
    starts = week_starts(now, weeks)
    begin, end = starts[0], starts[-1] + timedelta(weeks=1)
    responded = uow.session.execute(select(ReportRow.responded_at, ReportRow.opd).where(
        ReportRow.responded_at >= begin, ReportRow.responded_at < end))
    stopped = uow.session.execute(select(ClockRow.stopped_at, ClockRow.late).where(
        ClockRow.metric == Metric.RESPONSE.value, ClockRow.outcome == "fulfilled",
        ClockRow.stopped_at >= begin, ClockRow.stopped_at < end))
    by_opd: list[Counter[str]] = [Counter() for _ in starts]
    for at, opd in responded:
        by_opd[_week_index(starts, at)][opd or "-"] += 1
    measured, late = Counter[int](), Counter[int]()
    for at, was_late in stopped:
        week = _week_index(starts, at)
        measured[week] += 1
        late[week] += bool(was_late)
    return [WeekTrend(monday, sum(by_opd[i].values()), measured[i] - late[i], measured[i], dict(by_opd[i]))
            for i, monday in enumerate(starts)]


def _week_index(starts: list[datetime], at: datetime | None) -> int:
    assert at is not None  # the queries keep only rows whose time lies in the weeks shown
    return bisect_right(starts, at) - 1


# --- configuration audit trail ---------------------------------------------------------------


def config_history(uow: AbstractUnitOfWork, user: StaffUser, kind: ConfigSubject) -> dict[str, list[ConfigChangeRow]]:
    """Each routed category's or calendar's changes, newest first: the first one is the last change."""
    require(user, SUPERVISING, "read the configuration history")
    found: dict[str, list[ConfigChangeRow]] = defaultdict(list)
    for row in reversed(config_audit.history(uow, kind)):
        found[row.subject_key].append(row)
    return dict(found)


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


def rule_coverage(uow: AbstractUnitOfWork, user: StaffUser, now: datetime) -> Gaps:
    """Metric -> OPD -> the categories no rule covers at `now`, where reports would start no clock."""
    require(user, SUPERVISING, "read SLA rule coverage")
    with uow:
        rows = uow.session.execute(select(CategoryRow.code, CategoryRow.opd_code).where(CategoryRow.active))
        routes = {category: opd for category, opd in rows}
        found = uncovered_scopes(uow.sla.rules(), routes, [p.value for p in Priority], now)
        unclocked = _unclocked_reports(uow) if found else Counter()
    return _grouped_gaps(found, unclocked)


def _unclocked_reports(uow: AbstractUnitOfWork) -> Counter[tuple[str, str | None, str | None, str]]:
    """Open reports per (metric, OPD, category, priority) whose metric has no running or paused
    clock in a state where it should: one grouped query."""
    clocked = [select(ClockRow.id).where(ClockRow.report_id == ReportRow.id, ClockRow.metric == m.value,
                                         ClockRow.state != ClockState.STOPPED.value).exists().label(f"has_{m.value}")
               for m in Metric]
    scope = (ReportRow.state, ReportRow.opd, ReportRow.category, ReportRow.priority)
    states = {s for metric_states in CLOCKED_STATES.values() for s in metric_states}
    per_report = select(*scope, *clocked).where(ReportRow.state.in_(states)).subquery()
    rows = uow.session.execute(select(*per_report.c, func.count()).group_by(*per_report.c))
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


@dataclass(frozen=True)
class GivenUpFetch:
    """A photo a client gave as media_url that Tanggap stopped trying to download, and why."""

    report_id: int | None
    url: str
    attempts: int
    reason: str
    given_up_at: datetime | None


def given_up_fetches(uow: AbstractUnitOfWork, user: StaffUser, limit: int = 200) -> list[GivenUpFetch]:
    """The newest photo fetches given up on, beside the undelivered e-mails."""
    require(user, ADMINS, "read given-up photo fetches")
    with uow:
        rows = uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == FETCH_TOPIC,
                                                           OutboxRow.done_at.is_not(None))
                                   .order_by(OutboxRow.id.desc()).limit(limit * 5))
        return [GivenUpFetch(r.report_id, str(r.payload.get("url", "")), r.attempts, str(r.payload.get("error", "")),
                             r.done_at) for r in rows if r.payload.get("given_up")][:limit]


def pipeline_status(uow: AbstractUnitOfWork, user: StaffUser, now: datetime) -> PipelineHealth:
    require(user, ADMINS, "read the state of the flows")
    return pipeline_health(uow, now)
