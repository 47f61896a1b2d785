"""Processing new reports: tag the photos (outside any transaction), then classify, check for
duplicates and route, in one transaction that also marks the outbox rows done.

A photo fetched from a `media_url` arrives after its report was processed; it goes through the
same checks then, and the same decision while the report still waits for a category."""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

import numpy as np

from cv.decision import Decision, Outcome, decide
from cv.duplicates import Candidate, DuplicateParams, MatchBasis, ReportPhoto, find_duplicates
from cv.exif import ExifInfo
from cv.geo import EARTH_RADIUS_M, GeoPoint
from cv.head import CategoryHead, Prediction
from cv.keywords import keyword_scores
from cv.location import check_photo
from cv.phash import from_hex, to_hex
from cv.tagger import AbstractTagger, TagResult
from states.model import Report, ReportState
from tanggap import commands as c
from tanggap.commands import TagOutcome
from tanggap.context import Context
from tanggap.db import DuplicateLinkRow, ReportTagRow
from tanggap.pipeline.outbox import REPORT_SUBMITTED, mark_done, pending_for, release, still_mine
from tanggap.reports import service as services
from tanggap.uow import AbstractUnitOfWork
from tanggap.wita import WITA

log = logging.getLogger(__name__)
OPEN_STATES = ("submitted", "classified", "assigned", "responded")
BOX_MARGIN = 1.05  # the box query is cheap; the exact distance check comes after it
DUPLICATE_WINDOW = timedelta(days=60)


def tag_photos(tagger: AbstractTagger, photos: Mapping[int, bytes | None]) -> list[TagOutcome]:
    """Run the tagger on every report's photo in one batch; a bad photo never fails the batch."""
    with_photo = [(rid, data) for rid, data in photos.items() if data]
    results = tagger.tag([data for _, data in with_photo]) if with_photo else []
    outcomes = {rid: _outcome(rid, tagger, result) for (rid, _), result in zip(with_photo, results, strict=True)}
    return [outcomes.get(rid) or TagOutcome(rid, "no_photo") for rid in photos]


def _outcome(report_id: int, tagger: AbstractTagger, result: TagResult) -> TagOutcome:
    if result.error is not None:
        return TagOutcome(report_id, "error", error=str(result.error))
    analysis = result.analysis.to_dict() if result.analysis else {}
    if result.embedding is None:
        return TagOutcome(report_id, "unavailable", analysis=analysis,
                          phash=to_hex(result.phash) if result.phash is not None else None)
    return TagOutcome(
        report_id, "ok", tagger.model_sha256, tuple(
            {"label": h.label, "probability": round(h.probability, 4)} for h in result.hints),
        analysis, to_hex(result.phash) if result.phash is not None else None,
        np.asarray(result.embedding, dtype=np.float32).tobytes())


@lru_cache(maxsize=4)
def _head_from(head_id: int, artefact: bytes) -> CategoryHead:
    return CategoryHead.from_bytes(artefact)


def active_head(uow: AbstractUnitOfWork) -> tuple[int, CategoryHead] | None:
    row = uow.pipeline.active_head()
    return (row.id, _head_from(row.id, row.artefact)) if row else None


def route_submitted(cmd: c.RouteSubmitted, ctx: Context) -> dict[str, int]:
    """Classify, check and route each claimed report; the outbox rows are done in the same commit."""
    uow = ctx.uow
    mine = still_mine(uow, cmd.claims, cmd.worker)
    uow.reports.preload([cl.report_id for cl in mine if cl.report_id is not None])
    head = active_head(uow)
    params = duplicate_params(uow)
    tags = {t.report_id: t for t in cmd.tags}
    tally = {"assigned": 0, "triage": 0, "skipped": 0}
    for claim in mine:
        if claim.report_id is None:
            continue
        outcome = _route_one(ctx, uow.reports.get(claim.report_id), tags.get(claim.report_id), head, params)
        tally[outcome] += 1
    mark_done(uow, mine, ctx.now)
    return tally


