"""The Kota Kupang demo data as the pages' scan and screenshots read it: the demo seed (fewer
reports), the test personas, and what the seed does not make on its own: a photo tagged by the
real ONNX tagger, a citizen's rating, a waiver, an edited rule, a calendar change, an API token and
an Open311 key."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from cv.tagger import OnnxTagger
from tanggap import commands as c
from tanggap import intake as i
from tanggap.appeals.commands import DecideObjection, EvidenceFile, FileObjection
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.config import PipelineSettings
from tanggap.db import BreachRow, ReportRow
from tanggap.demo.seed import OFFICE_HOURS, seed_demo
from tanggap.infrastructure.storage import LocalPhotoStorage
from tanggap.intake import IntakeService
from tanggap.migrate import upgrade
from tanggap.staff import handlers as staff
from tests.conftest import PERSONAS, T0, make_app
from workflows import deps
from workflows.flows import claim_submitted, load_photos, route, tag

PHOTO = Path(__file__).resolve().parent / "fixtures" / "photos" / "chelsea.jpg"
DEMO_REPORTS = 120


@dataclass(frozen=True)
class DemoTickets:
    """Reports of the demo data in the states the pages show differently."""

    pupr: dict[str, int]  # state -> one PUPR report in that state
    dlhk: dict[str, int]
    unrouted: dict[str, int]  # no OPD yet, or never: submitted, classified, rejected
    mine: dict[str, int]  # the personas' own tickets: "pupr-late", "pupr-due-soon", "dlhk-long-word"
    photo: int  # tagged by the real tagger, rated by its citizen
    breach: int


def build_demo(folder: Path) -> Path:
    """Migrate and fill a SQLite file in `folder` (photos under it too); returns the file."""
    app = make_app(f"sqlite:///{folder / 'demo.db'}", folder, now=T0)
    upgrade(app.engine)
    seed_demo(app, reports=0, echo=lambda *_: None)
    for persona in PERSONAS:
        app.handle(persona)
    photos = LocalPhotoStorage(folder / "photos")
    _photo_report(app, photos)
    seed_demo(app, reports=DEMO_REPORTS, echo=lambda *_: None)
    _extras(app)
    _personas_tickets(app)
    _objections(app)
    app.engine.dispose()
    return folder / "demo.db"


def _photo_report(app: Tanggap, photos: LocalPhotoStorage) -> None:
    """A citizen's photo through the real pipeline (ONNX hints), answered and rated by the citizen."""
    intake = IntakeService(dataclasses.replace(app, photos=photos))
    sent = intake.submit(i.SubmitServiceRequest(
        "jalan-rusak", "Lubang besar di depan SMP Negeri 2, motor sering jatuh", lat="-10.1587", long="123.5918",
        photo=PHOTO.read_bytes(), source=i.Source.WEB))
    deps.use(deps.Dependencies(dataclasses.replace(app, photos=photos), PipelineSettings(), OnnxTagger(), None))
    try:
        claims = claim_submitted.fn(16)
        route.fn(claims, tag.fn(load_photos.fn(claims)))
    finally:
        deps.use(None)  # type: ignore[arg-type]
    app.handle(c.ReassignReport(sent.report_id, "pupr.officer", officer="pupr.officer"))
    app.handle(c.RespondReport(sent.report_id, "pupr.officer", response="Lubang sudah ditambal dengan aspal."))
    intake.tanggap.handle(i.RateResponse(sent.report_id, sent.token, stars=4, comment="Cepat, terima kasih."))


def _extras(app: Tanggap) -> None:
    with app.uow() as uow:
        breach = uow.session.scalar(select(BreachRow.id).order_by(BreachRow.id))
    assert breach is not None
    app.handle(c.WaiveBreach(breach, "supervisor", "Listrik padam se-kota"))
    app.handle(c.DefineRule("supervisor", "response", 4, "working_days", "jam-kantor", rule_id=2,
                            note="tindak lanjut lebih cepat", effective_from=T0 - timedelta(days=1)))
    app.handle(c.DefineCalendar("jam-kantor", {**OFFICE_HOURS, "extra_holidays": ["2026-12-24"]}, "supervisor",
                                "Malam Natal: libur tambahan"))
    app.handle(staff.IssueApiToken("admin", "SIMPEG penggajian"))
    app.handle(staff.IssueClientKey("admin", "aplikasi-lapor-kupang"))


