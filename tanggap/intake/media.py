"""Fetching media_url photos after the commit: lease the jobs, download, record the outcome."""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable

from states.errors import DomainError, InvalidInput, NotFound
from tanggap import commands as c
from tanggap.config import IntakeSettings
from tanggap.context import Context
from tanggap.db import OutboxRow
from tanggap.infrastructure.storage import prepare_photo
from tanggap.intake.commands import ClaimMediaFetches, MediaFetchJob, RecordMediaFetch
from tanggap.intake.common import FETCH_TOPIC, STORED_TOPIC
from tanggap.intake.errors import MediaFetchFailed
from tanggap.intake.fetch import fetch_url
from tanggap.intake.service import IntakeService
from tanggap.intake.submission import _photo_row
from tanggap.pipeline import outbox as outbox

log = logging.getLogger("tanggap.intake")

MAX_FETCH_ATTEMPTS = 3


MediaFetcher = Callable[[str], bytes]


def claim_media_fetches(cmd: ClaimMediaFetches, ctx: Context) -> list[MediaFetchJob]:
    """Lease pending fetches to one worker, through the outbox's shared claim."""
    lease = c.ClaimOutbox((FETCH_TOPIC,), cmd.worker, cmd.limit, int(cmd.lease.total_seconds()), MAX_FETCH_ATTEMPTS)
    return [MediaFetchJob(cl.outbox_id, cl.report_id, str(cl.payload["url"]), cl.attempts)
            for cl in outbox.claim_outbox(lease, ctx) if cl.report_id is not None]


def record_media_fetch(cmd: RecordMediaFetch, ctx: Context) -> str | None:
    """Store a fetched photo, or note why it failed; returns the photo's key when stored."""
    row = ctx.uow.intake.pending_job(cmd.job.outbox_id)
    if row is None:
        raise NotFound("pending media fetch", cmd.job.outbox_id)
    problem, permanent, key = cmd.problem, cmd.permanent, None
    if cmd.photo is not None:
        try:
            key = _store_fetched(ctx, cmd.job, cmd.photo)
        except InvalidInput as err:
            problem, permanent = str(err), True
    done = key is not None or permanent or cmd.job.attempt >= MAX_FETCH_ATTEMPTS
    given_up = {"given_up": True} if done and key is None else {}
    row.payload = {**row.payload, "error": problem, **given_up} if problem else row.payload
    row.done_at, row.claimed_until = (ctx.now if done else None), None
    return key


def _store_fetched(ctx: Context, job: MediaFetchJob, data: bytes) -> str:
    photo = prepare_photo(data, ctx.intake.media_fetch_max_bytes, ctx.intake.max_photo_pixels)
    ctx.keep_photo(photo)
    ctx.uow.intake.add(_photo_row(job.report_id, photo, job.url, ctx.now))
    ctx.uow.outbox.put(
        OutboxRow(topic=STORED_TOPIC, report_id=job.report_id, payload={"photo": photo.key}, created_at=ctx.now))
    return photo.key


def run_media_fetches(service: IntakeService, fetch: MediaFetcher | None = None, limit: int = 10) -> list[str]:
    """One pass of the job: lease, download outside any transaction, record. Returns stored keys.
    A job that fails is logged and left for its next attempt; the others carry on."""
    fetch = fetch or url_fetcher(service.rules)
    claim = ClaimMediaFetches(worker=f"fetch-{secrets.token_hex(4)}", limit=limit)
    jobs: list[MediaFetchJob] = service.tanggap.handle(claim)
    stored = []
    for job in jobs:
        key = _run_one(service, fetch, job)
        if key:
            stored.append(key)
    return stored


def _run_one(service: IntakeService, fetch: MediaFetcher, job: MediaFetchJob) -> str | None:
    try:
        data: bytes | None = fetch(job.url)
        problem, permanent = None, False
    except MediaFetchFailed as err:
        log.warning("media fetch %s for report #%s failed: %s", job.url, job.report_id, err.reason)
        data, problem, permanent = None, err.reason, err.permanent
    except Exception as err:
        log.exception("media fetch %s for report #%s failed unexpectedly", job.url, job.report_id)
        data, problem, permanent = None, f"{type(err).__name__}: {err}"[:300], False
    try:
        key: str | None = service.tanggap.handle(RecordMediaFetch(job, data, problem, permanent))
        return key
    except DomainError as err:
        log.error("recording media fetch %s for report #%s failed: %s", job.url, job.report_id, err)
        return None


def url_fetcher(rules: IntakeSettings) -> MediaFetcher:
    def fetch(url: str) -> bytes:
        return fetch_url(url, rules.media_fetch_timeout, rules.media_fetch_max_bytes, rules.media_fetch_allow_private,
                         ports=rules.media_fetch_ports)

    return fetch
