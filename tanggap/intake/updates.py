"""Citizens' comments that client apps post (mySociety's service request updates): each is an
event on the report's history, answered once per app and update id. `OPEN` or `REOPEN` on an
answered report is the citizen disputing the answer: it also reopens the report through the
lifecycle when the reopen window allows, and otherwise carries a notice for the OPD."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from typing import Any

from states.errors import GuardRejected, InvalidInput, NotFound
from states.lifecycle import GUARD_PROBLEMS, is_within_reopen_window
from states.model import CITIZEN, Report, ReportCommented, ReportState
from tanggap import commands as c
from tanggap.context import Context
from tanggap.db import OutboxRow
from tanggap.intake.commands import PostedUpdate, PostServiceRequestUpdate
from tanggap.intake.common import MAX_FIELD, _parse_datetime
from tanggap.intake.errors import InvalidRequest
from tanggap.intake.idempotency import MAX_KEY
from tanggap.intake.keys import client_key
from tanggap.intake.tables import ApiKeyRow, ClientUpdateRow
from tanggap.intake.validation import _collect, _contact, _media_urls, _nul_problems
from tanggap.pipeline.outbox import CITIZEN_COMMENTED
from tanggap.reports import service as services

# What FixMyStreet sends when a citizen says the problem is not fixed (REOPEN only with its
# `mark_reopen` option); every other status, known or not, is a plain comment: a 400 would make
# the app retry the comment for ever.
DISPUTE_STATUSES = frozenset({"OPEN", "REOPEN"})
ANSWERED = frozenset({ReportState.RESPONDED, ReportState.CLOSED})
NOT_OPEN = ANSWERED | {ReportState.REJECTED}
DISPUTE_TEXT = "Pelapor menyatakan masalahnya belum selesai."


class Notice:
    """Why a citizen's dispute stayed a comment; the ticket page says it in the reader's language."""

    AFTER_WINDOW = "dispute_after_window"
    ON_REJECTED = "dispute_on_rejected"
    REFUSED = "dispute_refused"


@dataclass(frozen=True)
class CheckedUpdate:
    update_id: str
    status: str
    text: str
    client_datetime: str
    contact: dict[str, str]
    media_urls: list[str]


def post_service_request_update(cmd: PostServiceRequestUpdate, ctx: Context) -> PostedUpdate:
    client = client_key(ctx.uow.intake, cmd.api_key)
    report_id = _report_id(cmd.service_request_id)
    report = _report(ctx, report_id)
    update_id = _update_id(cmd.update_id)
    answered = ctx.uow.intake.answered_update(client.name, report_id, update_id)
    if answered is not None:
        return PostedUpdate(report_id, answered, replayed=True)
    checked = _checked(cmd, update_id)
    answer = _record(ctx, report, client, checked)
    ctx.uow.intake.add(ClientUpdateRow(client=client.name, report_id=report_id, client_update_id=update_id,
                                event_seq=answer, created_at=ctx.now))
    return PostedUpdate(report_id, answer, replayed=False)


def _report(ctx: Context, report_id: int) -> Report:
    try:
        return ctx.uow.reports.get(report_id)
    except NotFound:
        raise NotFound("service request", str(report_id)) from None


def _report_id(raw: str | None) -> int:
    text = (raw or "").strip()
    if not text:
        raise InvalidRequest([InvalidInput("service_request_id", "is required")])
    if not text.isdigit() or len(text) > 18:
        raise NotFound("service request", text[:40])
    return int(text)


def _update_id(raw: str | None) -> str:
    text = (raw or "").strip()
    if not text:
        raise InvalidRequest([InvalidInput("update_id", "is required: the app's own id for this update")])
    if len(text) > MAX_KEY or "\x00" in text:
        raise InvalidRequest([InvalidInput("update_id", f"must be 1-{MAX_KEY} characters without NUL")])
    return text


def _checked(cmd: PostServiceRequestUpdate, update_id: str) -> CheckedUpdate:
    texts = {"description": cmd.description, "status": cmd.status, "updated_datetime": cmd.updated_datetime,
             **cmd.contact, **{f"media_url[{n}]": url for n, url in enumerate(cmd.media_urls, 1)}}
    problems = _nul_problems(texts)
    if problems:
        raise InvalidRequest(problems)
    status = _collect(problems, lambda: _status(cmd.status))
    when = _collect(problems, lambda: _when(cmd.updated_datetime))
    contact = _collect(problems, lambda: _contact(cmd.contact)) or {}
    urls = _media_urls(problems, cmd.media_urls)
    text = _collect(problems, lambda: _text(cmd.description, bool(cmd.media_urls)))
    if problems:
        raise InvalidRequest(problems)
    return CheckedUpdate(update_id, status, text, when, contact, urls)


def _status(raw: str | None) -> str:
    status = (raw or "").strip().upper().replace(" ", "_")
    if len(status) > MAX_FIELD:
        raise InvalidInput("status", f"is {len(status)} characters; the limit is {MAX_FIELD}")
    return status


def _when(raw: str | None) -> str:
    if not (raw or "").strip():
        raise InvalidInput("updated_datetime", "is required, e.g. 2026-10-06T09:00:00+08:00")
    parsed = _parse_datetime(raw or "")
    if parsed is None:
        raise InvalidInput("updated_datetime", f"{(raw or '').strip()[:40]!r} is not a W3C date and time, "
                                               "e.g. 2026-10-06T09:00:00+08:00")
    return parsed.astimezone(UTC).isoformat()


def _text(raw: str, has_photo: bool) -> str:
    text = raw.strip()
    if len(text) > services.MAX_DESCRIPTION:
        raise InvalidInput("description", f"is {len(text)} characters; the limit is {services.MAX_DESCRIPTION}")
    if not text and not has_photo:
        raise InvalidInput("description", "is required: the citizen's comment (or send a media_url)")
    return text


def _record(ctx: Context, report: Report, client: ApiKeyRow, update: CheckedUpdate) -> int:
    """The comment, with its author and photos, and the OPD told of it. A dispute first reopens an
    answered report when the lifecycle allows it, and the app is answered with the reopen (the
    event the update feed lists); a dispute it refuses carries a notice. Returns the event
    number to answer with."""
    reopened, notice = False, None
    if update.status in DISPUTE_STATUSES and report.state in NOT_OPEN:
        notice = _reopen(ctx, report, client, update)
        reopened = notice is None
    reopen_seq = report.version if reopened else None
    data = _comment_data(client, update, notice, reopened)
    report.record(ReportCommented("comment", report.state, report.state, CITIZEN, ctx.now, update.text or None,
                                  data))
    payload = {"seq": report.version, "notice": notice, "reopened": reopened, "text": update.text[:500]}
    ctx.uow.outbox.put(OutboxRow(topic=CITIZEN_COMMENTED, report_id=report.id, payload=payload, created_at=ctx.now))
    return reopen_seq or report.version


def _reopen(ctx: Context, report: Report, client: ApiKeyRow, update: CheckedUpdate) -> str | None:
    """Reopen through the lifecycle and its guards; None when it reopened, else the notice to record."""
    if report.state is ReportState.REJECTED:
        return Notice.ON_REJECTED
    assert report.id is not None
    cmd = c.ReopenReport(report.id, "citizen", note=f"{client.name}, update {update.update_id}",
                         reason=update.text or DISPUTE_TEXT)
    try:
        services.reopen_report(cmd, ctx)
    except GuardRejected as err:
        return Notice.AFTER_WINDOW if report.responded_at is not None and _window_passed(err) else Notice.REFUSED
    return None


def _window_passed(err: GuardRejected) -> bool:
    return GUARD_PROBLEMS[is_within_reopen_window] in err.problems


def _comment_data(client: ApiKeyRow, update: CheckedUpdate, notice: str | None, reopened: bool) -> dict[str, Any]:
    author = " ".join(p for p in (update.contact.get("first_name"), update.contact.get("last_name")) if p and p != "-")
    data: dict[str, Any] = {
        "client": client.name,
        "client_update_id": update.update_id,
        "client_status": update.status or None,
        "client_datetime": update.client_datetime,
        "author": author or None,
        "contact": {k: v for k, v in update.contact.items() if k in ("email", "phone")},
        "media_urls": update.media_urls,
    }
    if notice:
        data["notice"] = notice
    if reopened:
        data["reopened"] = True
    return data
