"""Demo data for Kota Kupang, loaded through the service layer so every history is real."""

from __future__ import annotations

import dataclasses
import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

from states.errors import DomainError
from tanggap import commands as c
from tanggap.bootstrap import Tanggap
from tanggap.clock import FrozenClock
from tanggap.demo import data as demo
from tanggap.reports.views import existing_categories, existing_usernames, report_count, sla_rule_count

Echo = Callable[[str], None]
DISPATCHER = demo.DISPATCHERS[0].username
HISTORY = timedelta(days=120)


def seed_demo(app: Tanggap, reports: int = 300, echo: Echo = print) -> None:
    """Idempotent: OPDs are upserted; categories, users and reports are created only once, so a
    supervisor's later routing and radius changes survive a second run."""
    for opd in demo.OPDS:
        app.handle(c.DefineOpd(code=opd.code, name=opd.name, short_name=opd.short_name, is_24_7=opd.is_24_7))
    known = existing_categories(app.reader())
    for cat in (cat for cat in demo.CATEGORIES if cat.code not in known):
        app.handle(
            c.DefineCategory(
                code=cat.code,
                name=cat.name,
                opd=cat.opd_code,
                description=cat.description,
                urgent=cat.urgent,
                keywords=cat.keywords,
            )
        )
        app.handle(c.SetDuplicateRadius(cat.code, cat.duplicate_radius_m))
    _seed_users(app, echo)
    _seed_sla(app, echo)
    if report_count(app.reader(), source="demo") == 0:
        _seed_reports(app, reports, echo)
    else:
        echo("demo reports already present; nothing to add")


def demo_staff() -> list[c.CreateUser]:
    staff = [c.CreateUser(p.username, "dispatcher", p.full_name) for p in demo.DISPATCHERS]
    staff += [c.CreateUser(p.username, "supervisor", p.full_name) for p in demo.SUPERVISORS]
    staff += [c.CreateUser(p.username, "hr", p.full_name) for p in demo.HR_STAFF]
    staff += [c.CreateUser(p.username, "admin", p.full_name) for p in demo.ADMINS]
    for opd in demo.OPDS:
        staff.append(c.CreateUser(opd.head.username, "opd_head", opd.head.full_name, opd.code))
        staff += [c.CreateUser(p.username, "opd_officer", p.full_name, opd.code) for p in opd.officers]
    return staff


def _seed_users(app: Tanggap, echo: Echo) -> None:
    existing = existing_usernames(app.reader())
    created = [(cmd, app.handle(cmd)) for cmd in demo_staff() if cmd.username not in existing]
    if not created:
        return
    echo("Demo accounts (passwords are shown only this once):")
    for cmd, password in created:
        echo(f"  {cmd.role:<12} {cmd.opd or '-':<9} {cmd.username:<22} {password}")


OFFICE_HOURS = {
    "timezone": "Asia/Makassar",
    "hours": {day: ["07:30-12:00", "13:00-16:00"] for day in ("mon", "tue", "wed", "thu")}
    | {"fri": ["07:30-11:30", "13:30-16:30"]},
    "holidays": {"country": "ID", "categories": ["public", "government"]},
}
ROUND_THE_CLOCK = {"timezone": "Asia/Makassar", "hours": "always"}


RULES_SINCE = datetime(2024, 1, 1, tzinfo=UTC)


def default_rules(supervisor: str) -> list[c.DefineRule]:
    """LAPOR!'s rhythm (dispatch within 3 working days, an OPD answer within 5), and faster
    rules on the 24/7 calendar for emergencies and the agencies that never close."""
    rules = [
        c.DefineRule(supervisor, "dispatch", 3, "working_days", "jam-kantor", note="LAPOR!: disposisi 3 hari kerja"),
        c.DefineRule(
            supervisor, "response", 5, "working_days", "jam-kantor", note="LAPOR!: tindak lanjut 5 hari kerja"
        ),
        c.DefineRule(supervisor, "resolution", 14, "working_days", "jam-kantor", note="penyelesaian 14 hari kerja"),
    ]
    for code in (cat.code for cat in demo.CATEGORIES if cat.urgent):
        rules += [
            c.DefineRule(supervisor, "dispatch", 1, "working_hours", "24-7", category=code, note="darurat"),
            c.DefineRule(supervisor, "response", 4, "working_hours", "24-7", category=code, note="darurat"),
            c.DefineRule(supervisor, "resolution", 24, "working_hours", "24-7", category=code, note="darurat"),
        ]
    for code in (opd.code for opd in demo.OPDS if opd.is_24_7):
        rules.append(c.DefineRule(supervisor, "response", 12, "working_hours", "24-7", opd=code, note="siaga 24 jam"))
    return [dataclasses.replace(rule, effective_from=RULES_SINCE) for rule in rules]