def _objections(app: Tanggap) -> None:
    """Two objections by DLHK's head to the OPD's latest breaches, each filed the hour after the
    breach: one with a photo, accepted by the supervisor; one still waiting."""
    with app.reader() as s:
        latest = list(s.execute(select(BreachRow.id, BreachRow.due_at).where(
            BreachRow.opd == "DLHK", BreachRow.metric.in_(("response", "resolution")))
            .order_by(BreachRow.id.desc()).limit(2)))
    assert len(latest) == 2, "the demo needs two DLHK breaches"
    for (breach_id, due_at), accepted in zip(latest, (True, False), strict=True):
        at = dataclasses.replace(app, clock=FrozenClock(due_at + timedelta(hours=1)))
        evidence = (EvidenceFile("lokasi.jpg", PHOTO.read_bytes()),) if accepted else ()
        objection = at.handle(FileObjection(breach_id, "dlhk.head", "citizen_unreachable" if accepted else "other",
                                            "Warga tidak menjawab telepon tiga kali", evidence))
        if accepted:
            later = dataclasses.replace(app, clock=FrozenClock(due_at + timedelta(hours=2)))
            later.handle(DecideObjection(objection, "supervisor", True, "Bukti panggilan cukup"))


# A citizen who typed one 300-character "word": it must wrap, not widen the page.
LONG_WORD = "Sampah" + "menumpuk" * 36 + " di depan Pasar Oeba, baunya sampai ke rumah warga."


def _personas_tickets(app: Tanggap) -> None:
    """Tickets the test officers hold: one long past its deadline, one close to it, one whose
    description is a single 300-character word."""
    for officer, category, description, hours_ago in (
        ("pupr.officer", "jalan-rusak", "Jalan berlubang di depan SD Inpres Oepura, dua motor jatuh", 24 * 9),
        ("pupr.officer", "trotoar-rusak", "Trotoar ambles di depan Gereja Kota", 24 * 7),
        ("dlhk.officer", "sampah-menumpuk", LONG_WORD, 2),
    ):
        at = T0 - timedelta(hours=hours_ago)
        local = dataclasses.replace(app, clock=FrozenClock(at))
        rid = local.handle(c.SubmitReport(description, category, lat=-10.17, lon=123.6,
                                          address="Jl. Frans Seda, Kel. Fatululi, Kec. Oebobo"))
        local.handle(c.ClassifyReport(rid, "dispatch.yuliana", category=category))
        local.handle(c.AssignReport(rid, "dispatch.yuliana", officer=officer))


def demo_tickets(app: Tanggap) -> DemoTickets:
    with app.uow() as uow:
        rows = list(uow.session.execute(select(ReportRow.id, ReportRow.state, ReportRow.opd, ReportRow.source)
                                        .order_by(ReportRow.id)))
        held = list(uow.session.execute(select(ReportRow.id, ReportRow.officer).where(
            ReportRow.officer.in_(["pupr.officer", "dlhk.officer"]), ReportRow.state == "assigned")
            .order_by(ReportRow.id)))
        breach = uow.session.scalar(select(BreachRow.id).order_by(BreachRow.id.desc()))
    photo = next(rid for rid, _state, _opd, source in rows if source == "web")
    by_opd: dict[str | None, dict[str, int]] = {}
    for rid, state, opd, _source in rows:
        by_opd.setdefault(opd, {}).setdefault(state, rid)
    assert breach is not None
    mine = dict(zip(("pupr-late", "pupr-due-soon", "dlhk-long-word"), (rid for rid, _officer in held), strict=True))
    return DemoTickets(by_opd.get("PUPR", {}), by_opd.get("DLHK", {}), by_opd.get(None, {}), mine, photo, breach)
