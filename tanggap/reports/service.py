"""The service layer: one handler per use case. Nothing else opens a transaction."""

from __future__ import annotations

import math
import re
import secrets
from collections.abc import Callable
from typing import Any

from sla.rules import PauseReason
from states.errors import ConcurrencyConflict, InvalidInput, NotFound
from states.lifecycle import Attempt, lifecycle
from states.model import (
    CITIZEN,
    OPD_ROLES,
    STAFF_ROLES,
    SYSTEM,
    Actor,
    Priority,
    Report,
    ReportAssigned,
    ReportEvent,
    ReportReassigned,
    ReportResponded,
    ReportState,
    ReportSubmitted,
    Role,
    Trigger,
)
from tanggap import commands as c
from tanggap.context import Context
from tanggap.db import CategoryRow, OpdRow, OutboxRow, TrainingLabelRow, UserRow
from tanggap.enforcement import service as sla_service
from tanggap.infrastructure.passwords import hash_password
from tanggap.uow import AbstractUnitOfWork

MAX_DESCRIPTION = 4000
USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{1,79}$")
NON_HUMAN = {"citizen": CITIZEN, "system": SYSTEM, "tagger": Actor("tagger", Role.TAGGER)}


def resolve_actor(uow: AbstractUnitOfWork, name: str) -> Actor:
    if name in NON_HUMAN:
        return NON_HUMAN[name]
    user = uow.reference.user(name)
    return Actor(user.username, Role(user.role), user.opd_code)


def submit_report(cmd: c.SubmitReport, ctx: Context) -> int:
    data = _submission(cmd, ctx.uow)
    actor = resolve_actor(ctx.uow, cmd.actor)
    report = Report(source=cmd.source)
    report.record(ReportSubmitted("submit", None, ReportState.SUBMITTED, actor, ctx.now, None, data))
    ctx.uow.reports.add(report)
    assert report.id is not None
    sla_service.react(ctx.uow, report, report.pending_events[-1])
    ctx.uow.outbox.put(OutboxRow(topic="report.submitted", report_id=report.id, payload={}, created_at=ctx.now))
    return report.id


def _submission(cmd: c.SubmitReport, uow: AbstractUnitOfWork) -> dict[str, Any]:
    description = cmd.description.strip()
    if not description:
        raise InvalidInput("description", "is required")
    if len(description) > MAX_DESCRIPTION:
        raise InvalidInput("description", f"is {len(description)} characters; the limit is {MAX_DESCRIPTION}")
    _check_location(cmd.lat, cmd.lon, cmd.address)
    urgent = uow.reference.category(cmd.category).urgent if cmd.category else False
    return {
        "category": cmd.category,
        "description": description,
        "lat": cmd.lat,
        "lon": cmd.lon,
        "address": (cmd.address or "").strip() or None,
        "photo": cmd.photo,
        "priority": (Priority.URGENT if urgent else Priority.NORMAL).value,
        "reporter": dict(cmd.reporter),
        "source": cmd.source,
    }


def _check_location(lat: float | None, lon: float | None, address: str | None) -> None:
    if (lat is None) != (lon is None):
        raise InvalidInput("lat/long", "both are required together")
    if lat is None and not (address or "").strip():
        raise InvalidInput("location", "either lat and long, or an address, is required")
    if lat is not None and lon is not None:
        if not (math.isfinite(lat) and -90 <= lat <= 90):
            raise InvalidInput("lat", f"{lat} is not a latitude")
        if not (math.isfinite(lon) and -180 <= lon <= 180):
            raise InvalidInput("long", f"{lon} is not a longitude")


def _load(uow: AbstractUnitOfWork, cmd: c.ReportCommand) -> Report:
    report = uow.reports.get(cmd.report_id)
    if cmd.expected_version is not None and cmd.expected_version != report.version:
        raise ConcurrencyConflict(report.id)
    return report


def _fire(ctx: Context, cmd: c.ReportCommand, report: Report, trigger: Trigger, data: dict[str, Any]) -> None:
    attempt = Attempt(resolve_actor(ctx.uow, cmd.actor), ctx.now, data, cmd.note, ctx.policy)
    lifecycle().fire(report, trigger, attempt)
    event = report.pending_events[-1]
    sla_service.react(ctx.uow, report, event)
    _notify(ctx, report, event)