def duplicate_params(uow: AbstractUnitOfWork) -> DuplicateParams:
    """Each category's duplicate radius as stored, read once per batch."""
    return DuplicateParams(radius_m=uow.pipeline.duplicate_radii())


def _route_one(ctx: Context, report: Report, tag: TagOutcome | None, head: tuple[int, CategoryHead] | None,
               params: DuplicateParams) -> str:
    if report.state is not ReportState.SUBMITTED:
        return "skipped"  # a dispatcher got there first; the tagger's view is no longer needed
    decision, flags = _check_photo(ctx, report, tag or TagOutcome(report.id or 0, "no_photo"), head, params)
    if decision.outcome is not Outcome.CLASSIFY or flags or decision.category is None:
        return "triage"
    rid = report.id or 0
    services.classify_report(c.ClassifyReport(rid, "tagger", note=decision.reason, category=decision.category,
                                              confidence=round(decision.confidence, 4)), ctx)
    services.assign_report(c.AssignReport(rid, "system", note="routed by category"), ctx)
    return "assigned"


def _check_photo(ctx: Context, report: Report, tag: TagOutcome, head: tuple[int, CategoryHead] | None,
                 params: DuplicateParams) -> tuple[Decision, list[str]]:
    """Store what the tagger saw, with the decision it supports and the checks' flags."""
    decision = decide(_predict(head, tag), report.category, keyword_scores(report.description))
    flags = _photo_flags(report, tag) + _link_duplicates(ctx, report, tag, params)
    _store_tag(ctx, report, tag, decision, flags, head[0] if head else None)
    return decision, flags


def _predict(head: tuple[int, CategoryHead] | None, tag: TagOutcome) -> Prediction | None:
    if head is None or tag.embedding is None or head[1].model_sha256 != tag.model_sha:
        return None
    return head[1].predict(np.frombuffer(tag.embedding, dtype=np.float32))


def _photo_flags(report: Report, tag: TagOutcome) -> list[str]:
    flags = list(tag.analysis.get("quality", {}).get("flags", []))
    if tag.status == "error":
        flags.append("unreadable_photo")
    exif = _exif(tag.analysis.get("exif") or {})
    if exif is not None and report.submitted_at is not None:
        where = GeoPoint(report.lat, report.lon) if report.lat is not None and report.lon is not None else None
        check = check_photo(exif, where, report.submitted_at, WITA)
        flags += sorted(flag.value for flag in check.flags)
    return flags


def _exif(raw: dict[str, Any]) -> ExifInfo | None:
    if not raw:
        return None
    gps = raw.get("gps")
    captured = raw.get("captured_at")
    return ExifInfo(gps=GeoPoint(gps["lat"], gps["lon"]) if gps else None,
                    captured_at=datetime.fromisoformat(captured) if captured else None)


def _link_duplicates(ctx: Context, report: Report, tag: TagOutcome, params: DuplicateParams) -> list[str]:
    if report.lat is None or report.lon is None or report.id is None or report.state.value not in OPEN_STATES:
        return []
    new = ReportPhoto(GeoPoint(report.lat, report.lon), report.category,
                      from_hex(tag.phash) if tag.phash else None, _vector(tag.embedding))
    # Nearness alone is not evidence: two potholes on one street are two reports.
    candidates = _nearby(ctx, report, _widest(params))
    matches = [m for m in find_duplicates(new, candidates, params) if m.basis is MatchBasis.PHOTO]
    linked = ctx.uow.pipeline.linked_originals(report.id) if matches else set()
    for match in (m for m in matches if m.report_id not in linked):  # a photo delivered again links nothing twice
        ctx.uow.pipeline.add_duplicate_link(DuplicateLinkRow(
            report_id=report.id, original_id=match.report_id, created_at=ctx.now, status="pending",
            evidence={"basis": match.basis.value, "distance_m": round(match.distance_m, 1),
                      "hamming": match.hamming, "cosine": None if match.cosine is None else round(match.cosine, 4)}))
    return ["possible_duplicate"] if matches else []


