"""Tanggap's Prefect flows. Each flow wires small tasks; each task calls the service layer.

Import this module only after `workflows.environment.configure` has run (the runner and the
worker entrypoints do), so Prefect reads Tanggap's settings.
"""

from __future__ import annotations

import json
import logging
import sys
from collections import Counter
from dataclasses import asdict
from datetime import UTC, datetime
from typing import Any

from prefect import flow, task

from tanggap import commands as c
from tanggap.appeals.months import stored_files, write_files
from tanggap.intake import STORED_TOPIC, IntakeService, run_media_fetches
from tanggap.payroll.service import EXPORT_FORMATS, allowance, breach_log, export_breaches, export_name
from tanggap.pipeline.notifications import send_all
from tanggap.pipeline.outbox import REPORT_SUBMITTED
from tanggap.pipeline.processing import tag_photos
from tanggap.reports.views import photo_keys
from tanggap.wita import previous_month
from workflows import deps

log = logging.getLogger("tanggap.flows")


MAX_ATTEMPTS = 5  # claims of one row before it is given up on: a report that kills its worker, say


def _claim(topic: str, limit: int) -> list[c.Claim]:
    d = deps.current()
    cmd = c.ClaimOutbox((topic,), deps.worker_name(), limit, d.pipeline.claim_lease_seconds, MAX_ATTEMPTS)
    claims: list[c.Claim] = d.app.handle(cmd)
    return claims


@task
def claim_submitted(limit: int) -> list[c.Claim]:
    return _claim(REPORT_SUBMITTED, limit)


@task
def load_photos(claims: list[c.Claim]) -> dict[int, bytes | None]:
    d = deps.current()
    keys = photo_keys(d.app.reader(), [cl.report_id for cl in claims if cl.report_id is not None])
    return {rid: d.photos.original(key) if key else None for rid, key in keys.items()}


@task
def tag(photos: dict[int, bytes | None]) -> list[c.TagOutcome]:
    return tag_photos(deps.current().tagger, photos)


Tagged = type[c.RouteSubmitted | c.TagFetchedPhotos]


def _handle_tagged(command: Tagged, claims: list[c.Claim], tags: list[c.TagOutcome]) -> dict[str, int]:
    """The batch in one transaction; if it fails, each report in its own, so one report that
    cannot be processed is given up on with its reason and holds up none of the others."""
    app = deps.current().app
    try:
        tally: dict[str, int] = app.handle(command(deps.worker_name(), tuple(claims), tuple(tags)))
        return tally
    except Exception:
        if len(claims) <= 1:
            return _give_up(claims, sys.exc_info()[1])
        log.exception("%s batch of %d failed; processing its reports one by one", command.__name__, len(claims))
    totals: Counter[str] = Counter()
    for claim in claims:
        totals.update(_handle_tagged(command, [claim], tags))
    return dict(totals)


def _give_up(claims: list[c.Claim], err: BaseException | None) -> dict[str, int]:
    log.error("giving up on %s: %s", [cl.report_id for cl in claims], err, exc_info=err)
    reason = f"{type(err).__name__}: {err}"[:300]
    given_up: int = deps.current().app.handle(c.GiveUpClaims(deps.worker_name(), tuple(claims), reason))
    return {"given_up": given_up}


@task
def route(claims: list[c.Claim], tags: list[c.TagOutcome]) -> dict[str, int]:
    return _handle_tagged(c.RouteSubmitted, claims, tags)


@flow(name="process-reports")
def process_reports(limit: int = 64) -> dict[str, int]:
    """Claim a batch of new reports, tag their photos, then classify, check and route them."""
    claims = claim_submitted(limit)
    if not claims:
        return {"claimed": 0}
    return {"claimed": len(claims), **route(claims, tag(load_photos(claims)))}


@task
def claim_stored(limit: int) -> list[c.Claim]:
    return _claim(STORED_TOPIC, limit)


@task
def load_stored_photos(claims: list[c.Claim]) -> dict[int, bytes | None]:
    """The fetched photos, by the keys their outbox rows carry."""
    photos = deps.current().photos
    return {cl.report_id: photos.original(str(cl.payload["photo"])) for cl in claims if cl.report_id is not None}


@task
def store_tags(claims: list[c.Claim], tags: list[c.TagOutcome]) -> dict[str, int]:
    return _handle_tagged(c.TagFetchedPhotos, claims, tags)


