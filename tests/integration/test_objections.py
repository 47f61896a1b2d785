"""Objections (keberatan) to breaches, supervisors' decisions, and closing a payroll month, on a real
database (SQLite, and PostgreSQL when it is available).

The office calendar is Mon-Thu 08:00-16:00, Fri 08:00-11:30 and 13:00-16:30 WITA. A PUPR ticket
assigned on Tuesday 6 October 2026 at 09:00 WITA is due for its response on Wednesday 7 October at
09:00; its objection window (5 working days) ends at the close of Wednesday 14 October, 16:00.
"""

from __future__ import annotations

import io
import json
import threading
import time
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from PIL import Image
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from states.errors import InvalidInput, PermissionDenied
from tanggap import commands as c
from tanggap.appeals.commands import CloseMonth, DecideObjection, EvidenceFile, FileObjection
from tanggap.appeals.errors import MonthNotClosable, NotYourBreach, ObjectionWindowClosed
from tanggap.appeals.months import month_files, stored_files
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.db import BreachRow, InboxRow, ObjectionEvidenceRow, ObjectionRow, WaiverRow
from tanggap.enforcement.closed_months import MonthClosed
from tanggap.payroll.service import allowance, allowance_json, verify_ledger
from workflows import deps
from workflows.flows import write_month_exports

WITA = ZoneInfo("Asia/Makassar")
RESPONSE_DUE = datetime(2026, 10, 7, 9, 0, tzinfo=WITA)
WINDOW_ENDS = datetime(2026, 10, 14, 16, 0, tzinfo=WITA)
NOVEMBER = datetime(2026, 11, 2, 9, 0, tzinfo=WITA)


def breach_of(app: Tanggap, officer: str = "pupr.officer") -> int:
    """A PUPR ticket held by `officer`, left unanswered past its response deadline: one breach."""
    rid: int = app.handle(c.SubmitReport("Jalan berlubang depan SD Inpres", "jalan-rusak", -10.16, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer=officer))
    app.sweep(now=RESPONSE_DUE + timedelta(hours=1))
    with app.uow() as uow:
        return int(uow.session.scalar(select(BreachRow.id).where(BreachRow.report_id == rid,
                                                                 BreachRow.metric == "response")) or 0)


def move_to(clock: FrozenClock, at: datetime) -> None:
    clock.at = at.astimezone(clock.at.tzinfo)


def photo() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 90, 40)).save(out, "JPEG")
    return out.getvalue()


def cut_of(app: Tanggap, officer: str) -> float:
    cuts = {cut.who: cut.cut_percent for cut in allowance(app.uow(), "2026-10").officers}
    return cuts.get(officer, 0.0)  # no unwaived breach and nothing met: no line, no cut


def inbox(app: Tanggap, recipient: str) -> list[str]:
    app.handle(c.FanOutNotifications())
    with app.uow() as uow:
        return list(uow.session.scalars(select(InboxRow.title).where(InboxRow.recipient == recipient)))


def test_an_accepted_objection_waives_the_breach_and_lowers_that_months_cut(app: Tanggap, clock: FrozenClock) -> None:
    breach = breach_of(app)
    move_to(clock, RESPONSE_DUE + timedelta(days=1))
    assert cut_of(app, "pupr.officer") == 2.5
    objection = app.handle(FileObjection(breach, "pupr.officer", "citizen_unreachable",
                                         "Nomor warga tidak aktif, tiga kali ditelepon",
                                         (EvidenceFile("telepon.jpg", photo()),)))
    assert any(f"Keberatan #{objection}" in t for t in inbox(app, "supervisor"))
    app.handle(DecideObjection(objection, "supervisor", True, "Bukti panggilan cukup"))

    assert cut_of(app, "pupr.officer") == 0
    with app.uow() as uow:
        waiver = uow.session.scalar(select(WaiverRow).where(WaiverRow.breach_id == breach))
        evidence = uow.session.scalar(select(ObjectionEvidenceRow))
        assert waiver is not None and waiver.reason == f"Keberatan #{objection} diterima: Bukti panggilan cukup"
        assert evidence is not None and evidence.content_type == "image/jpeg"
    assert any("diterima" in t for t in inbox(app, "pupr.officer"))
    [mine] = [a for a in allowance(app.uow(), "2026-10", clock.now()).appeals if a.who == "pupr.officer"]
    assert (mine.waived, mine.open, mine.under_objection, mine.final) == ((breach,), (), (), ())
    verdict = verify_ledger(app.reader())
    assert verdict.intact and verdict.checked == 4  # breach, objection, waiver, decision


