"""Server time of the OPD queue page with 100k tickets in the database (target: < 100 ms).

Tickets and their running response clocks are built with set-based INSERT ... SELECT. Each page is
timed through the real Flask app (login, session, template); beside it, the listing query the queue
used before deadlines were kept on the report (a join on every open clock) runs on the same data,
as the baseline. Run: .venv/bin/python bench/queue.py; set TANGGAP_TEST_POSTGRES_URL to add PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # bench/calendar.py would shadow the stdlib

import json  # noqa: E402
import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from functools import partial  # noqa: E402
from typing import Any  # noqa: E402

from sqlalchemy import and_, func, or_, select, text  # noqa: E402

from tanggap.bootstrap import Tanggap  # noqa: E402
from tanggap.db import ClockRow, ReportRow  # noqa: E402
from tanggap.infrastructure.storage import FakePhotoStorage  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tests.conftest import PASSWORD, T0, load_reference, make_app  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402
from web.app import create_app  # noqa: E402

TICKETS = 100_000
RUNS = 15
SEQUENCE = {
    "sqlite": "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)",
    "postgresql": "WITH seq(i) AS (SELECT generate_series(1, :n))",
}
MINUTES = {
    "sqlite": "datetime(:t0, '+' || (id % 5000) || ' minutes')",
    "postgresql": "CAST(:t0 AS timestamptz) + (id % 5000) * interval '1 minute'",
}


def fill(app: Tanggap, n: int) -> None:
    dialect = app.engine.dialect.name
    spec = json.dumps({"timezone": "Asia/Makassar", "hours": "always"})
    t0 = T0.replace(tzinfo=None) if dialect == "sqlite" else T0
    false = "0" if dialect == "sqlite" else "false"
    with app.engine.begin() as conn:
        conn.execute(text(f"""
            {SEQUENCE[dialect]}
            INSERT INTO reports (id, state, category, description, priority, reporter, source, opd, officer,
                                 submitted_at, updated_at, assigned_at, reopen_count, awaiting_info, version)
            SELECT i, 'assigned', CASE i % 2 WHEN 0 THEN 'jalan-rusak' ELSE 'sampah-menumpuk' END, 'laporan ' || i,
                   'normal', '{{}}', 'bench', CASE i % 2 WHEN 0 THEN 'PUPR' ELSE 'DLHK' END,
                   CASE i % 3 WHEN 0 THEN NULL ELSE CASE i % 2 WHEN 0 THEN 'pupr.officer' ELSE 'dlhk.officer' END END,
                   :t0, :t0, :t0, 0, {false}, 3 FROM seq"""), {"n": n, "t0": t0})
        conn.execute(text(f"""
            INSERT INTO sla_clocks (report_id, metric, opd, state, rule_id, rule_version, calendar_spec,
                                    target_seconds, warn_at, started_at, run_from, used_seconds, paused_seconds,
                                    due_at, pending, recorded, holders, late, overdue_seconds)
            SELECT id, 'response', opd, 'running', 2, 1, :spec, 28800, '[0.5, 0.75]', :t0, :t0, 0, 0,
                   {MINUTES[dialect]}, '[]', '[]', '[]', {false}, 0 FROM reports"""), {"spec": spec, "t0": t0})
        conn.execute(text("""
            UPDATE reports SET response_due_at = (SELECT c.due_at FROM sla_clocks c WHERE c.report_id = reports.id)"""))
    if dialect == "postgresql":  # what autovacuum does to a table this size: statistics, visibility map
        with app.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE reports, sla_clocks"))


def join_listing(app: Tanggap, opd: str, officer: str | None, category: str | None, page: int) -> list[int]:
    """The baseline: the queue's listing before the deadline was kept on the report."""
    clock = and_(ClockRow.report_id == ReportRow.id, ClockRow.metric == "response", ClockRow.stopped_at.is_(None))
    query = select(ReportRow.id).where(ReportRow.opd == opd, ReportRow.state == "assigned")
    if officer:
        query = query.where(or_(ReportRow.officer == officer, ReportRow.officer.is_(None)))
    if category:
        query = query.where(ReportRow.category == category)
    with app.engine.connect() as conn:
        conn.execute(select(func.count()).select_from(query.subquery()))
        listing = (query.outerjoin(ClockRow, clock).order_by(ClockRow.due_at.is_(None), ClockRow.due_at, ReportRow.id)
                   .limit(50).offset((page - 1) * 50))
        return list(conn.scalars(listing))


def timed(call: Callable[[], Any]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        call()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def measure(backend: str, app: Tanggap) -> None:
    upgrade(app.engine)
    load_reference(app)
    began = time.perf_counter()
    fill(app, TICKETS)
    print(f"\n{backend}: {TICKETS:,} tickets with running response clocks built in {time.perf_counter() - began:.1f} s")
    web = create_app(app, PHOTO_STORAGE=FakePhotoStorage())
    print("  before: the earlier listing queries alone (count + join on clocks); now: the whole page")
    print(f"  {'page':<34} {'before (join)':>14} {'now (page)':>11} {'ratio':>7}   target < 100 ms")
    cases = [
        ("head, page 1", "pupr.head", "/queue", (None, None, 1)),
        ("head, page 200", "pupr.head", "/queue?page=200", (None, None, 200)),
        ("head, category filter", "pupr.head", "/queue?category=jalan-rusak", (None, "jalan-rusak", 1)),
        ("officer (own + unassigned), page 1", "pupr.officer", "/queue", ("pupr.officer", None, 1)),
    ]
    for label, username, url, (officer, category, page) in cases:
        client = web.test_client()
        token = client.get("/login").text.split('name="csrf_token" value="')[1].split('"')[0]
        client.post("/login", data={"username": username, "password": PASSWORD, "csrf_token": token})
        assert client.get(url).status_code == 200
        page_ms = timed(partial(client.get, url))
        before_ms = timed(partial(join_listing, app, "PUPR", officer, category, page))
        print(f"  {label:<34} {before_ms:>11.1f} ms {page_ms:>8.1f} ms {before_ms / page_ms:>6.1f}x"
              f"   {'met' if page_ms < 100 else 'NOT met'}")
    app.engine.dispose()


def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        measure("SQLite (file, WAL)", make_app(f"sqlite:///{folder / 'bench.db'}", folder))
        pg = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
        if pg:
            with scratch_postgres(pg) as url:
                measure("PostgreSQL", make_app(url, folder))
        else:
            print("\nPostgreSQL: skipped (set TANGGAP_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
