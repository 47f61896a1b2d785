"""Server time of the OPD queue page with 100k tickets in the database (target: < 100 ms).

Tickets and their running response clocks are built with set-based INSERT ... SELECT."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # bench/calendar.py would shadow the stdlib

import json  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from sqlalchemy import text  # noqa: E402

from tanggap.migrate import upgrade  # noqa: E402
from tanggap.storage import FakePhotoStorage  # noqa: E402
from tests.conftest import PASSWORD, T0, load_reference, make_app  # noqa: E402
from web.app import create_app  # noqa: E402

TICKETS = 100_000


def fill(app: object, n: int) -> None:
    spec = json.dumps({"timezone": "Asia/Makassar", "hours": "always"})
    with app.engine.begin() as conn:  # type: ignore[attr-defined]
        conn.execute(text("""
            WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)
            INSERT INTO reports (id, state, category, description, priority, reporter, source, opd, officer,
                                 submitted_at, updated_at, assigned_at, reopen_count, awaiting_info, version)
            SELECT i, 'assigned', CASE i % 2 WHEN 0 THEN 'jalan-rusak' ELSE 'sampah-menumpuk' END, 'laporan ' || i,
                   'normal', '{}', 'bench', CASE i % 2 WHEN 0 THEN 'PUPR' ELSE 'DLHK' END,
                   CASE i % 3 WHEN 0 THEN NULL ELSE CASE i % 2 WHEN 0 THEN 'pupr.officer' ELSE 'dlhk.officer' END END,
                   :t0, :t0, :t0, 0, 0, 3 FROM seq"""), {"n": n, "t0": T0.replace(tzinfo=None)})
        conn.execute(text("""
            INSERT INTO sla_clocks (report_id, metric, opd, state, rule_id, rule_version, calendar_spec,
                                    target_seconds, warn_at, started_at, run_from, used_seconds, paused_seconds,
                                    due_at, pending, recorded, holders, late, overdue_seconds)
            SELECT id, 'response', opd, 'running', 2, 1, :spec, 28800, '[0.5, 0.75]', :t0, :t0, 0, 0,
                   datetime(:t0, '+' || (id % 5000) || ' minutes'), '[]', '[]', '[]', 0, 0 FROM reports"""),
            {"spec": spec, "t0": T0.replace(tzinfo=None)})


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="bench-queue-"))
    app = make_app(f"sqlite:///{folder / 'bench.db'}", folder)
    upgrade(app.engine)
    load_reference(app)
    fill(app, TICKETS)
    web = create_app(app, PHOTO_STORAGE=FakePhotoStorage())
    client = web.test_client()
    page = client.get("/login").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    client.post("/login", data={"username": "pupr.head", "password": PASSWORD, "csrf_token": token})
    for label, url in (("head, page 1", "/queue"), ("head, page 200", "/queue?page=200"),
                       ("head, category filter", "/queue?category=jalan-rusak")):
        times = []
        for _ in range(15):
            start = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200
        print(f"SQLite, {TICKETS:,} tickets, {label}: median {statistics.median(times):.1f} ms, "
              f"max {max(times):.1f} ms (target < 100 ms; ratio {statistics.median(times) / 100:.2f})")


if __name__ == "__main__":
    main()