@flow(name="tag-fetched-photos")
def tag_fetched_photos(limit: int = 64) -> dict[str, int]:
    """Claim a batch of photos fetched after their reports were processed, tag them, then store
    the hints and checks; a report still waiting for a category is classified and routed as new."""
    claims = claim_stored(limit)
    if not claims:
        return {"claimed": 0}
    return {"claimed": len(claims), **store_tags(claims, tag(load_stored_photos(claims)))}


@task
def sweep() -> dict[str, int]:
    return asdict(deps.current().app.sweep())


@flow(name="enforce-sla")
def enforce_sla() -> dict[str, int]:
    """Record due warnings and breaches; their notifications are queued in the same transaction."""
    return sweep()


@task
def fan_out() -> int:
    count: int = deps.current().app.handle(c.FanOutNotifications())
    return count


@task
def send_emails() -> dict[str, int]:
    d = deps.current()
    if d.mailer is None:
        return {"sent": 0, "failed": 0}
    emails = d.app.handle(c.ClaimEmails())
    results = send_all(d.mailer, emails)
    if results:
        d.app.handle(c.RecordEmailResults(results))
    failed = sum(1 for _, error in results if error)
    return {"sent": len(results) - failed, "failed": failed}


@flow(name="deliver-notifications")
def deliver_notifications() -> dict[str, int]:
    """Inbox entries for every pending message, then e-mail when SMTP is configured."""
    return {"messages": fan_out(), **send_emails()}


@task
def close_quiet() -> int:
    closed: int = deps.current().app.handle(c.CloseQuietReports())
    return closed


@flow(name="close-quiet-reports")
def close_quiet_reports() -> int:
    """Close answered reports that nobody disputed within the quiet period."""
    return close_quiet()


@task
def write_month_exports(month: str) -> dict[str, Any]:
    app = deps.current().app
    folder = app.settings.data_dir / "exports" / month
    folder.mkdir(parents=True, exist_ok=True)
    with app.uow() as uow:
        kept = stored_files(uow, month)
    if kept:  # a closed month's files are final: written again exactly as they were kept
        write_files(folder, kept)
        return {"month": month, "closed": True, "folder": str(folder)}
    lines = breach_log(app.reader(), month)
    for fmt in EXPORT_FORMATS:
        (folder / export_name(month, fmt)).write_bytes(export_breaches(lines, fmt))
    report = allowance(app.uow(), month, app.clock.now(), app.policy.objection_window_days)
    (folder / "allowance.json").write_text(json.dumps(asdict(report), indent=2, ensure_ascii=False, default=str))
    return {"month": month, "breaches": len(lines), "folder": str(folder)}


@flow(name="month-end-allowance")
def month_end_allowance(month: str | None = None) -> dict[str, Any]:
    """Last month's breach log and allowance cuts, written as files HR downloads."""
    return write_month_exports(month or previous_month(deps.current().app.clock.now()))


@task
def retrain() -> dict[str, Any]:
    result: dict[str, Any] = deps.current().app.handle(c.RetrainTagger(deps.current().tagger.model_sha256))
    return result


@flow(name="retrain-tagger")
def retrain_tagger() -> dict[str, Any]:
    """Retrain the category head on staff labels; keep it only if it is not worse."""
    return retrain()


@task
def fetch_media() -> int:
    d = deps.current()
    return len(run_media_fetches(IntakeService(d.app)))


@flow(name="fetch-media")
def fetch_media_urls() -> int:
    """Download photos that clients gave as media_url, with the size limit and timeout."""
    return fetch_media()


@flow(name="warm-up")
def warm_up() -> str:
    """Started once by the runner so that no report waits for Prefect's first start."""
    return datetime.now(UTC).isoformat()


def process_reports_directly(limit: int = 64) -> dict[str, int]:
    """process-reports' work without an orchestrated run: only while Prefect's server starts, so
    that no citizen's report waits for it."""
    claims = claim_submitted.fn(limit)
    if not claims:
        return {"claimed": 0}
    return {"claimed": len(claims), **route.fn(claims, tag.fn(load_photos.fn(claims)))}


def tag_fetched_photos_directly(limit: int = 64) -> dict[str, int]:
    """tag-fetched-photos' work without an orchestrated run, while Prefect's server starts."""
    claims = claim_stored.fn(limit)
    if not claims:
        return {"claimed": 0}
    return {"claimed": len(claims), **store_tags.fn(claims, tag.fn(load_stored_photos.fn(claims)))}


WHILE_STARTING = {"process-reports": process_reports_directly, "tag-fetched-photos": tag_fetched_photos_directly,
                  "enforce-sla": sweep.fn}
