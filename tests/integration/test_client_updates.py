"""Service request updates on a real database: the feed's window in whole seconds, its order and
ids, and citizens' comments from apps (disputes, notices for the OPD, what the OPD is told)."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select

from states.model import ReportState, replay
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import EventRow, InboxRow
from tanggap.infrastructure.storage import FakePhotoStorage
from tanggap.intake import (
    IntakeService,
    InvalidRequest,
    IssueApiKey,
    PostServiceRequestUpdate,
    UpdateQuery,
    catalogue_changeset,
    find_updates,
    update_feed,
)
from tanggap.staff import handlers as staff
from tests.conftest import T0


@pytest.fixture
def intake(app: Tanggap) -> IntakeService:
    return IntakeService(dataclasses.replace(app, photos=FakePhotoStorage()))


@pytest.fixture
def key(intake: IntakeService) -> str:
    issued: str = intake.tanggap.handle(IssueApiKey(f"fms-{uuid.uuid4().hex[:8]}"))
    return issued


def report(app: Tanggap, text: str = "Lampu jalan mati di Jl. Sudirman") -> int:
    rid: int = app.handle(c.SubmitReport(text, lat=-10.17, lon=123.6))
    return rid


def answered(app: Tanggap) -> int:
    rid = report(app)
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    app.handle(c.RespondReport(rid, "pupr.officer", response="Lampu sudah diganti."))
    return rid


def comment(key: str, rid: int, status: str, text: str = "Belum diperbaiki.",
            update_id: str = "1") -> PostServiceRequestUpdate:
    return PostServiceRequestUpdate(key, str(rid), update_id, "2026-10-06T09:00:00+08:00", status, text,
                                    {"first_name": "Yohana", "last_name": "-"})


def state_and_last_event(app: Tanggap, rid: int) -> tuple[ReportState, str, dict[str, object]]:
    with app.uow() as uow:
        events = uow.reports.events(rid)
        return uow.reports.get(rid).state, events[-1].trigger, events[-1].data


# --- the feed -----------------------------------------------------------------------------------


def test_the_window_applies_to_the_timestamp_as_written_in_whole_seconds(app: Tanggap, clock: FrozenClock) -> None:
    rid = report(app)
    clock.advance(timedelta(milliseconds=700))  # the rejection happens at 09:00:00.700 WITA
    app.handle(c.RejectReport(rid, "dispatcher", kind="spam"))

    written = find_updates(app.reader(), UpdateQuery(T0 - timedelta(hours=1), T0))
    after = find_updates(app.reader(), UpdateQuery(T0 + timedelta(seconds=1), T0 + timedelta(hours=1)))
    half = find_updates(app.reader(), UpdateQuery(T0 + timedelta(milliseconds=500), T0 + timedelta(hours=1)))

    # Written as 09:00:00, so a window ending at 09:00:00 has it and one starting a second later
    # does not, as FixMyStreet compares; a start inside that second excludes what is written before it.
    assert [u.updated_datetime for u in written] == ["2026-10-06T09:00:00+08:00"]
    assert after == [] and half == []


def test_updates_come_oldest_first_across_reports_with_their_event_ids(app: Tanggap, clock: FrozenClock) -> None:
    first, second = report(app), report(app, "Sampah di selokan Oebobo")
    app.handle(c.RejectReport(second, "dispatcher", kind="spam"))
    clock.advance(timedelta(minutes=1))
    app.handle(c.ClassifyReport(first, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(first, "dispatcher"))

    updates = find_updates(app.reader(), UpdateQuery(T0 - timedelta(hours=1), T0 + timedelta(hours=1)))

    with app.uow() as uow:
        ids = {trigger: event_id for trigger, event_id in uow.session.execute(
            select(EventRow.trigger, EventRow.id).where(EventRow.trigger.in_(["reject", "assign"])))}
    assert [(u.service_request_id, u.status, u.update_id) for u in updates] == [
        (str(second), "NO_FURTHER_ACTION", str(ids["reject"])), (str(first), "IN_PROGRESS", str(ids["assign"]))]


def test_a_window_holding_too_many_updates_is_refused_rather_than_cut(
    app: Tanggap, monkeypatch: pytest.MonkeyPatch
) -> None:
    for n in range(3):
        app.handle(c.RejectReport(report(app, f"Laporan {n}"), "dispatcher", kind="spam"))
    monkeypatch.setattr(update_feed, "MAX_UPDATES", 2)

    with pytest.raises(InvalidRequest, match="hold more than 2 updates; ask for a shorter window"):
        find_updates(app.reader(), UpdateQuery(T0 - timedelta(hours=1), T0 + timedelta(hours=1)))


# --- comments and disputes ------------------------------------------------------------------------


def test_closed_from_the_app_does_not_close_the_report(app: Tanggap, intake: IntakeService, key: str) -> None:
    rid = answered(app)

    intake.post_update(comment(key, rid, "CLOSED", "Terima kasih, sudah menyala."))

    assert state_and_last_event(app, rid)[:2] == (ReportState.RESPONDED, "comment")


def test_a_dispute_of_a_rejected_report_is_a_comment_the_dispatch_unit_is_told_about(
    app: Tanggap, intake: IntakeService, key: str
) -> None:
    rid = report(app)
    app.handle(c.RejectReport(rid, "dispatcher", kind="outside_authority"))

    intake.post_update(comment(key, rid, "OPEN", "Ini jalan kota, bukan provinsi."))
    app.handle(c.FanOutNotifications())

    now, trigger, data = state_and_last_event(app, rid)
    assert (now, trigger, data["notice"], data["author"]) == (ReportState.REJECTED, "comment",
                                                             "dispute_on_rejected", "Yohana")
    with app.uow() as uow:
        inbox = [(r.recipient, r.title, r.body) for r in uow.session.scalars(select(InboxRow))]
    assert inbox == [("dispatcher", f"Sanggahan warga pada laporan #{rid}: laporan tidak dapat dibuka kembali",
                      "Ini jalan kota, bukan provinsi.")]


def test_a_comment_tells_the_officer_and_the_opd_heads(app: Tanggap, intake: IntakeService, key: str) -> None:
    rid = answered(app)
    app.handle(c.FanOutNotifications())  # the response's own notice to the citizen

    intake.post_update(comment(key, rid, "CLOSED", "Lampunya menyala lagi."))
    app.handle(c.FanOutNotifications())

    with app.uow() as uow:
        told = sorted((r.recipient, r.title) for r in uow.session.scalars(
            select(InboxRow).where(InboxRow.kind == "notify.commented")))
    assert told == [("pupr.head", f"Komentar warga pada laporan #{rid}"),
                    ("pupr.officer", f"Komentar warga pada laporan #{rid}")]


def test_the_reopen_window_is_the_lifecycles_to_the_minute(
    app: Tanggap, intake: IntakeService, key: str, clock: FrozenClock
) -> None:
    on_time, late = answered(app), answered(app)
    clock.advance(timedelta(days=7))
    intake.post_update(comment(key, on_time, "REOPEN"))
    clock.advance(timedelta(minutes=1))
    intake.post_update(comment(key, late, "REOPEN"))

    assert state_and_last_event(app, on_time)[:2] == (ReportState.ASSIGNED, "comment")
    assert state_and_last_event(app, on_time)[2]["reopened"] is True
    assert state_and_last_event(app, late)[:2] == (ReportState.RESPONDED, "comment")
    assert state_and_last_event(app, late)[2]["notice"] == "dispute_after_window"


def test_comments_replay_into_the_report_as_stored(app: Tanggap, intake: IntakeService, key: str) -> None:
    rid = answered(app)
    intake.post_update(comment(key, rid, "OPEN", "Masih gelap.", "1"))
    intake.post_update(comment(key, rid, "CLOSED", "Sudah menyala.", "2"))

    with app.uow() as uow:
        stored, events = uow.reports.get(rid), uow.reports.events(rid)
    rebuilt = replay(rid, events)
    assert [e.trigger for e in events][-4:] == ["respond", "reopen", "comment", "comment"]
    assert (rebuilt.state, rebuilt.version, rebuilt.updated_at) == (stored.state, stored.version, stored.updated_at)


def test_the_discovery_changeset_moves_when_a_supervisor_changes_routing(app: Tanggap, clock: FrozenClock) -> None:
    assert catalogue_changeset(app.reader()) == "2026-11-29T00:00:00+08:00"  # the definitions in code
    clock.advance(timedelta(days=57))  # 2026-12-02 09:00 WITA
    app.handle(staff.SetRouting("supervisor", "sampah-menumpuk", "PUPR", note="sementara"))

    assert catalogue_changeset(app.reader()) == "2026-12-02T09:00:00+08:00"
