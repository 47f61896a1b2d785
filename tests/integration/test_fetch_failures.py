"""Every way a media_url fetch can go wrong ends as a recorded outcome with its reason: nothing
escapes the job, nothing is retried forever, and a slow server cannot hold it past its deadline."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import OutboxRow
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.intake import (
    FETCH_TOPIC,
    IntakeService,
    InvalidRequest,
    IssueApiKey,
    MediaFetchFailed,
    SubmitServiceRequest,
    fetch_url,
    run_media_fetches,
)
from tanggap.intake.commands import ClaimMediaFetches
from tanggap.intake.media import MAX_FETCH_ATTEMPTS
from tests.conftest import detached
from tests.fixtures.intake.servers import raw_server, trickle

PNG_HEAD = b"\x89PNG\r\n\x1a\n"


def service(app: Tanggap, **rules: Any) -> IntakeService:
    settings = app.settings.model_copy(update={"intake": app.settings.intake.model_copy(update=rules)})
    return IntakeService(replace(app, settings=settings, photos=FakePhotoStorage()))


@pytest.fixture
def intake(app: Tanggap) -> IntakeService:
    return service(app, media_fetch_allow_private=True, media_fetch_timeout=2.0)


def submit(intake: IntakeService, media_url: str) -> int:
    key = intake.tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))
    done = intake.submit(SubmitServiceRequest(
        service_code="banjir-genangan", description="Genangan setinggi lutut di Oesapa", lat="-10.146",
        long="123.633", attributes={"depth": ["selutut"]}, api_key=key, media_url=media_url))
    report_id: int = done.report_id
    return report_id


def fetch_row(app: Tanggap) -> OutboxRow:
    with app.uow() as uow:
        return detached(uow.session, uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == FETCH_TOPIC)).one())


def raw(data: bytes) -> Callable[[Any], None]:
    return lambda conn: conn.sendall(data)


ANSWERS = [
    pytest.param(raw(b"HELLO THERE\r\n\r\n"), "BadStatusLine", id="BadStatusLine"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + PNG_HEAD), "IncompleteRead",
                 id="IncompleteRead"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nContent-Length: lots\r\n\r\n" + PNG_HEAD), "Content-Length 'lots'",
                 id="bad Content-Length"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\nContent-Length: -5\r\n\r\n" + PNG_HEAD), "Content-Length '-5'",
                 id="negative Content-Length"),
    pytest.param(raw(b"HTTP/1.1 200 OK\r\n" + b"X-Long: " + b"a" * 70000 + b"\r\n\r\n"), "LineTooLong",
                 id="LineTooLong"),
    pytest.param(raw(b"HTTP/1.1 302 Found\r\nLocation: http://foto.example:99999/x.jpg\r\n\r\n"),
                 "malformed", id="redirect to port 99999"),
    pytest.param(raw(b"HTTP/1.1 302 Found\r\nLocation: http://a..b/x.jpg\r\n\r\n"), "malformed",
                 id="redirect to a UnicodeError host"),
    pytest.param(raw(b""), "RemoteDisconnected", id="closed without an answer"),
]


@pytest.mark.parametrize(("answer", "reason"), ANSWERS)
def test_a_malformed_answer_ends_in_a_recorded_failure_with_its_reason(
    app: Tanggap, intake: IntakeService, answer: Callable[[Any], None], reason: str
) -> None:
    with raw_server(answer) as base:
        submit(intake, f"{base}/foto.png")
        assert run_media_fetches(intake) == []
    row = fetch_row(app)
    assert reason in row.payload["error"]
    assert row.attempts == 1 and row.claimed_until is None


@pytest.mark.parametrize(("url", "reason"), [
    ("http://foto.example:99999/x.jpg", "malformed"),
    ("http://a..b/x.jpg", "malformed"),
    ("http://foto.example/a b.jpg", "spaces or control characters"),
    ("http://foto.example/x\r\nHost: evil.jpg", "spaces or control characters"),
])  # fmt: skip
def test_a_url_that_cannot_even_be_requested_fails_permanently(url: str, reason: str) -> None:
    with pytest.raises(MediaFetchFailed) as failed:
        fetch_url(url, 1, 1000)
    assert reason in failed.value.reason and failed.value.permanent


@pytest.mark.parametrize(("url", "reason"), [
    ("http://foto.example:99999/x.jpg", "malformed"),
    ("http://a..b/x.jpg", "malformed"),
    ("http://foto.example:8080/x.jpg", "port 8080 is not allowed"),
    ("http://10.0.0.5/x.jpg", "private"),
    ("http://[::ffff:127.0.0.1]/x.jpg", "embeds 127.0.0.1"),
])  # fmt: skip
def test_a_media_url_that_can_never_be_fetched_is_refused_at_submission(app: Tanggap, url: str, reason: str) -> None:
    with pytest.raises(InvalidRequest) as refused:
        submit(service(app), url)
    assert [p.field for p in refused.value.problems] == ["media_url"]
    assert reason in str(refused.value)
    with app.uow() as uow:
        assert uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == FETCH_TOPIC)).all() == []


def test_a_server_trickling_a_byte_a_second_is_cut_off_at_the_deadline(app: Tanggap, intake: IntakeService) -> None:
    headers = b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"
    with raw_server(trickle(PNG_HEAD * 12, headers, every=0.5)) as base:
        submit(intake, f"{base}/foto.png")
        began = time.monotonic()
        run_media_fetches(intake)
        took = time.monotonic() - began
    assert took < 4  # deadline 2 s; each byte came well within the old per-read timeout
    assert fetch_row(app).payload["error"] == "it took longer than the time limit"


def test_a_server_trickling_its_headers_is_cut_off_at_the_deadline(app: Tanggap, intake: IntakeService) -> None:
    with raw_server(trickle(b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 60, every=0.2)) as base:
        submit(intake, f"{base}/foto.png")
        began = time.monotonic()
        run_media_fetches(intake)
        took = time.monotonic() - began
    assert took < 4
    assert fetch_row(app).payload["error"] == "it took longer than the time limit"


def test_an_unexpected_exception_in_one_fetch_is_recorded_and_the_next_job_still_runs(
    app: Tanggap, intake: IntakeService
) -> None:
    submit(intake, "http://foto.example/rusak.jpg")
    submit(intake, "http://foto.example/baik.jpg")
    seen = []

    def fetch(url: str) -> bytes:
        seen.append(url)
        raise RuntimeError("the decoder fell over")

    run_media_fetches(intake, fetch)
    assert seen == ["http://foto.example/rusak.jpg", "http://foto.example/baik.jpg"]
    with app.uow() as uow:
        errors = [r.payload["error"] for r in uow.session.scalars(select(OutboxRow).where(
            OutboxRow.topic == FETCH_TOPIC).order_by(OutboxRow.id))]
    assert errors == ["RuntimeError: the decoder fell over"] * 2


def test_a_job_that_kills_its_worker_is_given_up_on_after_its_attempts(
    app: Tanggap, intake: IntakeService, clock: FrozenClock
) -> None:
    submit(intake, "http://foto.example/racun.jpg")
    for attempt in range(1, MAX_FETCH_ATTEMPTS + 1):
        jobs = intake.tanggap.handle(ClaimMediaFetches(worker=f"dies-{attempt}"))  # claimed, then the worker dies
        assert [job.attempt for job in jobs] == [attempt]
        clock.advance(timedelta(minutes=6))  # past the lease

    assert intake.tanggap.handle(ClaimMediaFetches(worker="next")) == []
    row = fetch_row(app)
    assert row.done_at is not None and row.payload["given_up"] is True
    assert row.payload["error"] == f"given up after {MAX_FETCH_ATTEMPTS} attempts that never finished"
