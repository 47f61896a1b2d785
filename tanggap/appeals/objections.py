"""Filing an objection to a breach, and a supervisor deciding it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sla.appeals import ObjectionReason, Outcome
from states.errors import InvalidInput, NotFound, PermissionDenied
from states.model import Role
from tanggap.access import StaffUser, staff_user
from tanggap.appeals.commands import DecideObjection, FileObjection
from tanggap.appeals.errors import AlreadyDecided, NotYourBreach, ObjectionPending, ObjectionWindowClosed
from tanggap.appeals.evidence import check_evidence
from tanggap.context import Context
from tanggap.db import BreachRow, ObjectionEvidenceRow, ObjectionRow, OutboxRow
from tanggap.enforcement.closed_months import ensure_month_open
from tanggap.payroll.standings import window_end
from tanggap.pipeline.outbox import OBJECTION_DECIDED, OBJECTION_FILED
from tanggap.uow import AbstractUnitOfWork

MAX_TEXT = 4000
DECIDERS = frozenset({Role.SUPERVISOR, Role.ADMIN})


def file_objection(cmd: FileObjection, ctx: Context) -> int:
    uow = ctx.uow
    user = staff_user(uow, cmd.actor)
    uow.sla.lock_head()  # one appeals writer at a time: the checks below hold until the commit
    breach = _breach(uow, cmd.breach_id)
    check_may_object(user, breach)
    reason, text = _reason(cmd.reason), _text(cmd.text, "text")
    ensure_month_open(uow, breach.due_at)
    _check_objectionable(uow, breach)
    ends = window_end(breach, ctx.policy.objection_window_days)
    if ctx.now > ends:
        raise ObjectionWindowClosed(breach.id, ends)
    evidence = check_evidence(cmd.evidence)
    objection_id = uow.appeals.add_objection({
        "breach_id": breach.id, "officer": breach.officer, "filed_by": user.username, "reason_code": reason.value,
        "text": text, "evidence": [e.summary() for e in evidence], "window_ends_at": ends, "filed_at": ctx.now})
    uow.appeals.add_evidence(ObjectionEvidenceRow(objection_id=objection_id, name=e.name, content_type=e.content_type,
                                             sha256=e.sha256, data=e.data) for e in evidence)
    _notify(uow, OBJECTION_FILED, breach, {"objection_id": objection_id}, ctx.now)
    return objection_id


def may_object(user: StaffUser, officer: str | None, opd: str | None) -> bool:
    """The officer the breach is attributed to, or the head of the breach's OPD on their behalf."""
    if user.role is Role.OPD_OFFICER:
        return officer == user.username
    return user.role is Role.OPD_HEAD and opd is not None and opd == user.opd


def check_may_object(user: StaffUser, breach: BreachRow) -> None:
    if not may_object(user, breach.officer, breach.opd):
        raise NotYourBreach(user.username, breach.id, breach.officer)


def _check_objectionable(uow: AbstractUnitOfWork, breach: BreachRow) -> None:
    if uow.appeals.has_waiver(breach.id):
        raise InvalidInput("breach_id", f"breach #{breach.id} is already waived")
    pending = uow.payroll.pending_objections([breach.id]).get(breach.id)
    if pending is not None:
        raise ObjectionPending(breach.id, pending)


def decide_objection(cmd: DecideObjection, ctx: Context) -> int:
    """Accepting records a waiver of the breach (chained like any waiver) and the decision
    pointing at it; refusing records the decision only. Returns the decision's id."""
    uow = ctx.uow
    user = staff_user(uow, cmd.actor)
    if user.role not in DECIDERS:
        raise PermissionDenied(cmd.actor, "decide objections")
    reason = _text(cmd.reason, "reason")
    uow.sla.lock_head()  # one appeals writer at a time: the checks below hold until the commit
    objection = uow.appeals.objection(cmd.objection_id)
    if objection is None:
        raise NotFound("objection", cmd.objection_id)
    _check_undecided(uow, objection.id)
    breach = _breach(uow, objection.breach_id)
    ensure_month_open(uow, breach.due_at)
    outcome = Outcome.ACCEPTED if cmd.accept else Outcome.REFUSED
    waiver_id = _waive(uow, objection, user.username, reason, ctx.now) if cmd.accept else None
    decision_id = uow.appeals.add_decision({
        "objection_id": objection.id, "outcome": outcome.value, "reason": reason, "waiver_id": waiver_id,
        "decided_by": user.username, "decided_at": ctx.now})
    _notify(uow, OBJECTION_DECIDED, breach, {"objection_id": objection.id, "outcome": outcome.value}, ctx.now)
    return decision_id


def _check_undecided(uow: AbstractUnitOfWork, objection_id: int) -> None:
    done = uow.appeals.decision_on(objection_id)
    if done is not None:
        raise AlreadyDecided(objection_id, done.outcome, done.decided_by)


def _waive(uow: AbstractUnitOfWork, objection: ObjectionRow, actor: str, reason: str, now: datetime) -> int:
    if uow.appeals.has_waiver(objection.breach_id):
        raise InvalidInput("objection_id", f"breach #{objection.breach_id} was waived already; refuse the objection")
    return uow.appeals.add_waiver({"breach_id": objection.breach_id, "waived_by": actor, "waived_at": now,
                                    "reason": f"Keberatan #{objection.id} diterima: {reason}"})


def _notify(uow: AbstractUnitOfWork, topic: str, breach: BreachRow, payload: dict[str, Any], now: datetime) -> None:
    uow.outbox.put(OutboxRow(topic=topic, report_id=breach.report_id, created_at=now,
                             payload={"breach_id": breach.id, **payload}))


def _breach(uow: AbstractUnitOfWork, breach_id: int) -> BreachRow:
    breach = uow.appeals.breach(breach_id)
    if breach is None:
        raise NotFound("breach", breach_id)
    return breach


def _reason(raw: str) -> ObjectionReason:
    try:
        return ObjectionReason(raw.strip())
    except ValueError:
        raise InvalidInput("reason", f"{raw!r} is not one of: {', '.join(ObjectionReason)}") from None


def _text(raw: str, field: str) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidInput(field, "write what happened" if field == "text" else "a decision needs a written reason")
    if len(text) > MAX_TEXT:
        raise InvalidInput(field, f"at most {MAX_TEXT} characters, got {len(text)}")
    return text
