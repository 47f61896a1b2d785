"""Time of the Open311 service request updates feed (what FixMyStreet polls every few minutes) with
300k report events spread over 90 days: a 2-hour and a 24-hour window, read through
`find_updates`. Beside it, the same reads after dropping the feed's index on the events' time
(`ix_report_events_at`), as the baseline. Run: .venv/bin/python bench/update_feed.py; set
TANGGAP_TEST_POSTGRES_URL to add PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # bench/calendar.py would shadow the stdlib

import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from datetime import timedelta  # noqa: E402

from sqlalchemy import text  # noqa: E402

from tanggap.bootstrap import Tanggap  # noqa: E402
from tanggap.intake import UpdateQuery, find_updates  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tests.conftest import T0, load_reference, make_app  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402

REPORTS = 50_000
EVENTS_PER_REPORT = 6
SPAN_MINUTES = 90 * 24 * 60
RUNS = 15
SEQUENCE = {
    "sqlite": "WITH RECURSIVE seq(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM seq WHERE i < :n)",
    "postgresql": "WITH seq(i) AS (SELECT generate_series(1, :n))",
}
BEFORE_T0 = {
    "sqlite": "datetime(:t0, '-' || ((CAST(i AS BIGINT) * 7919) % :span) || ' minutes')",
    "postgresql": "CAST(:t0 AS timestamptz) - ((CAST(i AS BIGINT) * 7919) % :span) * interval '1 minute'",
}
TRIGGERS = "CASE i % 6 WHEN 0 THEN 'submit' WHEN 1 THEN 'classify' WHEN 2 THEN 'assign' " \
           "WHEN 3 THEN 'respond' WHEN 4 THEN 'close' ELSE 'reopen' END"


def fill(app: Tanggap) -> None:
    dialect = app.engine.dialect.name
    t0 = T0.replace(tzinfo=None) if dialect == "sqlite" else T0
    false = "0" if dialect == "sqlite" else "false"
    with app.engine.begin() as conn:
        conn.execute(text(f"""
            {SEQUENCE[dialect]}
            INSERT INTO reports (id, state, category, description, priority, reporter, source, opd,
                                 submitted_at, updated_at, reopen_count, awaiting_info, version)
            SELECT i, 'assigned', 'jalan-rusak', 'laporan ' || i, 'normal', '{{}}', 'bench', 'PUPR',
                   :t0, :t0, 0, {false}, {EVENTS_PER_REPORT} FROM seq"""), {"n": REPORTS, "t0": t0})
        conn.execute(text(f"""
            {SEQUENCE[dialect]}
            INSERT INTO report_events (report_id, seq, name, trigger, from_state, to_state, actor, actor_role,
                                       at, data)
            SELECT (i - 1) / {EVENTS_PER_REPORT} + 1, (i - 1) % {EVENTS_PER_REPORT} + 1, 'ReportAssigned',
                   {TRIGGERS}, 'assigned', 'assigned', 'bench', 'dispatcher', {BEFORE_T0[dialect]},
                   '{{"opd": "PUPR", "response": "Sudah ditangani."}}'
            FROM seq"""), {"n": REPORTS * EVENTS_PER_REPORT, "t0": t0, "span": SPAN_MINUTES})
        conn.execute(text("ANALYZE"))


def timed(app: Tanggap, hours: int) -> tuple[float, int]:
    query = UpdateQuery(T0 - timedelta(hours=hours), T0)
    samples, found = [], 0
    for _ in range(RUNS):
        started = time.perf_counter()
        found = len(find_updates(app.reader(), query))
        samples.append((time.perf_counter() - started) * 1000)
    return statistics.median(samples), found


def run(name: str, url: str, data_dir: Path) -> None:
    app = make_app(url, data_dir)
    upgrade(app.engine)
    load_reference(app)
    fill(app)
    indexed = {hours: timed(app, hours) for hours in (2, 24)}
    with app.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_report_events_at"))
    scanned = {hours: timed(app, hours) for hours in (2, 24)}
    for hours in (2, 24):
        (fast, n), (slow, _) = indexed[hours], scanned[hours]
        print(f"{name:10} {hours:>2} h window  {n:5} updates  with index {fast:8.2f} ms  "
              f"without {slow:8.2f} ms  ratio {slow / fast:6.1f}x")
    app.engine.dispose()


def main() -> None:
    print(f"{REPORTS * EVENTS_PER_REPORT:,} events over 90 days; median of {RUNS} reads through find_updates")
    with tempfile.TemporaryDirectory() as folder:
        run("sqlite", f"sqlite:///{folder}/bench.db", Path(folder))
        admin = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
        if admin:
            with scratch_postgres(admin) as url:
                run("postgresql", url, Path(folder))


if __name__ == "__main__":
    main()