def test_a_refused_objection_leaves_the_cut_and_the_breach_becomes_final(app: Tanggap, clock: FrozenClock) -> None:
    breach = breach_of(app)
    objection = app.handle(FileObjection(breach, "pupr.officer", "system_outage", "Aplikasi tidak bisa dibuka"))
    with pytest.raises(InvalidInput, match="reason"):
        app.handle(DecideObjection(objection, "supervisor", False, "  "))
    with pytest.raises(PermissionDenied):
        app.handle(DecideObjection(objection, "hr", False, "bukan wewenang HR"))
    app.handle(DecideObjection(objection, "supervisor", False, "Tidak ada gangguan tercatat hari itu"))
    with pytest.raises(InvalidInput, match="already refused by supervisor"):
        app.handle(DecideObjection(objection, "supervisor", True, "berubah pikiran"))

    assert cut_of(app, "pupr.officer") == 2.5
    assert any("ditolak" in t for t in inbox(app, "pupr.officer"))
    move_to(clock, WINDOW_ENDS + timedelta(minutes=1))
    [mine] = [a for a in allowance(app.uow(), "2026-10", clock.now()).appeals if a.who == "pupr.officer"]
    assert mine.final == (breach,) and mine.waived == ()
    assert verify_ledger(app.reader()).intact


def test_filing_after_the_window_is_refused_naming_when_it_ended(app: Tanggap, clock: FrozenClock) -> None:
    breach, late = breach_of(app), breach_of(app, "pupr.officer2")
    move_to(clock, WINDOW_ENDS)  # the window's last minute still counts
    app.handle(FileObjection(breach, "pupr.officer", "other", "Masih tepat waktu"))
    move_to(clock, WINDOW_ENDS + timedelta(minutes=1))
    with pytest.raises(ObjectionWindowClosed) as refused:
        app.handle(FileObjection(late, "pupr.officer2", "other", "Terlambat sedikit"))
    assert str(refused.value) == (f"breach_id: the objection window for breach #{late} ended on "
                                  "Wednesday, 14-10-2026 16:00 WITA")
    with app.uow() as uow:
        assert uow.session.scalar(select(ObjectionRow.id).where(ObjectionRow.breach_id == late)) is None


def test_an_officer_cannot_object_to_another_officers_breach_but_their_head_can(app: Tanggap) -> None:
    breach = breach_of(app)
    with pytest.raises(NotYourBreach, match=f"breach #{breach}: it is pupr.officer's"):
        app.handle(FileObjection(breach, "pupr.officer2", "wrong_holder", "Bukan tiket saya"))
    with pytest.raises(PermissionDenied):
        app.handle(FileObjection(breach, "dlhk.head", "not_our_report", "Bukan OPD kami"))
    objection = app.handle(FileObjection(breach, "pupr.head", "holiday_missing", "Libur daerah belum tercatat"))
    with pytest.raises(InvalidInput, match=f"already has objection #{objection} waiting"):
        app.handle(FileObjection(breach, "pupr.officer", "other", "Sekali lagi"))
    with app.uow() as uow:
        row = uow.session.get(ObjectionRow, objection)
        assert row is not None and (row.officer, row.filed_by) == ("pupr.officer", "pupr.head")


def test_bad_reasons_and_files_are_refused_naming_the_field(app: Tanggap) -> None:
    breach = breach_of(app)
    with pytest.raises(InvalidInput, match="reason: 'mood' is not one of"):
        app.handle(FileObjection(breach, "pupr.officer", "mood", "x"))
    with pytest.raises(InvalidInput, match="text: write what happened"):
        app.handle(FileObjection(breach, "pupr.officer", "other", "   "))
    with pytest.raises(InvalidInput, match=r"evidence: catatan\.txt is neither a photo"):
        app.handle(FileObjection(breach, "pupr.officer", "other", "Lihat lampiran",
                                 (EvidenceFile("catatan.txt", b"bukan foto"),)))
    pdf = b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
    objection = app.handle(FileObjection(breach, "pupr.officer", "other", "Surat pemadaman PLN",
                                         (EvidenceFile("surat-pln.pdf", pdf),)))
    with app.uow() as uow:
        row = uow.session.get(ObjectionRow, objection)
        assert row is not None and row.evidence[0]["content_type"] == "application/pdf"


def test_a_month_cannot_close_while_an_objection_waits_or_a_window_runs(app: Tanggap, clock: FrozenClock) -> None:
    pending = breach_of(app)
    objection = app.handle(FileObjection(pending, "pupr.officer", "other", "Warga salah alamat"))
    move_to(clock, NOVEMBER)
    with pytest.raises(MonthNotClosable) as refused:
        app.handle(CloseMonth("2026-10", "hr"))
    assert f"under objection: breach #{pending} (objection #{objection})" in str(refused.value)
    with pytest.raises(PermissionDenied):
        app.handle(CloseMonth("2026-10", "pupr.head"))

    app.handle(DecideObjection(objection, "supervisor", False, "Alamat jelas di peta"))
    app.handle(CloseMonth("2026-10", "hr"))
    with pytest.raises(MonthClosed, match="2026-10 was closed by hr"):
        app.handle(CloseMonth("2026-10", "hr"))


