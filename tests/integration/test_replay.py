"""What-if replay: the rules in force reproduce the recorded breaches exactly (a generated month,
the demo data), and a draft with a longer target shows fewer breaches and the cut they carried."""

from __future__ import annotations

import dataclasses
import json
import random
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from states.errors import DomainError, InvalidInput, NotFound
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.cli import sla as cli_sla  # noqa: F401  (registers the sla commands)
from tanggap.cli.app import main
from tanggap.clock import FrozenClock
from tanggap.db import BreachRow, EventRow
from tanggap.payroll.replay import period, recorded_breaches, what_if
from tanggap.payroll.service import allowance, month_bounds
from tests.conftest import OFFICE_HOURS, make_app

WITA = ZoneInfo("Asia/Makassar")
OCTOBER = datetime(2026, 10, 1, tzinfo=WITA)
AFTER_OCTOBER = datetime(2026, 11, 10, 9, 0, tzinfo=WITA)
OFFICERS = {"PUPR": ["pupr.officer", "pupr.officer2"], "DLHK": ["dlhk.officer"]}
CATEGORIES = ["jalan-rusak", "sampah-menumpuk", "pohon-tumbang", "banjir-genangan"]


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _story(rng: random.Random, rid: int, category: str) -> list[tuple[c.Command, timedelta]]:
    """Every way a clock moves: pauses for the citizen, a hand-over, another OPD, a return, a reopen."""
    if rng.random() < 0.08:
        return [(c.RejectReport(rid, "dispatcher", kind="spam", reason="iklan"), _hours(rng, 1, 90))]
    opd = "DLHK" if category in ("sampah-menumpuk", "pohon-tumbang") else "PUPR"
    holder = rng.choice(OFFICERS[opd])
    steps: list[tuple[c.Command, timedelta]] = [
        (c.ClassifyReport(rid, "dispatcher", category=category), _hours(rng, 0.1, 30)),
        (c.AssignReport(rid, "dispatcher", opd=opd, officer=holder), _hours(rng, 0.1, 40)),
    ]
    roll = rng.random()
    if roll < 0.25:
        steps += [(c.RequestInformation(rid, holder, question="Di RT berapa?"), _hours(rng, 1, 12)),
                  (c.ProvideInformation(rid, "citizen", answer="RT 04"), _hours(rng, 2, 60))]
    elif roll < 0.35 and opd == "PUPR":
        holder = "pupr.officer2" if holder == "pupr.officer" else "pupr.officer"
        steps.append((c.ReassignReport(rid, "dispatcher", officer=holder), _hours(rng, 1, 10)))
    elif roll < 0.42 and opd == "PUPR":
        holder = "dlhk.officer"
        steps.append((c.ReassignReport(rid, "dispatcher", opd="DLHK", officer=holder, reason="kewenangan DLHK"),
                      _hours(rng, 1, 20)))
    elif roll < 0.5:
        steps += [(c.ReturnReport(rid, holder, reason="bukan wewenang"), _hours(rng, 1, 20)),
                  (c.AssignReport(rid, "dispatcher", opd=opd, officer=holder), _hours(rng, 1, 30))]
    steps.append((c.RespondReport(rid, holder, response="Sudah ditangani"), _hours(rng, 1, 40)))
    if rng.random() < 0.15:
        steps += [(c.ReopenReport(rid, "citizen", reason="Belum beres"), _hours(rng, 2, 30)),
                  (c.RespondReport(rid, holder, response="Sudah diperbaiki lagi"), _hours(rng, 2, 50))]
    if rng.random() < 0.7:
        steps.append((c.CloseReport(rid, "citizen"), _hours(rng, 4, 120)))
    return steps


def generate_month(app: Tanggap, reports: int, seed: int = 15) -> int:
    """`reports` reports submitted in October 2026, each living its story through the services."""
    rng = random.Random(seed)
    steps = 0
    for _ in range(reports):
        clock = FrozenClock(OCTOBER + timedelta(days=30) * rng.random())
        local = dataclasses.replace(app, clock=clock)
        category = rng.choice(CATEGORIES)
        rid = local.handle(c.SubmitReport("Laporan warga", category, -10.16, 123.6))
        for cmd, delay in _story(rng, rid, category):
            clock.advance(delay)
            if clock.now() > AFTER_OCTOBER:
                break
            try:
                local.handle(cmd)
                steps += 1
            except DomainError:
                break
    return steps