def _vector(raw: bytes | None) -> Any:
    return np.frombuffer(raw, dtype=np.float32) if raw else None


def _widest(params: DuplicateParams) -> float:
    """No pair is further apart than the widest radius of any category, whatever the old one's is."""
    return max([params.default_radius_m, *params.radius_m.values()])


def _box(lat: float, metres: float) -> tuple[float, float]:
    """Half-sides in degrees of latitude and longitude of a square that holds a circle of `metres`."""
    dlat = math.degrees(metres * BOX_MARGIN / EARTH_RADIUS_M)
    return dlat, dlat / max(math.cos(math.radians(lat)), 0.01)


def _nearby(ctx: Context, report: Report, metres: float) -> list[Candidate]:
    assert report.lat is not None and report.lon is not None and report.id is not None
    dlat, dlon = _box(report.lat, metres)
    rows = ctx.uow.pipeline.open_reports_near(
        report.id, (report.lat - dlat, report.lat + dlat), (report.lon - dlon, report.lon + dlon), OPEN_STATES,
        ctx.now - DUPLICATE_WINDOW, limit=50)
    return [Candidate(r.report_id, ReportPhoto(GeoPoint(r.lat, r.lon), r.category,
                                               from_hex(r.phash) if r.phash else None, _vector(r.embedding)))
            for r in rows if r.lat is not None and r.lon is not None]


def _store_tag(ctx: Context, report: Report, tag: TagOutcome, decision: Decision, flags: list[str],
               head_version: int | None) -> None:
    assert report.id is not None
    ctx.uow.pipeline.store_tag(ReportTagRow(
        report_id=report.id, status=tag.status, model_sha=tag.model_sha, head_version=head_version,
        hints=list(tag.hints), analysis=tag.analysis, flags=flags, decision=decision.to_dict(), phash=tag.phash,
        embedding=tag.embedding, error=tag.error, created_at=ctx.now))


def tag_fetched_photos(cmd: c.TagFetchedPhotos, ctx: Context) -> dict[str, int]:
    """Store the tagger's view of photos fetched after their reports were processed. A report
    still waiting for a category gets the decision a new report gets; any other report keeps its
    category and route, and only gains hints and flags. The outbox rows are done in the same commit."""
    uow = ctx.uow
    ready, waiting = _processed_first(uow, still_mine(uow, cmd.claims, cmd.worker))
    uow.reports.preload([cl.report_id for cl in ready if cl.report_id is not None])
    head, params = active_head(uow), duplicate_params(uow)
    tags = {t.report_id: t for t in cmd.tags}
    tally = {"assigned": 0, "triage": 0, "tagged": 0, "waiting": len(waiting)}
    for claim in ready:
        if claim.report_id is not None:
            report = uow.reports.get(claim.report_id)
            tally[_retag_one(ctx, report, tags.get(claim.report_id), head, params)] += 1
    release(uow, waiting)
    mark_done(uow, ready, ctx.now)
    return tally


def _processed_first(uow: AbstractUnitOfWork, claims: list[c.Claim]) -> tuple[list[c.Claim], list[c.Claim]]:
    """(ready, waiting): a report not processed yet would have this photo's tags overwritten by
    its processing, so its photo waits for it."""
    unprocessed = pending_for(uow, REPORT_SUBMITTED, [cl.report_id for cl in claims if cl.report_id is not None])
    return ([cl for cl in claims if cl.report_id not in unprocessed],
            [cl for cl in claims if cl.report_id in unprocessed])


def _retag_one(ctx: Context, report: Report, tag: TagOutcome | None, head: tuple[int, CategoryHead] | None,
               params: DuplicateParams) -> str:
    if report.state is ReportState.SUBMITTED:
        return _route_one(ctx, report, tag, head, params)
    _check_photo(ctx, report, tag or TagOutcome(report.id or 0, "no_photo"), head, params)
    return "tagged"


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    c.RouteSubmitted: route_submitted,
    c.TagFetchedPhotos: tag_fetched_photos,
}