def test_a_month_whose_window_is_still_open_names_the_breach_and_the_end(app: Tanggap, clock: FrozenClock) -> None:
    move_to(clock, datetime(2026, 10, 29, 9, 0, tzinfo=WITA))
    rid: int = app.handle(c.SubmitReport("Jalan amblas", "jalan-rusak", -10.16, 123.6))
    app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
    app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    app.sweep(now=datetime(2026, 10, 31, 12, 0, tzinfo=WITA))  # due Fri 30 Oct 09:00
    move_to(clock, NOVEMBER)
    with pytest.raises(MonthNotClosable, match=r"still open for breach #\d+ until Friday, 06-11-2026 16:30 WITA"):
        app.handle(CloseMonth("2026-10", "hr"))
    with pytest.raises(MonthNotClosable, match="the month has not ended"):
        app.handle(CloseMonth("2026-11", "hr"))


def test_a_closed_months_allowance_is_final_and_reproducible_byte_for_byte(
    app: Tanggap, clock: FrozenClock, tmp_path: Path, pipeline: deps.Dependencies
) -> None:
    waived, kept = breach_of(app), breach_of(app, "pupr.officer2")
    objection = app.handle(FileObjection(waived, "pupr.officer", "system_outage", "Server mati"))
    app.handle(DecideObjection(objection, "supervisor", True, "Gangguan tercatat"))
    move_to(clock, NOVEMBER)
    before = allowance_json(allowance(app.uow(), "2026-10", clock.now()))
    closed = app.handle(CloseMonth("2026-10", "hr", tmp_path / "exports"))

    with app.uow() as uow:
        files = stored_files(uow, "2026-10")
    assert files["allowance.json"] == before
    assert (tmp_path / "exports" / "2026-10" / "allowance.json").read_bytes() == before
    assert set(closed.files) == {"allowance.json", "pelanggaran-sla-2026-10.csv", "pelanggaran-sla-2026-10.xlsx"}
    figures = json.loads(before)
    assert [a["final"] for a in figures["appeals"] if a["who"] == "pupr.officer2"] == [[kept]]
    move_to(clock, NOVEMBER + timedelta(days=40))
    assert allowance_json(allowance(app.uow(), "2026-10", clock.now())) == before  # recomputed: same bytes
    time.sleep(1.1)  # a workbook stamped with the wall-clock second it was saved would differ by now
    with app.uow() as uow:
        assert month_files(uow, "2026-10", clock.now(), 5) == files  # the CSV and workbook too
    assert load_workbook(io.BytesIO(files["pelanggaran-sla-2026-10.xlsx"])).active["A2"].value in (waived, kept)
    with pytest.raises(MonthClosed):
        app.handle(c.WaiveBreach(kept, "supervisor", "terlambat dibebaskan"))
    exported = app.settings.data_dir / "exports" / "2026-10" / "allowance.json"
    exported.write_bytes(b"{}")
    assert write_month_exports.fn("2026-10")["closed"] is True  # the month-end flow rewrites the kept bytes
    assert exported.read_bytes() == before
    assert verify_ledger(app.reader()).intact


def test_the_database_refuses_to_rewrite_an_objection(app: Tanggap) -> None:
    objection = app.handle(FileObjection(breach_of(app), "pupr.officer", "other", "Alasan asli"))
    for statement in ("UPDATE objections SET text = 'Alasan palsu' WHERE id = :id",
                      "DELETE FROM objections WHERE id = :id"):
        with pytest.raises(DBAPIError, match="append-only"), app.engine.begin() as conn:
            conn.execute(text(statement), {"id": objection})
    with app.uow() as uow:
        row = uow.session.get(ObjectionRow, objection)
        assert row is not None and row.text == "Alasan asli"


@pytest.mark.postgres
def test_two_objections_filed_at_once_on_postgres_leave_one_waiting(pg_app: Tanggap) -> None:
    for breach in [breach_of(pg_app) for _ in range(4)]:  # a race lost by luck once is not enough
        outcomes: list[object] = []

        def file(actor: str, breach: int = breach, outcomes: list[object] = outcomes) -> None:
            try:
                outcomes.append(pg_app.handle(FileObjection(breach, actor, "other", f"diajukan oleh {actor}")))
            except InvalidInput as err:
                outcomes.append(err)

        threads = [threading.Thread(target=file, args=(actor,)) for actor in ("pupr.officer", "pupr.head")]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert sorted(type(o).__name__ for o in outcomes) == ["ObjectionPending", "int"]
        with pg_app.uow() as uow:
            assert len(list(uow.session.scalars(select(ObjectionRow).where(ObjectionRow.breach_id == breach)))) == 1
