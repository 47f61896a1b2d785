"""The processing pipeline through its tasks' logic (`task.fn()`), on real databases.

Photos are real JPEGs analysed by the real code; the model is the FakeTagger (an edge), so these
tests need no ONNX session. The orchestrated runs live in tests/e2e/test_flows.py.
"""

from __future__ import annotations

import dataclasses
import io
import threading
from datetime import timedelta

import pytest
from PIL import Image
from sqlalchemy import func, select

from cv.tagger import FakeTagger
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.config import PipelineSettings
from tanggap.db import ClockRow, DuplicateLinkRow, EventRow, OutboxRow, ReportTagRow
from tanggap.infrastructure.mailer import FakeMailer
from tanggap.infrastructure.storage import FakePhotoStorage, prepare_photo
from tanggap.reports.views import report_detail
from workflows import deps
from workflows.flows import claim_submitted, load_photos, route, tag
from workflows.runner import WITA, Runner


def jpeg(seed: int, quality: int = 90) -> bytes:
    """A real photo-like JPEG: a gradient with a seeded pattern, so each seed looks different."""
    image = Image.new("RGB", (320, 240))
    image.putdata([((x * seed) % 256, (y * 3 + seed * 40) % 256, ((x ^ y) * seed) % 256)
                   for y in range(240) for x in range(320)])
    out = io.BytesIO()
    image.save(out, "JPEG", quality=quality)
    return out.getvalue()



def submit(d: deps.Dependencies, photo: bytes | None = None, category: str | None = "jalan-rusak",
           lat: float = -10.16, description: str = "Jalan berlubang di depan pasar") -> int:
    key = None
    if photo is not None:
        key = d.photos.put(prepare_photo(photo, 10_000_000, 50_000_000)).original_key
    rid: int = d.app.handle(c.SubmitReport(description, category, lat, 123.6, photo=key))
    return rid


def process(limit: int = 64) -> dict[str, int]:
    claims = claim_submitted.fn(limit)
    if not claims:
        return {"claimed": 0}
    return {"claimed": len(claims), **route.fn(claims, tag.fn(load_photos.fn(claims)))}


def state(app: Tanggap, rid: int) -> str:
    return str(report_detail(app.reader(), rid)["state"])


def test_a_report_with_a_category_ends_assigned_with_its_clocks_running(pipeline: deps.Dependencies) -> None:
    rid = submit(pipeline, jpeg(3))
    assert process() == {"claimed": 1, "assigned": 1, "triage": 0, "skipped": 0}
    view = report_detail(pipeline.app.reader(), rid)
    assert (view["state"], view["opd"], view["classified_by"]) == ("assigned", "PUPR", "tagger")
    with pipeline.app.uow() as uow:
        running = {r.metric for r in uow.session.scalars(select(ClockRow).where(
            ClockRow.report_id == rid, ClockRow.state == "running"))}
        tagged = uow.session.get(ReportTagRow, rid)
        assert tagged is not None and tagged.status == "ok" and tagged.embedding is not None
    assert running == {"response", "resolution"}


def test_without_a_category_or_confident_evidence_the_report_waits_for_a_dispatcher(
    pipeline: deps.Dependencies
) -> None:
    rid = submit(pipeline, jpeg(4), category=None, description="Tolong dicek, mengganggu warga")
    assert process()["triage"] == 1
    assert state(pipeline.app, rid) == "submitted"


def test_the_same_photo_re_encoded_nearby_is_linked_as_a_possible_duplicate(pipeline: deps.Dependencies) -> None:
    first = submit(pipeline, jpeg(5))
    process()
    second = submit(pipeline, jpeg(5, quality=40), lat=-10.16002)
    third = submit(pipeline, jpeg(9), lat=-10.1600)
    process()
    with pipeline.app.uow() as uow:
        links = [(r.report_id, r.original_id, r.status) for r in uow.session.scalars(select(DuplicateLinkRow))]
    assert links == [(second, first, "pending")]
    assert (state(pipeline.app, second), state(pipeline.app, third)) == ("submitted", "assigned")


def test_a_run_that_dies_after_claiming_loses_nothing_and_duplicates_nothing(
    pipeline: deps.Dependencies, clock: FrozenClock
) -> None:
    ids = [submit(pipeline, jpeg(10 + i)) for i in range(3)]
    claimed = claim_submitted.fn(64)  # ...and the process dies here, before routing
    assert len(claimed) == 3
    assert process() == {"claimed": 0}  # the lease still holds
    clock.advance(timedelta(seconds=61))
    assert process()["assigned"] == 3
    # The dead worker's late answer changes nothing: its lease has passed to another worker.
    assert route.fn(claimed, tag.fn(load_photos.fn(claimed))) == {"assigned": 0, "triage": 0, "skipped": 0}
    with pipeline.app.uow() as uow:
        events = uow.session.scalar(select(func.count()).select_from(EventRow).where(EventRow.report_id.in_(ids)))
        pending = uow.session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.topic == "report.submitted", OutboxRow.done_at.is_(None)))
    assert (events, pending) == (9, 0)  # submitted, classified, assigned: once each


def test_a_dispatcher_who_acts_first_is_not_overridden(pipeline: deps.Dependencies) -> None:
    rid = submit(pipeline, jpeg(6))
    pipeline.app.handle(c.RejectReport(rid, "dispatcher", kind="spam", reason="iklan"))
    assert process()["skipped"] == 1
    assert state(pipeline.app, rid) == "rejected"


@pytest.mark.postgres
def test_two_concurrent_runs_on_postgres_never_process_the_same_report(pg_app: Tanggap) -> None:
    d = deps.Dependencies(dataclasses.replace(pg_app, photos=FakePhotoStorage()),
                          PipelineSettings(), FakeTagger(), FakeMailer())
    deps.use(d)
    ids = [submit(d, None, lat=-10.16 + i * 0.01) for i in range(40)]
    barrier = threading.Barrier(2)
    results: list[dict[str, int]] = []

    def run() -> None:
        barrier.wait()
        while (done := process(limit=7))["claimed"]:
            results.append(done)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r["assigned"] for r in results) == 40
    with pg_app.uow() as uow:
        assigned_events = uow.session.scalar(select(func.count()).select_from(EventRow).where(
            EventRow.report_id.in_(ids), EventRow.trigger == "assign"))
    assert assigned_events == 40
    deps.use(None)  # type: ignore[arg-type]


def test_the_runner_starts_a_flow_only_when_the_outbox_has_work(pipeline: deps.Dependencies) -> None:
    launched: list[str] = []
    runner = Runner(pipeline.app, lambda name, _: launched.append(name), poll_seconds=1, batch_size=8,
                    last_day=pipeline.app.clock.now().astimezone(WITA).date().isoformat())  # today's jobs done
    runner.tick(now=0.0)
    assert launched == []  # idle: one query, no flow run
    submit(pipeline, None)
    runner.tick(now=0.5)
    assert launched == ["process-reports"]
