"""Photos fetched from a `media_url` after their reports were processed: the tag-fetched-photos
flow through its tasks' logic (`task.fn()`), with the real ONNX tagger, real photos and real
databases. The orchestrated run lives in tests/e2e/test_flows_fetched_photos.py."""

from __future__ import annotations

import dataclasses
import io
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from PIL import Image
from sqlalchemy import func, select, update

from cv.head import CategoryHead, train_head
from cv.tagger import OnnxTagger
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.config import PipelineSettings
from tanggap.db import DuplicateLinkRow, EventRow, OutboxRow, ReportTagRow, TaggerHeadRow
from tanggap.infrastructure.mailer import FakeMailer
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.intake import STORED_TOPIC, IntakeService, Source, SubmitServiceRequest, run_media_fetches
from tanggap.intake.tables import PhotoRow
from tanggap.reports.views import report_detail
from tanggap.staff.queries import common as common_views
from tanggap.staff.queries import ticket as ticket_views
from tests.fixtures.intake.servers import file_server, send_bytes
from tests.integration.test_cv_head import another_shot
from tests.integration.test_intake_service import service_on
from tests.integration.test_pipeline import process, state, submit
from workflows import deps
from workflows.flows import claim_stored, load_stored_photos, store_tags, tag
from workflows.runner import WITA, Runner

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
CAT = (PHOTOS / "chelsea.jpg").read_bytes()
NOTEBOOK = (PHOTOS / "opencv_ela_original.jpg").read_bytes()  # EXIF: GPS in Brazil, taken in 2018
# Stand-in labels: staff filed other shots of each fixture photo under one category.
LABELLED = {"chelsea.jpg": "jalan-rusak", "coffee.jpg": "sampah-menumpuk", "opencv_ela_original.jpg": "pohon-tumbang"}
UNSURE = "Tolong dicek, mengganggu warga"  # names no category's keywords


def reencoded(data: bytes) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, "JPEG", quality=40)
    return out.getvalue()


@pytest.fixture(scope="module")
def tagger() -> OnnxTagger:
    return OnnxTagger()


@pytest.fixture(scope="module")
def head(tagger: OnnxTagger) -> CategoryHead:
    shots = [(another_shot(name, 100 * i + s), category) for i, (name, category) in enumerate(LABELLED.items())
             for s in range(3)]
    vectors = [r.embedding for r in tagger.tag([data for data, _ in shots])]
    return train_head(np.stack(vectors), [category for _, category in shots], tagger.model_sha256)  # type: ignore[arg-type]


@pytest.fixture
def pipeline(app: Tanggap, tagger: OnnxTagger) -> Iterator[deps.Dependencies]:
    d = deps.Dependencies(dataclasses.replace(app, photos=FakePhotoStorage()),
                          PipelineSettings(claim_lease_seconds=60), tagger, FakeMailer())
    deps.use(d)
    yield d
    deps.use(None)  # type: ignore[arg-type]


@pytest.fixture
def media_host() -> Iterator[str]:
    routes = {"/kucing.jpg": send_bytes(CAT), "/kucing-lagi.jpg": send_bytes(reencoded(CAT)),
              "/buku.jpg": send_bytes(NOTEBOOK)}
    with file_server(routes) as base:
        yield base


@pytest.fixture
def intake(pipeline: deps.Dependencies) -> IntakeService:
    return service_on(pipeline.app, pipeline.photos, media_fetch_allow_private=True, media_fetch_timeout=5.0)  # type: ignore[arg-type]


def activate(app: Tanggap, head: CategoryHead) -> None:
    """The head as retraining leaves it: the active row."""
    with app.uow() as uow:
        uow.session.add(TaggerHeadRow(
            artefact=head.to_bytes(), model_sha=head.model_sha256, method=head.method.value,
            label_count=head.label_count, metrics={}, active=True, trained_at=app.clock.now()))
        uow.commit()