NOTIFY_ON: dict[type[ReportEvent], str] = {
    ReportAssigned: "notify.assigned",
    ReportReassigned: "notify.assigned",
    ReportResponded: "notify.responded",
}


def _notify(ctx: Context, report: Report, event: ReportEvent) -> None:
    """Queue a notification in the same transaction as the change; it is delivered after commit."""
    topic = NOTIFY_ON.get(type(event))
    if topic is not None and report.id is not None:
        ctx.uow.outbox.put(OutboxRow(topic=topic, report_id=report.id, payload={"event": event.name},
                                     created_at=ctx.now))


def _check_holder(uow: AbstractUnitOfWork, opd: str, officer: str | None) -> None:
    uow.reference.opd(opd)
    if officer is None:
        return
    user = uow.reference.user(officer)
    if user.opd_code != opd or Role(user.role) not in OPD_ROLES:
        raise InvalidInput("officer", f"{officer} is not an officer of {opd}")


def classify_report(cmd: c.ClassifyReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    category = uow.reference.category(cmd.category) if cmd.category else None
    urgent = category.urgent if category else False
    data = {
        "category": cmd.category,
        "classified_by": cmd.actor,
        "confidence": cmd.confidence,
        "priority": (Priority.URGENT if urgent else report.priority).value,
    }
    _fire(ctx, cmd, report, Trigger.CLASSIFY, data)
    _record_label(ctx, report, cmd.actor)


LABELLING_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN, Role.OPD_HEAD, Role.OPD_OFFICER})


def _record_label(ctx: Context, report: Report, actor_name: str) -> None:
    """A person confirmed or corrected the category: a label the photo tagger learns from."""
    actor = resolve_actor(ctx.uow, actor_name)
    if actor.role in LABELLING_ROLES and report.id is not None and report.category:
        ctx.uow.reports.add_training_label(TrainingLabelRow(
            report_id=report.id, category=report.category, source="classification", actor=actor.name,
            created_at=ctx.now))


