"""Citizen intake on a real database: keys, submissions, citizen actions, photo fetches, reads."""

from __future__ import annotations

import io
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import pytest
from PIL import Image
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session

from states.errors import InvalidInput, NotFound, PermissionDenied
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import EventRow, OutboxRow, ReportRow
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.intake import (
    FETCH_TOPIC,
    ConfirmFix,
    IntakeService,
    InvalidApiKey,
    InvalidRequest,
    IssueApiKey,
    MediaFetchFailed,
    RateResponse,
    RequestQuery,
    RevokeApiKey,
    Source,
    SubmitServiceRequest,
    expected_datetimes,
    fetch_url,
    find_requests,
    run_media_fetches,
)
from tanggap.intake.tables import CitizenTokenRow, IdempotencyKeyRow, PhotoRow, RatingRow, ReportAttributeRow
from tests.conftest import detached
from tests.fixtures.intake import photos
from tests.fixtures.intake.servers import file_server, send_bytes


@pytest.fixture
def storage() -> FakePhotoStorage:
    return FakePhotoStorage()


def service_on(app: Tanggap, storage: FakePhotoStorage, **rules: Any) -> IntakeService:
    settings = app.settings.model_copy(update={"intake": app.settings.intake.model_copy(update=rules)})
    return IntakeService(replace(app, settings=settings, photos=storage))


@pytest.fixture
def intake(app: Tanggap, storage: FakePhotoStorage) -> IntakeService:
    return service_on(app, storage, media_fetch_allow_private=True, media_fetch_timeout=2.0)


@pytest.fixture
def key(intake: IntakeService) -> str:
    issued: str = intake.tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))
    return issued


def request(key: str, **changes: Any) -> SubmitServiceRequest:
    fields: dict[str, Any] = {"service_code": "banjir-genangan", "description": "Genangan setinggi lutut di Oesapa",
                              "lat": "-10.146", "long": "123.633", "attributes": {"depth": ["selutut"]}, "api_key": key}
    return SubmitServiceRequest(**{**fields, **changes})  # type: ignore[arg-type]


def count(app: Tanggap, table: Any) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(table)) or 0


ALL_TABLES = (ReportRow, EventRow, OutboxRow, ReportAttributeRow, PhotoRow, CitizenTokenRow, IdempotencyKeyRow)


def test_a_submission_writes_the_report_and_everything_around_it_together(
    app: Tanggap, intake: IntakeService, storage: FakePhotoStorage, key: str
) -> None:
    photo = photos.jpeg(400, 300)
    done = intake.submit(request(key, photo=photo, idempotency_key="a1", contact={"device_id": "hp-1",
                                                                                  "email": "yohana@example.id"}))

    assert not done.replayed and done.token
    assert [count(app, t) for t in ALL_TABLES] == [1, 1, 1, 1, 1, 1, 2]
    with app.uow() as uow:
        report = uow.session.get(ReportRow, done.report_id)
        assert report is not None
        assert (report.category, report.priority, report.source) == ("banjir-genangan", "urgent", "open311")
        assert report.reporter["email"] == "yohana@example.id" and "attributes" not in report.reporter
        stored = uow.session.scalars(select(PhotoRow)).one()
        original, public = stored.original_key, stored.public_key
        assert report.photo == original
    assert storage.originals[original] == photo
    assert 0x8825 in Image.open(io.BytesIO(storage.originals[original])).getexif()
    assert dict(Image.open(io.BytesIO(storage.publics[public])).getexif()) == {}


