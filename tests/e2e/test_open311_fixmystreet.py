"""FixMyStreet as the citizens' front-end, against the real server on loopback: its reports with
the extra attributes it adds, the service request updates it polls, and the citizens' comments it
posts. The client is tests/fixtures/fixmystreet.py, which sends what FixMyStreet sends and reads
the answers the way it does."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from states.model import ReportState
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import EventRow, OutboxRow, ReportRow
from tanggap.infrastructure.storage import prepare_photo
from tanggap.intake import IntakeService
from tanggap.intake.tables import ClientUpdateRow, ReportAttributeRow
from tests.fixtures.fixmystreet import Comment, FixMyStreet, Problem, simple, strict_xml
from tests.fixtures.intake import photos
from tests.web.staff_helpers import sign_in

KUPANG = (-10.1605, 123.6135)
# What a UK-style cobrand adds to every report, whether the service declares it or not.
COBRAND_EXTRAS = {
    "title": "Lubang besar di Jl. El Tari",
    "description": "Sudah dua motor jatuh minggu ini",
    "report_url": "https://lapor.kupang.example/report/4711",
    "closest_address": "Jl. El Tari No. 12, Oebobo",
    "easting": "123.6135",
    "northing": "-10.1605",
    "fixmystreet_id": "4711",
    "uprn": "",
}


def pothole(number: int = 4711, **extra: str) -> Problem:
    own = {"report_url": f"https://lapor.kupang.example/report/{number}", "fixmystreet_id": str(number)}
    return Problem(
        id=number, title="Lubang besar di Jl. El Tari", detail="Sudah dua motor jatuh minggu ini",
        name="Maria Fernandez", email="maria@example.id", service_code="jalan-rusak", lat=KUPANG[0], lon=KUPANG[1],
        extra={"severity": "berat", **COBRAND_EXTRAS, **own, **extra}, device="FixMyStreet Kupang",
    )  # fmt: skip


@pytest.fixture
def fms(server: str, api_key: str) -> FixMyStreet:
    return FixMyStreet(server, api_key)


def filed(fms: FixMyStreet, problem: Problem | None = None) -> int:
    external_id = fms.send_report(problem or pothole())
    assert external_id is not None, fms.failures
    return int(external_id)


def responded(app: Tanggap, intake: IntakeService, report_id: int) -> str:
    """The report classified, assigned and answered with a proof photo; returns the photo's key."""
    proof = intake.photos.put(prepare_photo(photos.jpeg(gps=False), 10_000_000, 50_000_000)).public_key
    app.handle(c.ClassifyReport(report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(report_id, "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(report_id, "pupr.officer", response="Lubang sudah ditambal dengan aspal hotmix.",
                               proof_photo=proof))
    return proof


def ticket_page(web: Flask, report_id: int, lang: str = "id") -> str:
    client = web.test_client()
    token = sign_in(client, "dispatcher")
    if lang != "id":
        client.post("/bahasa", data={"lang": lang, "csrf_token": token})
    response = client.get(f"/tickets/{report_id}")
    assert response.status_code == 200
    return response.text


def window(clock: FrozenClock, hours: int = 2) -> tuple[datetime, datetime]:
    return clock.now() - timedelta(hours=hours), clock.now()


def state(app: Tanggap, report_id: int) -> ReportState:
    with app.uow() as uow:
        return uow.reports.get(report_id).state


def events(app: Tanggap, report_id: int) -> list[str]:
    with app.uow() as uow:
        return list(uow.session.scalars(select(EventRow.trigger).where(EventRow.report_id == report_id)
                                        .order_by(EventRow.seq)))


# --- reports with FixMyStreet's extra attributes ------------------------------------------------


def test_a_report_with_fixmystreets_extra_attributes_is_filed_and_staff_read_them(
    fms: FixMyStreet, app: Tanggap, web: Flask
) -> None:
    report_id = filed(fms)

    with app.uow() as uow:
        attrs = ReportAttributeRow
        rows = uow.session.execute(select(attrs.code, attrs.value, attrs.declared)
                                   .where(attrs.report_id == report_id).order_by(attrs.id))
        kept = [tuple(r) for r in rows]
        report = uow.reports.get(report_id)
    assert kept[0] == ("severity", "berat", True)
    assert kept[1:] == [(k, v, False) for k, v in COBRAND_EXTRAS.items() if v]  # uprn was empty
    # attribute[last_name] is personal: it is not kept as extra data, and deviceid names the device.
    assert report.reporter["first_name"] == "Maria" and report.reporter["last_name"] == "Fernandez"
    assert report.reporter["device_id"] == "FixMyStreet Kupang"
    assert report.description.splitlines() == [
        "Lubang besar di Jl. El Tari", "", "Sudah dua motor jatuh minggu ini", "",
        "https://lapor.kupang.example/report/4711"]

    page = ticket_page(web, report_id)
    assert "Data tambahan dari aplikasi" in page
    assert "<dt>fixmystreet_id</dt><dd>4711</dd>" in page
    assert '<a href="https://lapor.kupang.example/report/4711" rel="noopener noreferrer">' in page
    assert "Jl. El Tari No. 12, Oebobo" in page and "Fernandez" not in page.split('id="client-data"')[1]
    english = ticket_page(web, report_id, "en")
    assert "Extra data from the client app" in english and "Data tambahan dari aplikasi" not in english


def test_extended_attributes_come_back_only_when_asked_and_the_same_in_json_and_xml(
    fms: FixMyStreet, server: str
) -> None:
    report_id = filed(fms)

    plain = requests.get(f"{server}/open311/v2/requests/{report_id}.json", timeout=10).json()[0]
    assert "extended_attributes" not in plain
    asked = requests.get(f"{server}/open311/v2/requests/{report_id}.json?extensions=true", timeout=10).json()[0]
    assert asked["extended_attributes"][0] == {"code": "severity", "value": "berat", "declared": True}
    assert {a["code"]: a["value"] for a in asked["extended_attributes"][1:]} == {
        k: v for k, v in COBRAND_EXTRAS.items() if v}
    assert all(a["code"] != "last_name" for a in asked["extended_attributes"])
    root = strict_xml(requests.get(f"{server}/open311/v2/requests.xml?extensions=true", timeout=10).content)
    as_xml = [{c.tag: c.text for c in a} for a in root.iter("attribute")]
    assert [{**a, "declared": a["declared"] == "true"} for a in as_xml] == asked["extended_attributes"]
    bad = requests.get(f"{server}/open311/v2/requests.json?extensions=ya", timeout=10)
    assert bad.status_code == 400
    assert bad.json() == [{"code": 400, "description": "extensions: 'ya' is not true or false"}]


def test_a_second_photo_url_is_kept_as_a_link_for_staff(fms: FixMyStreet, app: Tanggap) -> None:
    problem = pothole()
    problem.photo_urls = ["https://lapor.kupang.example/photo/1.jpeg", "https://lapor.kupang.example/photo/2.jpeg"]
    report_id = filed(fms, problem)

    with app.uow() as uow:
        fetches = list(uow.session.scalars(select(OutboxRow.payload).where(OutboxRow.topic == "photo.fetch")))
        links = list(uow.session.scalars(select(ReportAttributeRow.value).where(
            ReportAttributeRow.report_id == report_id, ReportAttributeRow.code == "media_url")))
    assert fetches == [{"url": "https://lapor.kupang.example/photo/1.jpeg"}]
    assert links == ["https://lapor.kupang.example/photo/2.jpeg"]


# --- the updates feed ---------------------------------------------------------------------------


def test_the_feed_gives_assigned_responded_and_closed_in_order_and_fixmystreet_takes_each_once(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, intake: IntakeService, server: str
) -> None:
    report_id = filed(fms)
    clock.advance(timedelta(minutes=10))
    proof = responded(app, intake, report_id)
    clock.advance(timedelta(minutes=30))
    app.handle(c.CloseReport(report_id, "dispatcher"))
    clock.advance(timedelta(minutes=5))

    first = fms.poll(*window(clock))
    again = fms.poll(*window(clock, hours=24))

    assert [(u["status"], u["external_status_code"]) for u in first] == [
        ("IN_PROGRESS", "assigned"), ("FIXED", "responded"), ("CLOSED", "closed")]
    assert {u["service_request_id"] for u in first} == {str(report_id)}
    assert [u["description"] for u in first] == [
        "Laporan diteruskan ke Dinas Pekerjaan Umum dan Penataan Ruang dan sedang ditangani.",
        "Lubang sudah ditambal dengan aspal hotmix.",
        "Laporan selesai: ditutup oleh Command Center."]
    assert again == []  # every update id was kept, so a second, wider poll adds nothing
    assert fms.states[str(report_id)] == "fixed - council"
    photo = requests.get(first[1]["media_url"], timeout=10)
    assert first[1]["media_url"].endswith(f"/media/{proof}")
    assert (photo.status_code, photo.headers["Content-Type"]) == (200, "image/jpeg")
    assert first[0]["media_url"] is None  # an empty element, read as undef


def test_json_and_xml_feeds_carry_the_same_updates_and_ids_stay_the_same(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, intake: IntakeService, server: str
) -> None:
    report_id = filed(fms)
    responded(app, intake, report_id)
    params = {"start_date": "2026-10-05T00:00:00+08:00", "end_date": "2026-10-07T00:00:00+08:00"}

    as_json = requests.get(f"{server}/open311/v2/servicerequestupdates.json", params=params, timeout=10).json()
    root = strict_xml(requests.get(f"{server}/open311/v2/servicerequestupdates.xml", params=params, timeout=10).content)
    as_xml = [{child.tag: child.text or "" for child in update} for update in root.iter("request_update")]
    again = requests.get(f"{server}/open311/v2/servicerequestupdates.json", params=params, timeout=10).json()

    assert root.tag == "service_request_updates"
    assert as_xml == [{k: "" if v is None else v for k, v in u.items()} for u in as_json]
    assert list(as_json[0]) == ["update_id", "service_request_id", "status", "updated_datetime", "description",
                                "media_url", "external_status_code"]
    assert [u["update_id"] for u in again] == [u["update_id"] for u in as_json]
    assert len({u["update_id"] for u in as_json}) == len(as_json) == 2
    assert all(u["updated_datetime"].endswith("+08:00") and "." not in u["updated_datetime"] for u in as_json)


def test_rejections_and_returns_map_to_statuses_fixmystreet_keeps_open_or_closed_as_meant(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock
) -> None:
    spam, duplicate, elsewhere, returned = (filed(fms, pothole(n)) for n in (1, 2, 3, 4))
    app.handle(c.RejectReport(spam, "dispatcher", kind="spam"))
    app.handle(c.RejectReport(duplicate, "dispatcher", kind="duplicate", duplicate_of=spam))
    app.handle(c.RejectReport(elsewhere, "dispatcher", kind="outside_authority"))
    app.handle(c.ClassifyReport(returned, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(returned, "dispatcher"))
    app.handle(c.ReturnReport(returned, "pupr.head", reason="Jalan provinsi"))

    updates = {(u["service_request_id"], u["status"]): u for u in fms.poll(*window(clock))}

    assert updates[(str(spam), "NO_FURTHER_ACTION")]["description"] == "Laporan ditolak: laporan tidak dapat diproses."
    assert updates[(str(duplicate), "DUPLICATE")]["description"] == \
        f"Laporan ditolak: sama dengan laporan lain (#{spam})."
    assert (str(elsewhere), "NOT_COUNCILS_RESPONSIBILITY") in updates
    # A return to the dispatch unit is still open here: not INTERNAL_REFERRAL, which FixMyStreet closes.
    assert updates[(str(returned), "INVESTIGATING")]["external_status_code"] == "classified"
    assert fms.states[str(returned)] == "investigating"
    assert (fms.states[str(spam)], fms.states[str(elsewhere)]) == ("unable to fix", "not responsible")


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(("params", "expected"), [
    ({"start_date": "2026-10-05T00:00:00Z"}, "start_date/end_date: give both, or neither for the last 24 hours"),
    ({"end_date": "2026-10-05T00:00:00Z"}, "start_date/end_date: give both, or neither for the last 24 hours"),
    ({"start_date": "2026-06-01T00:00:00Z", "end_date": "2026-10-05T00:00:00Z"},
     "start_date/end_date: may span at most 90 days"),
    ({"start_date": "kemarin", "end_date": "2026-10-05T00:00:00Z"},
     "start_date: 'kemarin' is not a W3C date and time, e.g. 2026-10-01T00:00:00+08:00"),
    ({"start_date": "2026-10-05T00:00:00Z", "end_date": "2026-10-04T00:00:00Z"}, "end_date: is before start_date"),
], ids=["only start", "only end", "over 90 days", "malformed", "end before start"])  # fmt: skip
def test_bad_dates_are_refused_with_the_specs_error_document(
    server: str, fmt: str, params: dict[str, str], expected: str
) -> None:
    response = requests.get(f"{server}/open311/v2/servicerequestupdates.{fmt}",
                            params={"api_key": "", **params}, timeout=10)

    assert response.status_code == 400
    if fmt == "json":
        assert response.json() == [{"code": 400, "description": expected}]
    else:
        assert simple(strict_xml(response.content)) == {"error": [{"code": "400", "description": expected}]}


def test_the_feed_defaults_to_the_last_24_hours_and_an_empty_api_key_is_fine(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, server: str
) -> None:
    old, recent = filed(fms, pothole(1)), filed(fms, pothole(2))
    app.handle(c.RejectReport(old, "dispatcher", kind="spam"))
    clock.advance(timedelta(hours=25))
    app.handle(c.RejectReport(recent, "dispatcher", kind="spam"))

    listed = requests.get(f"{server}/open311/v2/servicerequestupdates.json?api_key=", timeout=10)

    assert listed.status_code == 200
    assert [u["service_request_id"] for u in listed.json()] == [str(recent)]


# --- citizens' comments posted by FixMyStreet ------------------------------------------------------


def test_a_posted_comment_is_on_the_ticket_timeline_and_never_comes_back_as_the_citys(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, web: Flask
) -> None:
    report_id = filed(fms)
    app.handle(c.ClassifyReport(report_id, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(report_id, "dispatcher", officer="pupr.officer"))
    comment = Comment(901, "Lubangnya makin lebar setelah hujan tadi malam.", "Maria", "maria@example.id", "OPEN",
                      clock.now().astimezone(timezone(timedelta(hours=1))))  # the offset of a UK server

    answered = fms.post_comment(str(report_id), comment)

    assert answered is not None, fms.failures
    assert state(app, report_id) is ReportState.ASSIGNED
    assert events(app, report_id)[-1] == "comment"
    page = ticket_page(web, report_id)
    assert "Komentar warga dari aplikasi" in page
    assert "Lubangnya makin lebar setelah hujan tadi malam." in page.split('class="timeline"')[1]
    assert "<b>Maria</b>" in page  # a one-word name: FixMyStreet's last name "-" is not shown
    assert "<h2>Citizens' comments from the app</h2>" in ticket_page(web, report_id, "en")
    assert all(u["update_id"] != answered for u in fms.fetch_updates(*window(clock)))
    with app.uow() as uow:
        notices = list(uow.session.scalars(select(OutboxRow.payload).where(OutboxRow.topic == "notify.commented")))
    assert notices == [{"seq": 4, "notice": None, "reopened": False, "text": comment.text}]


@pytest.mark.parametrize("status", ["REOPEN", "OPEN"])
def test_a_dispute_within_the_window_reopens_and_fixmystreet_skips_the_reopen_it_caused(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, intake: IntakeService, web: Flask, status: str
) -> None:
    report_id = filed(fms)
    responded(app, intake, report_id)
    fms.poll(*window(clock))
    clock.advance(timedelta(days=6))
    comment = Comment(902, "Belum diperbaiki, lubangnya masih ada.", "Maria Fernandez", "maria@example.id", status,
                      clock.now())

    answered = fms.post_comment(str(report_id), comment)
    polled = fms.poll(*window(clock))

    assert state(app, report_id) is ReportState.ASSIGNED
    assert events(app, report_id)[-2:] == ["reopen", "comment"]
    with app.reader() as s:
        reopen = s.execute(select(EventRow.id, EventRow.data, EventRow.actor_role).where(
            EventRow.report_id == report_id, EventRow.trigger == "reopen")).one_or_none()
    assert reopen is not None and answered == str(reopen.id)
    assert reopen.data == {"reason": comment.text} and reopen.actor_role == "citizen"
    feed = fms.fetch_updates(*window(clock))
    assert [(u["update_id"], u["status"]) for u in feed] == [(answered, "OPEN")]
    assert polled == []  # the reopen is the citizen's own comment: not shown again as the city's
    assert "Sanggahan ini membuka kembali laporan." in ticket_page(web, report_id)


def test_a_dispute_after_the_window_stays_a_comment_with_a_notice_for_the_opd(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, intake: IntakeService, web: Flask
) -> None:
    report_id = filed(fms)
    responded(app, intake, report_id)
    clock.advance(timedelta(days=8))
    comment = Comment(903, "Masih berlubang!", "Maria Fernandez", "maria@example.id", "OPEN", clock.now())

    answered = fms.post_comment(str(report_id), comment)

    assert answered is not None, fms.failures
    assert state(app, report_id) is ReportState.RESPONDED
    assert events(app, report_id)[-1] == "comment"
    page = ticket_page(web, report_id)
    assert "batas waktu untuk membuka kembali laporan sudah lewat" in page and "Masih berlubang!" in page
    assert "the time for reopening the report has passed" in ticket_page(web, report_id, "en")
    with app.uow() as uow:
        notice = uow.session.scalar(select(OutboxRow.payload).where(OutboxRow.topic == "notify.commented"))
    assert notice is not None and notice["notice"] == "dispute_after_window"


def test_a_repeated_update_id_is_answered_the_same_and_records_nothing_new(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock, server: str, api_key: str
) -> None:
    report_id = filed(fms)
    form = {"api_key": api_key, "service_request_id": str(report_id), "update_id": "77",
            "updated_datetime": "2026-10-06T09:00:00+08:00", "status": "OPEN", "description": "Tolong cepat."}
    url = f"{server}/open311/v2/servicerequestupdates.json"

    first = requests.post(url, data=form, timeout=10)
    retry = requests.post(url, data={**form, "description": "Tolong cepat!"}, timeout=10)
    other_report = requests.post(url, data={**form, "service_request_id": str(filed(fms, pothole(2)))}, timeout=10)

    assert (first.status_code, retry.status_code, other_report.status_code) == (201, 200, 201)
    assert first.json() == retry.json() and other_report.json() != first.json()
    assert events(app, report_id).count("comment") == 1
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ClientUpdateRow)) == 2


def test_concurrent_retries_of_one_comment_record_it_once(
    fms: FixMyStreet, app: Tanggap, server: str, api_key: str
) -> None:
    report_id = filed(fms)
    form = {"api_key": api_key, "service_request_id": str(report_id), "update_id": "88",
            "updated_datetime": "2026-10-06T09:00:00Z", "status": "OPEN", "description": "Kapan diperbaiki?"}

    with ThreadPoolExecutor(max_workers=8) as pool:
        answers = list(pool.map(lambda _: requests.post(f"{server}/open311/v2/servicerequestupdates.xml",
                                                        data=form, timeout=60), range(8)))

    assert [a.status_code for a in answers].count(201) == 1, [a.text for a in answers]
    assert {a.status_code for a in answers} == {200, 201}
    ids = {simple(strict_xml(a.content))["request_update"][0]["update_id"] for a in answers}
    assert len(ids) == 1
    assert events(app, report_id).count("comment") == 1


def test_update_answers_in_json_and_xml_carry_the_same_id(server: str, api_key: str, fms: FixMyStreet) -> None:
    report_id = filed(fms)
    form = {"api_key": api_key, "service_request_id": str(report_id), "update_id": "5",
            "updated_datetime": "2026-10-06T09:00:00", "status": "CLOSED", "description": "Terima kasih."}

    as_xml = requests.post(f"{server}/open311/v2/servicerequestupdates.xml", data=form, timeout=10)
    as_json = requests.post(f"{server}/open311/v2/servicerequestupdates.json", data=form, timeout=10)

    assert as_xml.headers["Content-Type"].startswith("text/xml")
    root = strict_xml(as_xml.content)
    assert root.tag == "service_request_updates"
    assert [{c.tag: c.text for c in u} for u in root.iter("request_update")] == as_json.json()


@pytest.mark.parametrize(("change", "status", "expected"), [
    ({"api_key": "salah"}, 403, "api_key is not valid -- can't proceed with post_service_request_update."),
    ({"service_request_id": "999999"}, 404, "service request '999999' does not exist"),
    ({"update_id": ""}, 400, "update_id: is required: the app's own id for this update"),
    ({"updated_datetime": "besok pagi"}, 400, "updated_datetime: 'besok pagi' is not a W3C date and time"),
    ({"description": ""}, 400, "description: is required: the citizen's comment (or send a media_url)"),
    ({"description": "x" * 4001}, 400, "description: is 4001 characters; the limit is 4000"),
], ids=["bad key", "unknown request", "no update id", "bad datetime", "no text", "too long"])  # fmt: skip
def test_a_bad_update_is_refused_with_a_clear_error_and_records_nothing(
    fms: FixMyStreet, app: Tanggap, change: dict[str, str], status: int, expected: str
) -> None:
    report_id = filed(fms)
    before = events(app, report_id)
    form: dict[str, Any] = {"service_request_id": str(report_id), "update_id": "9",
                            "updated_datetime": "2026-10-06T09:00:00+08:00", "status": "OPEN", "description": "Halo"}

    response = fms.session.post(fms.url("servicerequestupdates.xml"),
                                data={"api_key": fms.api_key, **form, **change}, timeout=10)

    assert response.status_code == status
    [error] = simple(strict_xml(response.content))["error"]
    assert error["code"] == str(status) and error["description"].startswith(expected), error
    assert events(app, report_id) == before


def test_an_unknown_status_is_a_plain_comment_not_an_error(fms: FixMyStreet, app: Tanggap, clock: FrozenClock) -> None:
    report_id = filed(fms)
    comment = Comment(904, "Foto tambahan menyusul.", "Maria Fernandez", "maria@example.id", "FOR_TRIAGE", clock.now())

    assert fms.post_comment(str(report_id), comment) is not None, fms.failures
    assert events(app, report_id)[-1] == "comment"
    assert state(app, report_id) is ReportState.SUBMITTED


# --- service discovery --------------------------------------------------------------------------


def test_discovery_names_the_endpoint_with_both_specifications_in_json_and_xml(server: str) -> None:
    as_json = requests.get(f"{server}/open311/v2/discovery.json", timeout=10).json()
    as_xml = simple(strict_xml(requests.get(f"{server}/open311/v2/discovery.xml", timeout=10).content))

    specs = [e["specification"] for e in as_json["endpoints"]]
    assert specs == ["http://wiki.open311.org/GeoReport_v2",
                     "https://github.com/mysociety/fixmystreet/wiki/Open311-FMS---Complete-Spec"]
    assert {e["url"] for e in as_json["endpoints"]} == {f"{server}/open311/v2"}
    assert as_json["endpoints"][0]["formats"] == ["text/xml", "application/json"]
    endpoint_xml = as_xml["endpoints"]["endpoint"]
    assert [e["specification"] for e in endpoint_xml] == specs
    assert endpoint_xml[0]["formats"]["format"] == ["text/xml", "application/json"]
    assert as_xml["changeset"] == as_json["changeset"] == "2026-11-29T00:00:00+08:00"


def test_a_report_fixmystreet_sends_again_after_losing_the_answer_is_filed_once(
    fms: FixMyStreet, app: Tanggap, clock: FrozenClock
) -> None:
    first = filed(fms)
    clock.advance(timedelta(hours=1))  # its next send-reports run, long after any device window
    again = filed(fms)
    other = filed(fms, pothole(4712))

    assert again == first and other != first
    with app.uow() as uow:
        assert uow.session.scalar(select(func.count()).select_from(ReportRow)) == 2


def test_a_comments_photo_links_are_kept_for_the_opd(fms: FixMyStreet, app: Tanggap, web: Flask) -> None:
    report_id = filed(fms)
    form = {"api_key": fms.api_key, "service_request_id": str(report_id), "update_id": "31",
            "updated_datetime": "2026-10-06T09:00:00+08:00", "status": "OPEN", "description": "",
            "media_url": ["https://lapor.kupang.example/photo/31.jpeg", "https://lapor.kupang.example/photo/32.jpeg"]}

    response = requests.post(fms.url("servicerequestupdates.json"), data=form, timeout=10)

    assert response.status_code == 201, response.text
    page = ticket_page(web, report_id)
    assert '<a href="https://lapor.kupang.example/photo/32.jpeg" rel="noopener noreferrer">Foto dari aplikasi 2</a>' \
        in page
