"""What staff and uptime monitors see of the flows: /healthz per family (503 naming the late one),
and the admin page's given-up photo fetches beside its undelivered e-mails."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask

from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import OutboxRow
from tanggap.intake.common import FETCH_TOPIC
from tanggap.pipeline.health import FamilyStatus, register, unregister
from tests.web.staff_helpers import sign_in


@pytest.fixture
def families(clock: FrozenClock) -> Iterator[dict[str, FamilyStatus]]:
    started = clock.now()
    state = {name: FamilyStatus(name, period, started, started, None, None, 0, None)
             for name, period in (("routing", 60.0), ("enforcement", 60.0), ("fetching", 300.0))}
    register(lambda: list(state.values()))
    yield state
    unregister()


def given_up_fetch(app: Tanggap, report_id: int | None, url: str, reason: str) -> None:
    now = app.clock.now()
    with app.uow() as uow:
        uow.session.add(OutboxRow(topic=FETCH_TOPIC, report_id=report_id, created_at=now, attempts=3, done_at=now,
                                  payload={"url": url, "error": reason, "given_up": True}))
        uow.session.add(OutboxRow(topic=FETCH_TOPIC, report_id=report_id, created_at=now, attempts=1, done_at=now,
                                  payload={"url": "http://foto.example/berhasil.jpg"}))
        uow.commit()


def test_healthz_says_ok_for_each_family_while_each_finishes_within_twice_its_period(
    web: Flask, clock: FrozenClock, families: dict[str, FamilyStatus]
) -> None:
    clock.advance(timedelta(seconds=119))
    answer = web.test_client().get("/healthz")
    assert answer.status_code == 200
    lines = answer.text.splitlines()
    assert lines[0] == "ok"
    assert "routing: last finished 119 s ago" in lines and "fetching: last finished 119 s ago" in lines


def test_healthz_answers_503_naming_the_family_that_is_late_and_what_it_runs(
    web: Flask, clock: FrozenClock, families: dict[str, FamilyStatus]
) -> None:
    now = clock.now()
    clock.advance(timedelta(seconds=130))
    families["enforcement"] = FamilyStatus("enforcement", 60.0, now, now, "enforce-sla", now + timedelta(seconds=5),
                                           0, None)
    families["routing"] = FamilyStatus("routing", 60.0, now, clock.now(), None, None, 0, None)

    answer = web.test_client().get("/healthz")
    assert answer.status_code == 503
    assert answer.text.splitlines()[0] == ("late: enforcement has not finished for 130 s "
                                           "(period 60 s, running enforce-sla for 125 s)")
    data = web.test_client().get("/healthz?format=json").get_json()
    assert data["status"] == "late" and data["families"]["enforcement"]["running_for_seconds"] == 125.0
    assert data["families"]["routing"]["running"] is None


def test_healthz_counts_the_work_waiting_by_topic_with_the_oldest_age(
    web: Flask, app: Tanggap, clock: FrozenClock, families: dict[str, FamilyStatus]
) -> None:
    with app.uow() as uow:
        for minutes in (5, 2):
            uow.session.add(OutboxRow(topic="report.submitted", report_id=None, payload={},
                                      created_at=clock.now() - timedelta(minutes=minutes)))
        uow.commit()
    data = web.test_client().get("/healthz?format=json").get_json()
    assert data["waiting"]["report.submitted"] == {"rows": 2, "oldest_seconds": 300.0}
    assert "waiting report.submitted: 2 row(s), oldest 300 s" in web.test_client().get("/healthz").text


def test_the_admin_page_lists_given_up_photo_fetches_with_their_reason_and_the_flows(
    web: Flask, app: Tanggap, clock: FrozenClock, families: dict[str, FamilyStatus]
) -> None:
    given_up_fetch(app, None, "http://foto.example/lambat.jpg", "it took longer than the time limit")
    client = web.test_client()
    sign_in(client, "admin")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/admin/tokens").text))
    section = page[page.index("Foto dari tautan yang tidak jadi diunduh"):]
    assert "http://foto.example/lambat.jpg 3 it took longer than the time limit" in section
    assert "berhasil.jpg" not in section
    flows = page[page.index("Alur kerja otomatis"):]
    assert "routing" in flows and "enforcement" in flows and "Terlambat" not in flows


@pytest.mark.parametrize("persona", ["supervisor", "dispatcher", "pupr.head"])
def test_only_admins_see_the_flows_and_given_up_fetches(web: Flask, persona: str) -> None:
    client = web.test_client()
    sign_in(client, persona)
    assert client.get("/admin/tokens").status_code in (403, 404)




def test_the_admin_page_says_how_long_the_oldest_work_has_waited_in_words(
    web: Flask, app: Tanggap, clock: FrozenClock, families: dict[str, FamilyStatus]
) -> None:
    with app.uow() as uow:
        uow.session.add(OutboxRow(topic="report.submitted", report_id=None, payload={},
                                  created_at=clock.now() - timedelta(days=2, hours=3)))
        uow.commit()
    client = web.test_client()
    sign_in(client, "admin")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/admin/tokens").text))
    waiting = page[page.index("Pekerjaan menunggu"):]
    assert "report.submitted 1 2 hari 3 jam" in waiting
    assert "detik" not in waiting


def test_a_web_only_process_says_it_runs_no_flows_and_shows_no_empty_flow_table(web: Flask) -> None:
    client = web.test_client()
    sign_in(client, "admin")
    page = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", client.get("/admin/tokens").text))
    flows = page[page.index("Alur kerja otomatis"):]
    assert "Proses ini tidak menjalankan alur kerja (hanya web)" in flows
    assert "Kelompok" not in flows and "Pekerjaan menunggu" in flows
