"""Open311 and web-form submission: validate, deduplicate, file the report and record its extras."""

from __future__ import annotations

import secrets
from datetime import datetime

from tanggap import commands as c
from tanggap.context import Context
from tanggap.db import OutboxRow
from tanggap.infrastructure.storage import PreparedPhoto
from tanggap.intake.commands import CheckSubmission, Submission, SubmitServiceRequest
from tanggap.intake.common import FETCH_TOPIC
from tanggap.intake.extras import extra_rows
from tanggap.intake.idempotency import Claim, _claims, _replayed
from tanggap.intake.keys import _client, digest
from tanggap.intake.tables import ApiKeyRow, CitizenTokenRow, IdempotencyKeyRow, PhotoRow, ReportAttributeRow
from tanggap.intake.validation import Checked, _checked
from tanggap.reports import service as services
from tanggap.uow import AbstractUnitOfWork


def submit_service_request(cmd: SubmitServiceRequest, ctx: Context) -> Submission:
    uow = ctx.uow
    client = _client(uow.intake, cmd)
    claims = _claims(cmd, client, ctx.intake, ctx.now)
    existing = _replayed(uow.intake, claims, ctx.now)
    if existing is not None:
        return _answer(ctx, existing, True, services.routed_opd(uow, uow.reports.get(existing)))
    checked = _checked(ctx, cmd)
    photo_key = ctx.keep_photo(checked.photo) if checked.photo else None
    report_id: int = services.submit_report(_report_command(cmd, checked, client, photo_key), ctx)
    _record_extras(uow, report_id, checked, claims, ctx.now)
    return _answer(ctx, report_id, False, checked.category.opd_code if checked.category else None)


def check_submission(cmd: CheckSubmission, ctx: Context) -> None:
    _checked(ctx, cmd.submission)


def _report_command(
    cmd: SubmitServiceRequest, checked: Checked, client: ApiKeyRow | None, photo_key: str | None
) -> c.SubmitReport:
    reporter = {**checked.contact, **({"client": client.name} if client else {})}
    return c.SubmitReport(
        description=checked.description,
        category=checked.category.code if checked.category else None,
        lat=checked.lat,
        lon=checked.lon,
        address=checked.address,
        photo=photo_key,
        reporter=reporter,
        source=cmd.source.value,
    )


def _record_extras(
    uow: AbstractUnitOfWork, report_id: int, checked: Checked, claims: list[Claim], now: datetime
) -> None:
    intake = uow.intake
    intake.add_all(
        ReportAttributeRow(report_id=report_id, code=code, value=value) for code, value in checked.attributes
    )
    intake.add_all(extra_rows(report_id, checked.extras))
    intake.add_all(
        IdempotencyKeyRow(scope=k.scope, key=k.key, fingerprint=k.fingerprint, report_id=report_id, created_at=now)
        for k in claims
    )
    if checked.photo:
        intake.add(_photo_row(report_id, checked.photo, None, now))
    if checked.media_url:
        payload = {"url": checked.media_url}
        uow.outbox.put(OutboxRow(topic=FETCH_TOPIC, report_id=report_id, payload=payload, created_at=now))


def _photo_row(report_id: int, photo: PreparedPhoto, source_url: str | None, now: datetime) -> PhotoRow:
    return PhotoRow(
        report_id=report_id,
        kind="report",
        original_key=photo.key,
        public_key=photo.key,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.original),
        source_url=source_url,
        created_at=now,
    )


def _answer(ctx: Context, report_id: int, replayed: bool, opd: str | None) -> Submission:
    """The citizen's secret is made with the report and handed out on that first answer only:
    whoever replays the submission (a retry, or someone who saw the request) learns the report's
    number, never a key that confirms, disputes or rates it."""
    token = None if replayed else secrets.token_urlsafe(24)
    if token is not None:
        ctx.uow.intake.add(CitizenTokenRow(report_id=report_id, token_hash=digest(token), created_at=ctx.now))
    to = ctx.uow.reference.opd(opd).name if opd else "petugas Command Center"
    notice = f"Laporan #{report_id} diterima dan diteruskan ke {to}. Pantau statusnya dengan nomor laporan ini."
    return Submission(report_id, token, replayed, notice)