def test_a_refused_submission_leaves_no_trace(app: Tanggap, intake: IntakeService, key: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        intake.submit(request(key, attributes={"depth": ["sebahu"]}, lat="-10.1", long="timur", description="\x00"))

    assert [p.field for p in refused.value.problems] == ["description"]  # NUL is refused before anything else
    with pytest.raises(InvalidRequest) as refused:
        intake.submit(request(key, attributes={"depth": ["sebahu"]}, long="timur", photo=photos.truncated_jpeg()))
    assert [p.field for p in refused.value.problems] == ["attribute[depth]", "long", "media"]
    assert [count(app, t) for t in ALL_TABLES] == [0] * 7


def test_the_city_box_is_configurable(app: Tanggap, storage: FakePhotoStorage, key: str) -> None:
    bali = {"lat": "-8.65", "long": "115.21"}
    with pytest.raises(InvalidRequest, match=r"outside the city's area \(lat -10.25..-10.1"):
        service_on(app, storage).submit(request(key, **bali))

    denpasar = service_on(app, storage, city_box=(-8.8, 115.1, -8.5, 115.3))
    assert denpasar.submit(request(key, **bali)).report_id > 0


def test_a_key_is_shown_once_stored_hashed_and_a_name_can_be_reused_after_revoking(
    app: Tanggap, intake: IntakeService
) -> None:
    name = f"Qlue Kupang {uuid.uuid4().hex[:6]}"
    first = intake.tanggap.handle(IssueApiKey(name))
    with pytest.raises(InvalidInput, match="already has an active key"):
        intake.tanggap.handle(IssueApiKey(name))
    intake.tanggap.handle(RevokeApiKey(name))
    second = intake.tanggap.handle(IssueApiKey(name))

    with pytest.raises(InvalidApiKey, match="revoked"):
        intake.submit(request(first))
    assert intake.submit(request(second)).report_id > 0
    with app.uow() as uow:
        hashes = set(uow.session.scalars(text("SELECT key_hash FROM api_keys")))
    assert first not in hashes and second not in hashes
    with pytest.raises(NotFound):
        intake.tanggap.handle(RevokeApiKey("tidak-ada"))
    with pytest.raises(InvalidInput, match="name"):
        intake.tanggap.handle(IssueApiKey("  "))


def responded(app: Tanggap, intake: IntakeService, key: str) -> tuple[int, str]:
    done = intake.submit(request(key, service_code="jalan-rusak", attributes={}))
    app.handle(c.ClassifyReport(done.report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(done.report_id, "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(done.report_id, "pupr.officer", response="Aspal sudah ditambal"))
    return done.report_id, done.token


def test_rating_needs_the_token_a_response_and_one_to_five_stars(app: Tanggap, intake: IntakeService, key: str) -> None:
    waiting = intake.submit(request(key))
    with pytest.raises(InvalidInput, match="no response to rate yet"):
        intake.tanggap.handle(RateResponse(waiting.report_id, waiting.token, stars=3))
    report_id, token = responded(app, intake, key)
    with pytest.raises(PermissionDenied):
        intake.tanggap.handle(RateResponse(report_id, waiting.token, stars=3))
    for stars in (0, 6):
        with pytest.raises(InvalidInput, match="1 to 5 stars"):
            intake.tanggap.handle(RateResponse(report_id, token, stars=stars))

    intake.tanggap.handle(RateResponse(report_id, token, stars=2, comment="Lambat"))
    intake.tanggap.handle(RateResponse(report_id, token, stars=4))
    with app.uow() as uow:
        assert [(r.stars, r.comment) for r in uow.session.scalars(select(RatingRow))] == [(4, None)]


def test_confirming_closes_through_the_lifecycle_as_the_citizen(app: Tanggap, intake: IntakeService, key: str) -> None:
    report_id, token = responded(app, intake, key)
    intake.tanggap.handle(ConfirmFix(report_id, token))
    with app.uow() as uow:
        row = uow.session.get(ReportRow, report_id)
        assert row is not None and (row.state, row.close_reason) == ("closed", "citizen_confirmed")


# --- media_url: fetched after the commit, on loopback ------------------------------------------


@pytest.fixture
def media_host() -> Iterator[str]:
    def slow(handler: BaseHTTPRequestHandler) -> None:
        time.sleep(1.5)
        send_bytes(photos.jpeg())(handler)

    routes = {"/foto.jpg": send_bytes(photos.jpeg(320, 240)), "/besar.jpg": send_bytes(b"\xff" * 300_000),
              "/teks.jpg": send_bytes(photos.text_posing_as_photo()), "/lambat.jpg": slow}
    with file_server(routes) as base:
        yield base


def fetch_rows(app: Tanggap) -> list[OutboxRow]:
    with app.uow() as uow:
        rows = uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == FETCH_TOPIC).order_by(OutboxRow.id))
        return detached(uow.session, list(rows))


def test_a_media_url_is_fetched_by_the_job_not_the_request(
    app: Tanggap, intake: IntakeService, storage: FakePhotoStorage, key: str, media_host: str
) -> None:
    done = intake.submit(request(key, media_url=f"{media_host}/foto.jpg"))
    assert count(app, PhotoRow) == 0 and storage.originals == {}

    stored = run_media_fetches(intake)
    assert len(stored) == 1 and stored[0] in storage.publics
    with app.uow() as uow:
        photo = uow.session.scalars(select(PhotoRow)).one()
        assert (photo.report_id, photo.source_url) == (done.report_id, f"{media_host}/foto.jpg")
    assert fetch_rows(app)[0].done_at is not None
    assert run_media_fetches(intake) == []  # nothing left to do


def test_failed_fetches_are_recorded_and_only_passing_failures_are_retried(
    app: Tanggap, intake: IntakeService, key: str, media_host: str, clock: FrozenClock
) -> None:
    for path in ("besar.jpg", "teks.jpg", "hilang.jpg", "lambat.jpg"):
        intake.submit(request(key, media_url=f"{media_host}/{path}", description=f"Genangan {path}"))
    small = service_on(app, intake.photos, media_fetch_allow_private=True, media_fetch_timeout=0.5,  # type: ignore[arg-type]
                       media_fetch_max_bytes=200_000)  # fmt: skip

    assert run_media_fetches(small) == []
    rows = fetch_rows(app)
    assert [r.payload["error"] for r in rows] == [
        "it is 300,000 bytes; the limit is 200,000", "media: the file is not an image; send a JPEG, PNG or WebP photo",
        "HTTP 404", "it took longer than the time limit"]  # fmt: skip
    assert [r.done_at is not None for r in rows] == [True, True, True, False]
    for _ in range(2):
        clock.advance(timedelta(minutes=10))
        run_media_fetches(small)
    assert [(r.attempts, r.done_at is not None) for r in fetch_rows(app)][-1] == (3, True)


@pytest.mark.parametrize("url", ["http://127.0.0.1:9/x.jpg", "http://localhost/x.jpg", "ftp://example.com/x.jpg"])
def test_without_permission_private_hosts_and_other_schemes_are_never_fetched(url: str) -> None:
    with pytest.raises(MediaFetchFailed) as failed:
        fetch_url(url, timeout=1, max_bytes=1000, allow_private=False)
    assert failed.value.permanent


# --- reads -------------------------------------------------------------------------------------


def test_requests_filter_by_service_status_dates_and_page(
    app: Tanggap, intake: IntakeService, key: str, clock: FrozenClock
) -> None:
    ids = []
    for n in range(5):
        code = "jalan-rusak" if n % 2 else "sampah-menumpuk"
        ids.append(intake.submit(request(key, service_code=code, attributes={}, description=f"Laporan {n}")).report_id)
        clock.advance(timedelta(days=1))
    app.handle(c.ClassifyReport(ids[0], "dispatcher", category="sampah-menumpuk"))
    app.handle(c.AssignReport(ids[0], "dispatcher"))
    app.handle(c.RespondReport(ids[0], "dlhk.officer", response="Sampah sudah diangkut"))
    app.handle(c.CloseReport(ids[0], "dispatcher"))
    start = datetime(2026, 10, 7, 0, 0, tzinfo=UTC)

    def found(**query: Any) -> list[int]:
        return [int(v.service_request_id) for v in find_requests(app.reader(), RequestQuery(**query))]

    assert found() == ids[::-1]
    assert found(service_codes=("jalan-rusak",)) == [ids[3], ids[1]]
    assert found(statuses=("closed",)) == [ids[0]]
    assert found(statuses=("open",)) == ids[:0:-1]
    assert found(start=start, end=start + timedelta(days=2)) == [ids[2], ids[1]]
    assert found(page=2, page_size=2) == [ids[2], ids[1]]
    assert found(ids=(ids[4], ids[0]), statuses=("open",)) == [ids[4], ids[0]]  # ids override the rest


def test_expected_datetimes_are_the_earliest_running_deadline_and_absent_without_the_table(tmp_path: Path) -> None:
    bare = create_engine(f"sqlite:///{tmp_path / 'bare.db'}")
    with Session(bare) as session:
        assert expected_datetimes(session, [1]) == {}
    clocks = create_engine(f"sqlite:///{tmp_path / 'clocks.db'}")
    with clocks.begin() as conn:
        conn.execute(text("CREATE TABLE sla_clocks (id INTEGER PRIMARY KEY, report_id INT, metric TEXT, "
                          "state TEXT, due_at TIMESTAMP)"))  # fmt: skip
        conn.execute(text("INSERT INTO sla_clocks (report_id, metric, state, due_at) VALUES "
                          "(1, 'resolution', 'running', '2026-10-09 08:30:00'), "
                          "(1, 'response', 'running', '2026-10-07 01:00:00'), "
                          "(1, 'dispatch', 'paused', '2026-10-06 02:00:00'), "
                          "(2, 'response', 'met', '2026-10-06 03:00:00')"))  # fmt: skip
    with Session(clocks) as session:
        assert expected_datetimes(session, [1, 2, 3]) == {1: datetime(2026, 10, 7, 1, 0, tzinfo=UTC)}


def test_the_web_form_needs_no_key_and_no_category(app: Tanggap, intake: IntakeService) -> None:
    done = intake.submit(SubmitServiceRequest(service_code=None, description="Lampu jalan mati", address="Jl. Cak Doko",
                                              source=Source.WEB))  # fmt: skip
    [view] = find_requests(app.reader(), RequestQuery(ids=(done.report_id,)))
    assert (view.service_code, view.service_name, view.agency_responsible) == (
        "belum-dikategorikan", "Belum dikategorikan", None)