def _seed_sla(app: Tanggap, echo: Echo) -> None:
    if sla_rule_count(app.reader()) > 0:
        return
    supervisor = demo.SUPERVISORS[0].username
    app.handle_batch(
        [
            c.DefineCalendar("jam-kantor", OFFICE_HOURS, supervisor),
            c.DefineCalendar("24-7", ROUND_THE_CLOCK, supervisor),
        ]
    )
    tiers = {
        "shape": "tiers",
        "tiers": [{"min_on_time": 90, "cut": 0}, {"min_on_time": 75, "cut": 5}, {"min_on_time": 0, "cut": 10}],
    }
    policy = c.SetAllowancePolicy(demo.HR_STAFF[0].username, tiers, RULES_SINCE.strftime("%Y-%m"))
    outcomes = app.handle_batch([*default_rules(supervisor), policy])
    failed = [o for o in outcomes if isinstance(o, Exception)]
    if failed:
        raise failed[0]
    echo(f"created working calendars and {len(outcomes)} SLA rules")


def _seed_reports(app: Tanggap, count: int, echo: Echo) -> None:
    rng = random.Random(2026)
    end = app.clock.now()
    for _ in range(count):
        start = end - HISTORY * rng.random() ** 1.5
        _one_history(app, rng, start, end)
    swept = app.sweep()
    echo(
        f"created {count} demo reports over the last {HISTORY.days} days "
        f"({swept.warnings} warnings and {swept.breaches} breaches still open at the end)"
    )


def _one_history(app: Tanggap, rng: random.Random, start: datetime, end: datetime) -> None:
    clock = FrozenClock(start)
    local = dataclasses.replace(app, clock=clock)
    category = rng.choice(demo.CATEGORIES)
    report_id = local.handle(_submission(rng, category))
    for cmd, delay in _story(rng, report_id, category):
        clock.advance(delay)
        if clock.now() > end:
            return
        try:
            local.handle(cmd)
        except DomainError:
            return  # a step the story drew is not allowed at this point: the history stops there


def _submission(rng: random.Random, category: demo.DemoCategory) -> c.SubmitReport:
    place = rng.choice(demo.KELURAHAN)
    return c.SubmitReport(
        description=rng.choice(category.descriptions),
        category=category.code if rng.random() < 0.85 else None,
        lat=round(place.lat + rng.uniform(-0.004, 0.004), 6),
        lon=round(place.lon + rng.uniform(-0.004, 0.004), 6),
        address=f"{rng.choice(demo.STREETS)}, Kel. {place.name}, Kec. {place.kecamatan}",
        reporter={"first_name": rng.choice(["Yanti", "Robert", "Nona", "Kornelis", "Sisilia", "Obed"])},
        source="demo",
    )


def _hours(rng: random.Random, low: float, high: float) -> timedelta:
    return timedelta(hours=rng.uniform(low, high))


def _story(rng: random.Random, rid: int, category: demo.DemoCategory) -> list[tuple[c.Command, timedelta]]:
    """The steps one report goes through; the dice decide how far it gets."""
    opd = next(o for o in demo.OPDS if o.code == category.opd_code)
    officer = rng.choice(opd.officers).username
    if rng.random() < 0.08:
        kind = rng.choice(["spam", "outside_authority"])
        return [
            (c.RejectReport(rid, DISPATCHER, kind=kind, reason=rng.choice(demo.REJECT_REASONS)), _hours(rng, 0.5, 8))
        ]
    steps: list[tuple[c.Command, timedelta]] = [
        (c.ClassifyReport(rid, DISPATCHER, category=category.code), _hours(rng, 0.1, 6)),
        (c.AssignReport(rid, DISPATCHER, officer=officer), _hours(rng, 0.1, 20)),
    ]
    if rng.random() < 0.1:
        steps += [
            (c.ReturnReport(rid, officer, reason=rng.choice(demo.RETURN_REASONS)), _hours(rng, 1, 30)),
            (c.AssignReport(rid, DISPATCHER, officer=officer), _hours(rng, 0.5, 10)),
        ]
    respond = c.RespondReport(rid, officer, response=rng.choice(demo.RESPONSE_TEXTS[category.code]))
    steps.append((respond, _hours(rng, 2, 140)))
    if rng.random() < 0.1:
        steps += [
            (c.ReopenReport(rid, "citizen", reason=rng.choice(demo.REOPEN_REASONS)), _hours(rng, 4, 60)),
            (respond, _hours(rng, 4, 72)),
        ]
    closer = "citizen" if rng.random() < 0.4 else "system"
    steps.append((c.CloseReport(rid, closer), _hours(rng, 4, 60) if closer == "citizen" else timedelta(days=3)))
    return steps
