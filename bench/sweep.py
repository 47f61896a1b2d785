"""One SLA sweep over many running clocks of which 10k are due, on PostgreSQL.

Builds N running clocks (1,000,000 and 100,000 by default) with SQL `generate_series`, 10,000 of
them past their deadline, then times one sweep that records those 10,000 breaches in one
transaction (chained in the ledger, with outbox rows). The ratio between the two sizes shows
whether the cost follows the breaches or the number of clocks.
Run: TANGGAP_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/postgres \
     .venv/bin/python bench/sweep.py [--sizes 1000000 100000] [--due 10000]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Replace the script folder on the path: bench/calendar.py would shadow the standard library.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from sqlalchemy import text  # noqa: E402

from tanggap import commands as c  # noqa: E402
from tanggap.bootstrap import Tanggap, bootstrap  # noqa: E402
from tanggap.clock import FrozenClock  # noqa: E402
from tanggap.config import Settings  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402

NOW = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
SPEC = ('{"timezone": "Asia/Makassar", "hours": "always", "holidays": null, "extra_holidays": [], '
        '"extra_working_days": {}}')


def populate(app: Tanggap, clocks: int, due: int) -> None:
    """`clocks` reports, each with a running response clock; the first `due` are overdue."""
    app.handle(c.DefineOpd("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"))
    app.handle(c.CreateUser("pupr.head", "opd_head", "Kepala", "PUPR", "bench-password"))
    with app.engine.begin() as conn:
        conn.execute(text("""
            INSERT INTO reports (id, state, description, priority, reporter, source, opd, officer, version,
                                 reopen_count, awaiting_info, submitted_at)
            SELECT g, 'assigned', 'Jalan berlubang', 'normal', '{}', 'bench', 'PUPR', NULL, 3, 0, false, :now
            FROM generate_series(1, :n) g"""), {"n": clocks, "now": NOW - timedelta(days=2)})
        conn.execute(text("""
            INSERT INTO sla_clocks (report_id, metric, opd, state, rule_id, rule_version, calendar_spec,
                target_seconds, warn_at, started_at, run_from, used_seconds, paused_seconds, due_at,
                next_alert_at, pending, recorded, holders, late, overdue_seconds)
            SELECT g, 'response', 'PUPR', 'running', 1, 1, CAST(:spec AS json), 28800, '[]', d - interval '8 hours',
                   d - interval '8 hours', 0, 0, d, d,
                   json_build_array(json_build_object('kind', 'breach', 'at', to_char(d AT TIME ZONE 'UTC',
                       'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'))),
                   '[]', json_build_array(json_build_array(to_char((d - interval '8 hours') AT TIME ZONE 'UTC',
                       'YYYY-MM-DD"T"HH24:MI:SS"+00:00"'), 'pupr.officer')), false, 0
            FROM (SELECT g, CASE WHEN g <= :due THEN CAST(:now AS timestamptz) - g * interval '1 second'
                                 ELSE CAST(:now AS timestamptz) + interval '1 day' + g * interval '1 second' END AS d
                  FROM generate_series(1, :n) g) s"""), {"n": clocks, "due": due, "now": NOW, "spec": SPEC})
        conn.execute(text("SELECT setval('reports_id_seq', :n)"), {"n": clocks})
        conn.execute(text("ANALYZE"))


def one_size(admin_url: str, clocks: int, due: int) -> float:
    with scratch_postgres(admin_url) as url, tempfile.TemporaryDirectory() as tmp:
        app = bootstrap(Settings(data_dir=Path(tmp), database_url=url), clock=FrozenClock(NOW), pause_collector=True)
        upgrade(app.engine)
        built = time.perf_counter()
        populate(app, clocks, due)
        print(f"  built {clocks:,} running clocks in {time.perf_counter() - built:.1f} s")
        # A worker sweeps every minute: one sweep with nothing due first, as the process's earlier
        # sweeps would have, so statement compilation and connection setup are not timed.
        warm = app.sweep(now=NOW - timedelta(days=30), limit=due)
        assert warm.clocks == 0, warm
        began = time.perf_counter()
        result = app.sweep(now=NOW, limit=due)
        elapsed = time.perf_counter() - began
        assert result.breaches == due, result
        again = app.sweep(now=NOW)
        assert again.breaches == 0, again
        app.engine.dispose()
        print(f"  one sweep: {result.breaches:,} breaches recorded in {elapsed:.3f} s")
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1_000_000, 100_000])
    parser.add_argument("--due", type=int, default=10_000)
    args = parser.parse_args()
    admin_url = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
    if not admin_url:
        sys.exit("set TANGGAP_TEST_POSTGRES_URL to a PostgreSQL server this bench may create databases on")
    times = {}
    for size in args.sizes:
        print(f"{size:,} running clocks, {args.due:,} due:")
        times[size] = one_size(admin_url, size, args.due)
    largest, smallest = max(times), min(times)
    print(f"\nsweep time {largest:,} clocks / {smallest:,} clocks = {times[largest] / times[smallest]:.2f}x "
          f"(for {largest / smallest:.0f}x the clocks)")


if __name__ == "__main__":
    main()