def test_replaying_the_rules_in_force_reproduces_a_generated_month_exactly(app: Tanggap) -> None:
    assert generate_month(app, 90) > 300
    app.sweep(now=AFTER_OCTOBER)
    result = what_if(app.uow(), period("2026-10"), AFTER_OCTOBER)
    assert result.recorded > 20
    assert (result.replayed, result.added, result.removed, result.moved) == (result.recorded, [], [], 0)
    with app.uow() as uow:
        assert set(uow.session.scalars(select(BreachRow.metric))) == {"dispatch", "response", "resolution"}
        moves = set(uow.session.scalars(select(EventRow.name)))
    assert {"ReportInfoRequested", "ReportReassigned", "ReportReturned", "ReportReopened"} <= moves
    assert all(row["added"] == row["removed"] == 0 and row["recorded"] == row["replayed"]
               for row in [*result.by_opd.values(), *result.by_officer.values()])
    assert result.on_time_rate["before"] == result.on_time_rate["after"] is not None
    assert result.allowance_change == {}
    assert len(result.by_officer) >= 4  # pupr.officer, pupr.officer2, dlhk.officer and heads or dispatch


def _three_answers(app: Tanggap, clock: FrozenClock) -> None:
    """Tuesday 09:00 WITA, three reports for pupr.officer; 8 working hours are due Wednesday 09:00
    and 16 Thursday 09:00. Answers: Tuesday 12:00 (on time), Wednesday 10:00 (late under 8 h only),
    Thursday 15:00 (late under both)."""
    rids = []
    for _ in range(3):
        rid = app.handle(c.SubmitReport("Jalan berlubang depan SD Inpres", "jalan-rusak", -10.16, 123.6))
        app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
        app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
        rids.append(rid)
    start = clock.now()
    for rid, hours in zip(rids, (3, 25, 54), strict=True):
        clock.at = start + timedelta(hours=hours)
        app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))


def test_a_draft_with_a_longer_target_shows_fewer_breaches_and_the_allowance_they_cost(
    app: Tanggap, clock: FrozenClock
) -> None:
    _three_answers(app, clock)
    now = datetime(2026, 10, 9, 12, 0, tzinfo=WITA)
    app.sweep(now=now)
    official = {cut.who: cut.cut_percent for cut in allowance(app.uow(), "2026-10").officers}
    assert official["pupr.officer"] == 5.0  # 2 breaches x 2.5%
    same = what_if(app.uow(), period("2026-10"), now)
    assert (same.recorded, same.replayed, same.reproduces, same.allowance_change) == (2, 2, True, {})

    longer = what_if(app.uow(), period("2026-10"), now, {"rule_id": 2, "target_amount": 16})
    assert (longer.recorded, longer.replayed) == (2, 1)
    assert longer.added == []
    [removed] = longer.removed
    assert (removed["metric"], removed["officer"], removed["due_at"]) == (
        "response", "pupr.officer", "2026-10-07T09:00:00+08:00")
    assert longer.moved == 1  # the Thursday answer is still late, against a deadline a day later
    assert longer.by_officer["pupr.officer"] == {"recorded": 2, "replayed": 1, "added": 0, "removed": 1}
    assert longer.by_opd["PUPR"] == {"recorded": 2, "replayed": 1, "added": 0, "removed": 1}
    assert longer.on_time_rate == {"before": round(1 / 3, 4), "after": round(2 / 3, 4)}
    assert longer.allowance_change == {
        "pupr.officer": {"before": 5.0, "after": 2.5, "change": -2.5, "by_month": {"2026-10": -2.5}}}

    shorter = what_if(app.uow(), period("2026-10"), now, {"rule_id": 2, "target_amount": 2})
    assert (shorter.replayed, len(shorter.added)) == (3, 1)
    assert shorter.allowance_change["pupr.officer"]["after"] == 7.5


