"""Notifications: outbox messages become inbox entries, and e-mails when SMTP is configured.

E-mail is sent at most once per entry. An entry is marked `sending` and committed before the SMTP
call; if the process dies after that, the entry stays `sending` for staff to look at rather than
being sent a second time. Failures that SMTP reports are retried with exponential backoff.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, or_

from states.model import Report, Role
from tanggap import commands as c
from tanggap.context import Context
from tanggap.db import InboxRow, OutboxRow
from tanggap.display import METRIC_NAMES, wall_time
from tanggap.infrastructure.mailer import AbstractMailer, Email
from tanggap.pipeline.outbox import CITIZEN_COMMENTED, NOTIFY_TOPICS, OBJECTION_DECIDED, OBJECTION_FILED
from tanggap.uow import AbstractUnitOfWork

BACKOFF = timedelta(minutes=1)
# A sending round takes seconds; an e-mail still `sending` after this was lost with its process,
# and nobody can tell whether it left: an admin decides (see settle_email).
STUCK_AFTER = timedelta(minutes=15)


@dataclass(frozen=True)
class Recipient:
    name: str
    email: str | None


@dataclass(frozen=True)
class Message:
    title: str
    body: str


def fan_out(cmd: c.FanOutNotifications, ctx: Context) -> int:
    """One transaction: lock pending messages, write an inbox entry per recipient, mark them done."""
    uow = ctx.uow
    rows = uow.pipeline.claim_notifications(NOTIFY_TOPICS, ctx.now, cmd.limit)
    for row in rows:
        for recipient, message in _messages(uow, row):
            uow.pipeline.add_inbox(InboxRow(
                outbox_id=row.id, recipient=recipient.name, report_id=row.report_id, kind=row.topic,
                title=message.title, body=message.body, email=recipient.email,
                email_status="pending" if recipient.email else None, created_at=ctx.now))
        row.done_at = ctx.now
    return len(rows)


def _messages(uow: AbstractUnitOfWork, row: OutboxRow) -> list[tuple[Recipient, Message]]:
    report = uow.reports.get(row.report_id) if row.report_id is not None else None
    if report is None:
        return []
    compose = COMPOSERS.get(row.topic)
    return compose(uow, report, row.payload) if compose else []


def _staff(uow: AbstractUnitOfWork, role: Role | None = None, opd: str | None = None,
           usernames: list[str] | None = None) -> list[Recipient]:
    return [Recipient(u.username, u.email) for u in uow.pipeline.active_users(role, opd, usernames)]


def _opd_heads(uow: AbstractUnitOfWork, opd: str | None) -> list[Recipient]:
    return _staff(uow, Role.OPD_HEAD, opd) if opd else []


def _assigned(uow: AbstractUnitOfWork, report: Report, _: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    message = Message(f"Laporan #{report.id} ditugaskan ke {report.opd}",
                      f"{report.category or 'Tanpa kategori'}: {report.description[:200]}")
    people = _opd_heads(uow, report.opd)
    if report.officer:
        people = _staff(uow, usernames=[report.officer]) + people
    return [(p, message) for p in _unique(people)]


def _responded(uow: AbstractUnitOfWork, report: Report, _: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    email = report.reporter.get("email") if report.reporter else None
    message = Message(f"Laporan #{report.id} sudah ditanggapi", report.response or "")
    return [(Recipient(f"citizen:{report.id}", email), message)]


def _commented(uow: AbstractUnitOfWork, report: Report, payload: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    """A citizen's comment from a client app goes to whoever holds the ticket and the OPD's heads
    (the dispatch unit when no OPD holds it), saying whether a dispute reopened the report or could not."""
    title = (f"Laporan #{report.id} dibuka kembali oleh warga" if payload.get("reopened")
             else f"Sanggahan warga pada laporan #{report.id}: laporan tidak dapat dibuka kembali"
             if payload.get("notice") else f"Komentar warga pada laporan #{report.id}")
    people = _opd_heads(uow, report.opd) if report.opd else _staff(uow, Role.DISPATCHER)
    if report.officer:
        people = _staff(uow, usernames=[report.officer]) + people
    message = Message(title, str(payload.get("text") or "(foto tanpa teks)"))
    return [(p, message) for p in _unique(people)]


def _warning(uow: AbstractUnitOfWork, report: Report, payload: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    clock = uow.pipeline.clock(payload.get("clock_id"))
    if clock is None:
        return []
    share = str(payload.get("kind", "")).removeprefix("warning_")
    metric = METRIC_NAMES.get(clock.metric, clock.metric)
    message = Message(f"Peringatan SLA {share}%: laporan #{report.id}",
                      f"Tenggat {metric.lower()} {wall_time(clock.due_at, with_day=True)}. "
                      f"Pemegang: {report.officer or '-'}")
    return [(p, message) for p in _opd_heads(uow, clock.opd)]


def _breach(uow: AbstractUnitOfWork, report: Report, payload: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    clock = uow.pipeline.clock(payload.get("clock_id"))
    due = wall_time(clock.due_at, with_day=True) if clock else "?"
    metric = METRIC_NAMES.get(clock.metric, clock.metric).lower() if clock else ""
    message = Message(f"Pelanggaran SLA: laporan #{report.id} ({report.opd or 'Command Center'})",
                      f"Tenggat {metric} {due} terlewati.")
    return [(p, message) for p in _staff(uow, Role.SUPERVISOR)]


def _objection_filed(uow: AbstractUnitOfWork, report: Report,
                     payload: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    """A new objection goes to the supervisors, who decide it."""
    objection = uow.appeals.objection(payload.get("objection_id"))
    if objection is None:
        return []
    on_behalf = f" atas nama {objection.officer}" if objection.officer != objection.filed_by else ""
    message = Message(f"Keberatan #{objection.id} atas pelanggaran #{objection.breach_id} (laporan #{report.id})",
                      f"Diajukan oleh {objection.filed_by}{on_behalf}: {objection.text[:300]}")
    return [(p, message) for p in _staff(uow, Role.SUPERVISOR)]


def _objection_decided(uow: AbstractUnitOfWork, report: Report,
                       payload: dict[str, Any]) -> list[tuple[Recipient, Message]]:
    """The decision goes to the officer whose breach it is, and to the head who filed for them."""
    objection = uow.appeals.objection(payload.get("objection_id"))
    decision = uow.appeals.decision_on(payload.get("objection_id"))
    if objection is None or decision is None:
        return []
    verdict = "diterima: pelanggaran dibebaskan" if decision.outcome == "accepted" else "ditolak"
    message = Message(f"Keberatan #{objection.id} atas pelanggaran #{objection.breach_id} {verdict}",
                      f"Diputuskan oleh {decision.decided_by}: {decision.reason[:300]}")
    names = [n for n in (objection.officer, objection.filed_by) if n]
    return [(p, message) for p in _unique(_staff(uow, usernames=names))]


def _unique(people: list[Recipient]) -> list[Recipient]:
    return list({p.name: p for p in people}.values())


COMPOSERS: dict[str, Callable[[AbstractUnitOfWork, Report, dict[str, Any]], list[tuple[Recipient, Message]]]] = {
    "notify.assigned": _assigned,
    "notify.responded": _responded,
    CITIZEN_COMMENTED: _commented,
    "sla.warning": _warning,
    "sla.breach": _breach,
    OBJECTION_FILED: _objection_filed,
    OBJECTION_DECIDED: _objection_decided,
}


def undelivered(now: datetime) -> ColumnElement[bool]:
    """E-mails that need a person: failed for good, or stuck in `sending` (claimed long ago, or
    before claim times were kept)."""
    stuck = and_(InboxRow.email_status == "sending",
                 or_(InboxRow.email_claimed_at.is_(None), InboxRow.email_claimed_at <= now - STUCK_AFTER))
    return or_(InboxRow.email_status == "failed", stuck)


def claim_emails(cmd: c.ClaimEmails, ctx: Context) -> list[Email]:
    """Mark due e-mails `sending` and hand them out; committed before anything is sent."""
    due = ctx.uow.pipeline.claim_emails(ctx.now, cmd.limit)
    for row in due:
        row.email_status, row.email_attempts = "sending", row.email_attempts + 1
        row.email_claimed_at = ctx.now
    return [Email(r.id, r.email or "", r.title, r.body) for r in due]


def record_email_results(cmd: c.RecordEmailResults, ctx: Context) -> None:
    for inbox_id, error in cmd.results:
        row = ctx.uow.pipeline.inbox_entry(inbox_id)
        if row is None or row.email_status != "sending":
            continue
        if error is None:
            row.email_status, row.emailed_at, row.email_error = "sent", ctx.now, None
        elif row.email_attempts >= cmd.max_attempts:
            row.email_status, row.email_error = "failed", error
        else:
            row.email_status, row.email_error = "pending", error
            row.email_next_at = ctx.now + BACKOFF * 2 ** (row.email_attempts - 1)


def send_all(mailer: AbstractMailer, emails: Sequence[Email]) -> tuple[tuple[int, str | None], ...]:
    """Send each e-mail; an SMTP error is recorded for a retry, never raised past the batch."""
    results: list[tuple[int, str | None]] = []
    for email in emails:
        try:
            mailer.send(email)
            results.append((email.inbox_id, None))
        except Exception as err:
            results.append((email.inbox_id, f"{type(err).__name__}: {err}"))
    return tuple(results)


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    c.FanOutNotifications: fan_out,
    c.ClaimEmails: claim_emails,
    c.RecordEmailResults: record_email_results,
}