def assign_report(cmd: c.AssignReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    opd = cmd.opd or routed_opd(uow, report)
    if opd:
        _check_holder(uow, opd, cmd.officer)
    _fire(ctx, cmd, report, Trigger.ASSIGN, {"opd": opd, "officer": cmd.officer})


def routed_opd(uow: AbstractUnitOfWork, report: Report) -> str | None:
    """The category's default OPD, the routing a supervisor configures."""
    return uow.reference.category(report.category).opd_code if report.category else None


def reassign_report(cmd: c.ReassignReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    opd = cmd.opd or report.opd
    assert opd is not None, "an assigned report always has an OPD"
    _check_holder(uow, opd, cmd.officer)
    data = {"opd": opd, "officer": cmd.officer, "reason": cmd.reason}
    _fire(ctx, cmd, report, Trigger.REASSIGN, data)


def return_report(cmd: c.ReturnReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    _fire(ctx, cmd, report, Trigger.RETURN, {"reason": cmd.reason})


def respond_report(cmd: c.RespondReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    data = {"response": cmd.response.strip(), "proof_photo": cmd.proof_photo}
    _fire(ctx, cmd, report, Trigger.RESPOND, data)


CLOSE_REASONS = {Role.CITIZEN: "citizen_confirmed", Role.SYSTEM: "quiet_period"}


def close_quiet_reports(cmd: c.CloseQuietReports, ctx: Context) -> int:
    """The system closes answered reports nobody disputed within the quiet period."""
    quiet_since = ctx.now - ctx.policy.quiet_period
    closed = 0
    for report_id in ctx.uow.reports.quiet_reports(quiet_since, cmd.limit):
        report = ctx.uow.reports.get(report_id)
        _fire(ctx, c.CloseReport(report_id, "system"), report, Trigger.CLOSE, {"close_reason": "quiet_period"})
        closed += 1
    return closed


def close_report(cmd: c.CloseReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    reason = CLOSE_REASONS.get(resolve_actor(uow, cmd.actor).role, "dispatcher")
    _fire(ctx, cmd, report, Trigger.CLOSE, {"close_reason": reason})


def reject_report(cmd: c.RejectReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    if cmd.duplicate_of is not None:
        try:
            uow.reports.get(cmd.duplicate_of)
        except NotFound as err:  # a wrong number typed in the form: the form's problem, not a missing page
            raise InvalidInput("duplicate_of", f"report #{cmd.duplicate_of} does not exist") from err
    data = {"reject_kind": cmd.kind, "duplicate_of": cmd.duplicate_of, "reason": cmd.reason}
    _fire(ctx, cmd, report, Trigger.REJECT, data)


def reopen_report(cmd: c.ReopenReport, ctx: Context) -> None:
    uow = ctx.uow
    report = _load(uow, cmd)
    _fire(ctx, cmd, report, Trigger.REOPEN, {"reason": cmd.reason})


def request_information(cmd: c.RequestInformation, ctx: Context) -> None:
    report = _load(ctx.uow, cmd)
    data = {"question": cmd.question.strip(), "awaiting_info": True, "pause_reason": PauseReason.AWAITING_CITIZEN.value}
    _fire(ctx, cmd, report, Trigger.REQUEST_INFO, data)


def provide_information(cmd: c.ProvideInformation, ctx: Context) -> None:
    report = _load(ctx.uow, cmd)
    data = {"answer": cmd.answer.strip(), "awaiting_info": False, "pause_reason": None}
    _fire(ctx, cmd, report, Trigger.PROVIDE_INFO, data)


def create_user(cmd: c.CreateUser, ctx: Context) -> str:
    """Create a staff account; returns the password (generated when none is given)."""
    role = _staff_role(cmd.role)
    _check_user(cmd, role)
    if cmd.opd:
        ctx.uow.reference.opd(cmd.opd)
    if ctx.uow.reference.find_user(cmd.username) is not None:
        raise InvalidInput("username", f"{cmd.username} already exists")
    password = cmd.password or secrets.token_urlsafe(12)
    ctx.uow.reference.add(
        UserRow(
            username=cmd.username,
            full_name=cmd.full_name or cmd.username,
            role=role.value,
            opd_code=cmd.opd,
            password_hash=hash_password(password),
            active=True,
            email=cmd.email,
            created_at=ctx.now,
        )
    )
    return password


def _staff_role(raw: str) -> Role:
    try:
        role = Role(raw)
    except ValueError:
        role = None
    if role not in STAFF_ROLES:
        allowed = ", ".join(sorted(r.value for r in STAFF_ROLES))
        raise InvalidInput("role", f"{raw!r} is not a staff role; use one of {allowed}")
    assert role is not None
    return role


def _check_user(cmd: c.CreateUser, role: Role) -> None:
    if not USERNAME.match(cmd.username):
        raise InvalidInput("username", "use 2-80 lowercase letters, digits, '.', '_' or '-'")
    if (role in OPD_ROLES) != bool(cmd.opd):
        need = "requires" if role in OPD_ROLES else "must not have"
        raise InvalidInput("opd", f"role {role.value} {need} an OPD")
    if cmd.password is not None and len(cmd.password) < 8:
        raise InvalidInput("password", "must be at least 8 characters")


CODE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


def define_opd(cmd: c.DefineOpd, ctx: Context) -> None:
    if not CODE.match(cmd.code):
        raise InvalidInput("code", f"{cmd.code!r} is not a valid OPD code")
    row = ctx.uow.reference.find_opd(cmd.code) or OpdRow(code=cmd.code)
    row.name, row.short_name, row.is_24_7 = cmd.name, cmd.short_name, cmd.is_24_7
    ctx.uow.reference.add(row)


def define_category(cmd: c.DefineCategory, ctx: Context) -> None:
    if not CODE.match(cmd.code):
        raise InvalidInput("code", f"{cmd.code!r} is not a valid category code")
    ctx.uow.reference.opd(cmd.opd)
    row = ctx.uow.reference.find_category(cmd.code) or CategoryRow(code=cmd.code, active=True)
    row.name, row.opd_code, row.description = cmd.name, cmd.opd, cmd.description
    row.urgent, row.keywords = cmd.urgent, list(cmd.keywords)
    ctx.uow.reference.add(row)


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    c.SubmitReport: submit_report,
    c.ClassifyReport: classify_report,
    c.AssignReport: assign_report,
    c.ReassignReport: reassign_report,
    c.ReturnReport: return_report,
    c.RespondReport: respond_report,
    c.CloseReport: close_report,
    c.RejectReport: reject_report,
    c.ReopenReport: reopen_report,
    c.RequestInformation: request_information,
    c.ProvideInformation: provide_information,
    c.CreateUser: create_user,
    c.DefineOpd: define_opd,
    c.DefineCategory: define_category,
    c.CloseQuietReports: close_quiet_reports,
}