def _answered_around_a_holiday_added(app: Tanggap, clock: FrozenClock) -> None:
    """Tuesday 09:00 WITA a report is assigned: 8 working hours, due Wednesday 09:00. At 10:00 a
    supervisor makes Wednesday a holiday and a second report is assigned: due Thursday 10:00. The
    sweep records the first one's breach; both are answered Wednesday at noon."""
    tuesday = clock.now()
    for hours in (0, 1):
        clock.at = tuesday + timedelta(hours=hours)
        if hours:
            app.handle(c.DefineCalendar("kantor", {**OFFICE_HOURS, "extra_holidays": ["2026-10-07"]}, "supervisor",
                                        note="cuti bersama"))
        rid = app.handle(c.SubmitReport("Jalan berlubang depan pasar", "jalan-rusak", -10.16, 123.6))
        app.handle(c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"))
        app.handle(c.AssignReport(rid, "dispatcher", officer="pupr.officer"))
    app.sweep(now=tuesday + timedelta(days=1, hours=1))
    clock.at = tuesday + timedelta(days=1, hours=3)
    for rid in (1, 2):
        app.handle(c.RespondReport(rid, "pupr.officer", response="Sudah ditambal"))


def test_replaying_the_rules_in_force_after_calendar_and_rule_edits_still_reproduces_the_recorded_breaches(
    app: Tanggap, clock: FrozenClock
) -> None:
    _answered_around_a_holiday_added(app, clock)
    # Friday, after the breach was recorded, Thursday is made a holiday too, and the answer's target
    # doubled in a version dated back to Monday: both after the fact, neither moved the live clocks.
    clock.at = datetime(2026, 10, 9, 12, 0, tzinfo=WITA)
    app.handle(c.DefineCalendar("kantor", {**OFFICE_HOURS, "extra_holidays": ["2026-10-07", "2026-10-08"]},
                                "supervisor"))
    app.handle(c.DefineRule("supervisor", "response", 16, "working_hours", "kantor", rule_id=2,
                            effective_from=datetime(2026, 10, 5, tzinfo=WITA)))
    result = what_if(app.uow(), period("2026-10"), clock.now())
    assert (result.recorded, result.replayed, result.reproduces) == (1, 1, True)
    with app.uow() as uow:
        [breach] = recorded_breaches(uow, *month_bounds("2026-10"))
    assert (breach.report_id, breach.due_at) == (1, datetime(2026, 10, 7, 9, 0, tzinfo=WITA))
    # A draft naming another calendar is replayed on that one: both answers are late on the 24-7 calendar.
    draft = what_if(app.uow(), period("2026-10"), clock.now(), {"rule_id": 2, "calendar": "24-7"})
    assert (draft.replayed, [b["report_id"] for b in draft.added], draft.moved) == (2, [2], 1)


def test_a_draft_naming_what_does_not_exist_is_refused_by_field(app: Tanggap) -> None:
    span = period("2026-10")
    with pytest.raises(NotFound, match="SLA rule 99"):
        what_if(app.uow(), span, AFTER_OCTOBER, {"rule_id": 99})
    with pytest.raises(InvalidInput, match=r"^target: is not a field of a rule"):
        what_if(app.uow(), span, AFTER_OCTOBER, {"rule_id": 2, "target": 16})
    with pytest.raises(NotFound, match="calendar"):
        what_if(app.uow(), span, AFTER_OCTOBER, {"rule_id": 2, "calendar": "libur-panjang"})
    with pytest.raises(InvalidInput, match="target"):
        what_if(app.uow(), span, AFTER_OCTOBER, {"rule_id": 2, "target_amount": -4})


def test_the_demo_data_replays_to_exactly_its_recorded_breaches_month_by_month(
    demo_template: Path, tmp_path: Path
) -> None:
    shutil.copy(demo_template, tmp_path / "demo.db")
    demo = make_app(f"sqlite:///{tmp_path / 'demo.db'}", tmp_path)
    now = demo.clock.now()
    demo.sweep(now=now)  # the personas' late tickets were made after the seed's last sweep
    total = 0
    for month in ("2026-06", "2026-07", "2026-08", "2026-09", "2026-10"):
        result = what_if(demo.uow(), period(month), now)
        assert result.reproduces and result.replayed == result.recorded, (month, result.added, result.removed)
        assert result.allowance_change == {}
        total += result.recorded
    assert total > 20
    whole = what_if(demo.uow(), period("2026-06", "2026-10"), now)
    assert (whole.recorded, whole.reproduces) == (total, True)
    demo.engine.dispose()


def test_the_command_prints_the_comparison_as_json(app: Tanggap, clock: FrozenClock, tmp_path: Path) -> None:
    _three_answers(app, clock)
    now = datetime(2026, 10, 9, 12, 0, tzinfo=WITA)
    app.sweep(now=now)
    clock.at = now
    runner = CliRunner()
    same = runner.invoke(main, ["sla", "replay", "--month", "2026-10"], obj=app, catch_exceptions=False)
    printed = json.loads(same.output)
    assert {"month", "recorded", "replayed", "added", "removed", "by_opd", "allowance_change"} <= set(printed)
    assert (printed["month"], printed["recorded"], printed["replayed"]) == ("2026-10", 2, 2)
    draft = tmp_path / "draft.json"
    draft.write_text(json.dumps({"rule_id": 2, "target_amount": 16}))
    longer = json.loads(runner.invoke(main, ["sla", "replay", "--from-month", "2026-09", "--rule-file", str(draft)],
                                      obj=app, catch_exceptions=False).output)
    assert (longer["month"], longer["recorded"], longer["replayed"]) == ("2026-09..2026-10", 2, 1)
    assert longer["allowance_change"]["pupr.officer"]["change"] == -2.5
    both = runner.invoke(main, ["sla", "replay", "--month", "2026-10", "--from-month", "2026-09"], obj=app)
    assert both.exit_code == 1 and "give either --month or --from-month" in both.output
    draft.write_text("[1, 2]")
    bad = runner.invoke(main, ["sla", "replay", "--month", "2026-10", "--rule-file", str(draft)], obj=app)
    assert bad.exit_code == 1 and "must hold one JSON object, the draft rule" in bad.output
