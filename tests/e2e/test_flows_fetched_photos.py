"""An orchestrated run of tag-fetched-photos: a report whose photo came as a `media_url`, through
process-reports, fetch-media and tag-fetched-photos, with the real ONNX tagger."""

from __future__ import annotations

import dataclasses
from pathlib import Path

from sqlalchemy import select

from cv.tagger import OnnxTagger
from tanggap.bootstrap import Tanggap
from tanggap.config import PipelineSettings
from tanggap.db import ReportTagRow
from tanggap.infrastructure.storage import FakePhotoStorage
from tests.e2e.test_flows import prefect  # noqa: F401  (the session's Prefect server)
from tests.fixtures.intake.servers import file_server, send_bytes
from tests.integration.test_intake_service import service_on
from tests.integration.test_pipeline_fetched_photos import submit_by_url
from workflows import deps

CAT = (Path(__file__).resolve().parents[1] / "fixtures" / "photos" / "chelsea.jpg").read_bytes()


def test_a_photo_fetched_after_processing_is_tagged_in_an_orchestrated_run(prefect: None, app: Tanggap) -> None:  # noqa: F811
    from workflows.flows import fetch_media_urls, process_reports, tag_fetched_photos

    intake = service_on(app, FakePhotoStorage(), media_fetch_allow_private=True, media_fetch_timeout=5.0)
    deps.use(deps.Dependencies(dataclasses.replace(intake.tanggap, photos=intake.photos),
                               PipelineSettings(), OnnxTagger(), None))
    with file_server({"/kucing.jpg": send_bytes(CAT)}) as base:
        rid = submit_by_url(intake, f"{base}/kucing.jpg")
        assert process_reports(limit=16)["triage"] == 1
        assert fetch_media_urls() == 1
    assert tag_fetched_photos(limit=16) == {"claimed": 1, "assigned": 0, "triage": 1, "tagged": 0, "waiting": 0}
    assert tag_fetched_photos(limit=16) == {"claimed": 0}
    with app.uow() as uow:
        tagged = uow.session.scalars(select(ReportTagRow).where(ReportTagRow.report_id == rid)).one()
        assert tagged.status == "ok" and "tabby cat" in [h["label"] for h in tagged.hints]
    deps.use(None)  # type: ignore[arg-type]