def submit_by_url(intake: IntakeService, url: str, lat: str = "-10.16", long: str = "123.6") -> int:
    """A web report filed as "tidak tahu" (no category), its photo given as a link."""
    return intake.submit(SubmitServiceRequest(None, UNSURE, lat, long, media_url=url, source=Source.WEB)).report_id


def retag(limit: int = 64) -> dict[str, int]:
    claims = claim_stored.fn(limit)
    return {"claimed": len(claims), **(store_tags.fn(claims, tag.fn(load_stored_photos.fn(claims))) if claims else {})}


def tally(assigned: int = 0, triage: int = 0, tagged: int = 0, waiting: int = 0) -> dict[str, int]:
    return {"claimed": assigned + triage + tagged + waiting, "assigned": assigned, "triage": triage,
            "tagged": tagged, "waiting": waiting}


def tag_row(app: Tanggap, rid: int) -> ReportTagRow:
    with app.uow() as uow:
        row = uow.session.get(ReportTagRow, rid)
        assert row is not None
        uow.session.expunge(row)
    return row


def count(app: Tanggap, table: Any, *where: Any) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table).where(*where)) or 0


def pending_stored(app: Tanggap) -> int:
    return count(app, OutboxRow, OutboxRow.topic == STORED_TOPIC, OutboxRow.done_at.is_(None))


def test_a_photo_fetched_after_triage_is_tagged_and_a_confident_head_routes_the_report(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str, head: CategoryHead
) -> None:
    activate(pipeline.app, head)
    rid = submit_by_url(intake, f"{media_host}/kucing.jpg")
    assert process()["triage"] == 1  # no photo yet: nothing to go on
    assert tag_row(pipeline.app, rid).status == "no_photo"
    assert len(run_media_fetches(intake)) == 1

    assert retag() == tally(assigned=1)
    view = report_detail(pipeline.app.reader(), rid)
    assert (view["state"], view["category"], view["opd"], view["classified_by"]) == (
        "assigned", "jalan-rusak", "PUPR", "tagger")
    tagged = tag_row(pipeline.app, rid)
    assert (tagged.status, tagged.flags, tagged.decision["outcome"]) == ("ok", [], "classify")
    assert "tabby cat" in [h["label"] for h in tagged.hints]
    assert tagged.phash is not None and tagged.embedding is not None
    assert pending_stored(pipeline.app) == 0
    officer = common_views.user(pipeline.app.reader(), "pupr.officer")
    page = ticket_views.ticket(pipeline.app.reader(), officer, rid, pipeline.app.clock.now(), pipeline.app.policy)
    with pipeline.app.uow() as uow:
        stored = uow.session.scalar(select(PhotoRow.public_key).where(PhotoRow.report_id == rid))
    assert stored is not None and page["photo"] == stored  # the fetched photo shows on the ticket page


def test_without_a_confident_head_the_report_stays_in_triage_with_the_photos_hints(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str
) -> None:
    rid = submit_by_url(intake, f"{media_host}/kucing.jpg")
    process()
    run_media_fetches(intake)

    assert retag() == tally(triage=1)
    assert state(pipeline.app, rid) == "submitted"
    tagged = tag_row(pipeline.app, rid)
    assert (tagged.status, tagged.decision["outcome"]) == ("ok", "triage")
    assert "tabby cat" in [h["label"] for h in tagged.hints]


def test_a_report_a_dispatcher_already_assigned_keeps_its_category_and_opd_and_gains_hints_and_flags(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str, head: CategoryHead
) -> None:
    activate(pipeline.app, head)  # it would say pohon-tumbang for this photo
    rid = submit_by_url(intake, f"{media_host}/buku.jpg")
    process()
    pipeline.app.handle(c.ClassifyReport(rid, "dispatcher", category="banjir-genangan"))
    pipeline.app.handle(c.AssignReport(rid, "dispatcher"))
    events = count(pipeline.app, EventRow, EventRow.report_id == rid)
    run_media_fetches(intake)

    assert retag() == tally(tagged=1)
    view = report_detail(pipeline.app.reader(), rid)
    assert (view["state"], view["category"], view["opd"]) == ("assigned", "banjir-genangan", "BPBD")
    assert count(pipeline.app, EventRow, EventRow.report_id == rid) == events
    tagged = tag_row(pipeline.app, rid)
    assert tagged.status == "ok" and "ring binder" in [h["label"] for h in tagged.hints]
    assert sorted(tagged.flags) == ["location_mismatch", "old_photo"]


