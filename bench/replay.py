"""What-if replay over a month of 3,000 reports and a year of 30,000 (budgets: 1 s and 5 s).

Builds the Kota Kupang demo's OPDs, officers, calendars and rules, then writes each report's
history straight into `report_events` (submitted, classified, assigned, a quarter asking the
citizen for information, answered, most closed), spread over the period. It times, side by side:
reading the period's history alone (the floor), replaying it under the rules in force, and
replaying it with a draft (a longer response target); each with its ratio to the floor and to
the budget. Runs on SQLite, or on PostgreSQL when TANGGAP_TEST_POSTGRES_URL is set.
Run: .venv/bin/python bench/replay.py [--month 3000] [--year 30000]
"""

from __future__ import annotations

import argparse
import os
import random
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, cast

# Replace the script folder on the path: bench/calendar.py would shadow the standard library.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy import Table  # noqa: E402

from tanggap.bootstrap import Tanggap, bootstrap  # noqa: E402
from tanggap.bulk import bulk_insert  # noqa: E402
from tanggap.clock import FrozenClock  # noqa: E402
from tanggap.config import Settings  # noqa: E402
from tanggap.db import EventRow, ReportRow  # noqa: E402
from tanggap.demo import data as demo  # noqa: E402
from tanggap.demo.seed import seed_demo  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tanggap.payroll.replay import Period, histories, period, what_if  # noqa: E402
from tanggap.wita import WITA  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402

YEAR_START = datetime(2025, 11, 1, tzinfo=WITA)
NOW = datetime(2026, 11, 1, 8, 0, tzinfo=WITA)
DRAFT = {"rule_id": 2, "target_amount": 8}  # the OPD answer: 8 working days instead of 5


def _event(rid: int, seq: int, name: str, trigger: str, from_state: str | None, to_state: str, at: datetime,
           data: dict[str, Any]) -> dict[str, Any]:
    return {"report_id": rid, "seq": seq, "name": name, "trigger": trigger, "from_state": from_state,
            "to_state": to_state, "actor": "system", "actor_role": "system", "actor_opd": None, "at": at,
            "note": None, "data": data}


def _history(rng: random.Random, rid: int, at: datetime) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    category = rng.choice(demo.CATEGORIES)
    opd = next(o for o in demo.OPDS if o.code == category.opd_code)
    officer = rng.choice(opd.officers).username
    steps = [
        ("ReportSubmitted", "submit", None, "submitted",
         {"category": category.code, "priority": "urgent" if category.urgent else "normal", "description": "x"}),
        ("ReportClassified", "classify", "submitted", "classified", {"category": category.code}),
        ("ReportAssigned", "assign", "classified", "assigned", {"opd": opd.code, "officer": officer}),
    ]
    if rng.random() < 0.25:
        steps += [("ReportInfoRequested", "request_info", "assigned", "assigned",
                   {"awaiting_info": True, "pause_reason": "awaiting_citizen"}),
                  ("ReportInfoProvided", "provide_info", "assigned", "assigned",
                   {"awaiting_info": False, "pause_reason": None})]
    steps.append(("ReportResponded", "respond", "assigned", "responded", {"response": "Sudah ditangani"}))
    if rng.random() < 0.8:
        steps.append(("ReportClosed", "close", "responded", "closed", {}))
    events = []
    for seq, (name, trigger, before, after, data) in enumerate(steps, start=1):
        events.append(_event(rid, seq, name, trigger, before, after, at, data))
        at += timedelta(hours=rng.uniform(0.2, 90))
    last = events[-1]
    report = {"id": rid, "state": last["to_state"], "category": category.code, "description": "x",
              "priority": steps[0][4]["priority"], "reporter": {}, "source": "bench", "opd": opd.code,
              "officer": officer, "version": len(events), "reopen_count": 0, "awaiting_info": False,
              "submitted_at": events[0]["at"], "updated_at": last["at"]}
    return report, events


def populate(app: Tanggap, reports: int, start: datetime, end: datetime) -> None:
    rng = random.Random(15)
    rows, events = [], []
    for rid in range(1, reports + 1):
        report, history = _history(rng, rid, start + (end - start) * rng.random())
        rows.append(report)
        events.extend(history)
    with app.uow() as uow:
        bulk_insert(uow.session, cast(Table, ReportRow.__table__), rows)
        bulk_insert(uow.session, cast(Table, EventRow.__table__), events)
        uow.commit()


def timed(fn: Callable[[], Any], runs: int = 3) -> tuple[float, float]:
    """The best of `runs`, as wall time and as this process's CPU time: on a shared machine the
    CPU time is the code's own cost (the database here is SQLite in-process, or local PostgreSQL)."""
    wall, cpu = float("inf"), float("inf")
    for _ in range(runs):
        began, began_cpu = time.perf_counter(), time.process_time()
        fn()
        wall, cpu = min(wall, time.perf_counter() - began), min(cpu, time.process_time() - began_cpu)
    return wall, cpu


def measure(app: Tanggap, span: Period, budget: float) -> None:
    def load() -> None:
        with app.uow() as uow:
            histories(uow, span.end, span.start)

    floor = timed(load)
    in_force = timed(lambda: what_if(app.uow(), span, NOW))
    draft = timed(lambda: what_if(app.uow(), span, NOW, DRAFT))
    result = what_if(app.uow(), span, NOW, DRAFT)
    print(f"  {'':<26}{'wall s':>8}{'cpu s':>8}{'x history read':>16}{'x budget (cpu)':>16}")
    for label, (wall, cpu) in (("history read (floor)", floor), ("replay, rules in force", in_force),
                               ("replay, draft rule", draft)):
        print(f"  {label:<26}{wall:>8.3f}{cpu:>8.3f}{cpu / floor[1]:>16.2f}{cpu / budget:>16.2f}")
    print(f"  draft: {result.replayed:,} breaches instead of {result.recorded:,} recorded "
          f"(-{len(result.removed):,}, +{len(result.added):,}); budget {budget:g} s")


@contextmanager
def database() -> Iterator[str]:
    admin = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
    with tempfile.TemporaryDirectory() as tmp:
        if admin:
            with scratch_postgres(admin) as url:
                yield url
        else:
            yield f"sqlite:///{Path(tmp) / 'bench.db'}"


def one(reports: int, span: Period, budget: float, title: str) -> None:
    with database() as url, tempfile.TemporaryDirectory() as tmp:
        app = bootstrap(Settings(data_dir=Path(tmp), database_url=url), clock=FrozenClock(NOW))
        upgrade(app.engine)
        seed_demo(app, reports=0, echo=lambda *_: None)
        populate(app, reports, span.start, span.end - timedelta(days=2))
        print(f"{title}: {reports:,} reports, {span.label}, on {app.engine.dialect.name}")
        measure(app, span, budget)
        app.engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--month", type=int, default=3_000, help="reports in the month")
    parser.add_argument("--year", type=int, default=30_000, help="reports in the year")
    args = parser.parse_args()
    one(args.month, period("2026-10"), 1.0, "a month")
    one(args.year, period(YEAR_START.strftime("%Y-%m"), "2026-10"), 5.0, "a year")


if __name__ == "__main__":
    main()
