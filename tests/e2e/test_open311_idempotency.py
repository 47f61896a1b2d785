"""Retries create one report: the same Idempotency-Key, or the same device and content soon after."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from typing import Any

import requests
from sqlalchemy import func, select

from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import OutboxRow, ReportRow
from tests.fixtures.intake import photos

FORM = {"service_code": "jalan-rusak", "lat": "-10.17", "long": "123.603", "description": "Aspal amblas di Oepura"}


def reports(app: Tanggap) -> int:
    with app.uow() as uow:
        return uow.session.scalar(select(func.count()).select_from(ReportRow)) or 0


def submitted_outbox_rows(app: Tanggap) -> int:
    query = select(func.count()).select_from(OutboxRow).where(OutboxRow.topic == "report.submitted")
    with app.uow() as uow:
        return uow.session.scalar(query) or 0


def post(server: str, data: dict[str, Any], key: str | None = None, photo: bytes | None = None) -> requests.Response:
    headers = {"Idempotency-Key": key} if key else {}
    files = {"media": ("foto.jpg", photo, "image/jpeg")} if photo else None
    return requests.post(f"{server}/open311/v2/requests.json", data=data, files=files, headers=headers, timeout=60)


def test_twenty_concurrent_identical_posts_with_one_key_create_one_report(
    server: str, api_key: str, app: Tanggap
) -> None:
    data, photo = {**FORM, "api_key": api_key}, photos.jpeg(800, 600)
    with ThreadPoolExecutor(max_workers=20) as pool:
        answers = list(pool.map(lambda _: post(server, data, "retry-7f3a", photo), range(20)))

    assert sorted({a.status_code for a in answers}) in ([201], [200, 201])
    assert [a.status_code for a in answers].count(201) == 1
    assert len({a.json()[0]["service_request_id"] for a in answers}) == 1
    assert (reports(app), submitted_outbox_rows(app)) == (1, 1)


def test_a_retry_after_the_answer_was_lost_gets_the_same_id(server: str, api_key: str, app: Tanggap) -> None:
    first = post(server, {**FORM, "api_key": api_key}, "k-1")
    again = post(server, {**FORM, "api_key": api_key}, "k-1")
    other = post(server, {**FORM, "api_key": api_key}, "k-2")

    assert (first.status_code, again.status_code, other.status_code) == (201, 200, 201)
    assert first.json() == again.json()
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert reports(app) == 2


def test_a_key_reused_for_different_content_is_refused(server: str, api_key: str, app: Tanggap) -> None:
    post(server, {**FORM, "api_key": api_key}, "k-9")
    reused = post(server, {**FORM, "api_key": api_key, "description": "Laporan lain"}, "k-9")

    assert reused.status_code == 422
    problem = "Idempotency-Key 'k-9' was already used for a different request"
    assert reused.json() == [{"code": 422, "description": problem}]
    assert reports(app) == 1


def test_the_same_device_and_content_within_the_window_is_the_same_report(
    server: str, api_key: str, app: Tanggap, clock: FrozenClock
) -> None:
    data = {**FORM, "api_key": api_key, "device_id": "android-3c9e"}
    first = post(server, data).json()[0]["service_request_id"]
    clock.advance(timedelta(minutes=9, seconds=59))
    within = post(server, data).json()[0]["service_request_id"]
    changed = post(server, {**data, "description": "Aspal amblas, sekarang lebih lebar"}).json()[0]
    clock.advance(timedelta(minutes=10, seconds=1))
    after = post(server, data).json()[0]["service_request_id"]

    assert within == first
    assert len({first, changed["service_request_id"], after}) == 3
    assert reports(app) == 3