def test_a_fetched_copy_of_an_open_reports_photo_is_linked_once_however_often_it_is_delivered(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str, head: CategoryHead
) -> None:
    activate(pipeline.app, head)
    first = submit(pipeline, CAT, category="jalan-rusak")
    second = submit_by_url(intake, f"{media_host}/kucing-lagi.jpg", lat="-10.16002")
    process()
    run_media_fetches(intake)

    assert retag() == tally(triage=1)  # the head is sure, but a possible duplicate waits for a dispatcher
    assert "possible_duplicate" in tag_row(pipeline.app, second).flags
    assert retag() == {"claimed": 0}
    with pipeline.app.uow() as uow:  # the same message delivered again
        uow.session.execute(update(OutboxRow).where(OutboxRow.topic == STORED_TOPIC)
                            .values(done_at=None, claimed_until=None))
        uow.commit()
    assert retag() == tally(triage=1)
    with pipeline.app.uow() as uow:
        links = [(r.report_id, r.original_id, r.status) for r in uow.session.scalars(select(DuplicateLinkRow))]
    assert links == [(second, first, "pending")]
    assert (count(pipeline.app, ReportTagRow), count(pipeline.app, EventRow, EventRow.report_id == second)) == (2, 1)


def test_a_run_that_dies_after_claiming_loses_nothing_and_its_late_answer_changes_nothing(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str, head: CategoryHead, clock: FrozenClock
) -> None:
    activate(pipeline.app, head)
    rid = submit_by_url(intake, f"{media_host}/kucing.jpg")
    process()
    run_media_fetches(intake)
    claimed = claim_stored.fn(64)  # ...and the process dies here, before storing
    assert retag() == {"claimed": 0}  # the lease still holds
    clock.advance(timedelta(seconds=61))
    assert retag() == tally(assigned=1)
    late = store_tags.fn(claimed, tag.fn(load_stored_photos.fn(claimed)))  # its lease passed to another worker
    assert late == {"assigned": 0, "triage": 0, "tagged": 0, "waiting": 0}
    assert count(pipeline.app, EventRow, EventRow.report_id == rid) == 3  # submitted, classified, assigned


def test_a_photo_fetched_before_its_report_was_processed_waits_for_that_processing(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str, head: CategoryHead
) -> None:
    activate(pipeline.app, head)
    rid = submit_by_url(intake, f"{media_host}/kucing.jpg")
    run_media_fetches(intake)

    assert retag() == tally(waiting=1)  # processing it now would overwrite these tags
    assert count(pipeline.app, ReportTagRow) == 0
    assert count(pipeline.app, OutboxRow, OutboxRow.topic == STORED_TOPIC, OutboxRow.claimed_until.is_(None),
                 OutboxRow.done_at.is_(None)) == 1  # handed back, not left leased
    process()
    assert retag() == tally(assigned=1)
    assert state(pipeline.app, rid) == "assigned"


def test_the_runner_starts_tag_fetched_photos_when_fetched_photos_wait(
    pipeline: deps.Dependencies, intake: IntakeService, media_host: str
) -> None:
    launched: list[tuple[str, dict[str, Any]]] = []
    runner = Runner(pipeline.app, lambda name, params: launched.append((name, params)), poll_seconds=1,
                    batch_size=8, last_day=pipeline.app.clock.now().astimezone(WITA).date().isoformat())
    submit_by_url(intake, f"{media_host}/kucing.jpg")
    process()
    run_media_fetches(intake)
    runner.tick(now=0.0)
    assert launched == [("tag-fetched-photos", {"limit": 8})]
    retag()
    runner.tick(now=0.5)
    assert len(launched) == 1  # nothing waits: no flow run
