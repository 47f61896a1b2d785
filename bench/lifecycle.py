"""Persisted lifecycle transitions per second, on SQLite and (when configured) PostgreSQL.

Each ticket goes classify -> assign -> respond -> close through the real service layer, the real
`transitions` machine and the real database, with its SLA clocks started and stopped on the way.
The baseline is one command per transaction (what a web request does); the batched runs put a
batch of tickets' commands in one transaction (what a flow does). Run: .venv/bin/python bench/lifecycle.py [--tickets N]
Set TANGGAP_TEST_POSTGRES_URL to include PostgreSQL; a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Replace the script folder on the path: bench/calendar.py would shadow the standard library.
sys.path[0] = str(Path(__file__).resolve().parents[1])


from tanggap import commands as c  # noqa: E402
from tanggap.bootstrap import Tanggap, bootstrap  # noqa: E402
from tanggap.clock import FrozenClock  # noqa: E402
from tanggap.config import Settings  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402

T0 = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
STEPS: list[Callable[[int], c.Command]] = [
    lambda rid: c.ClassifyReport(rid, "dispatcher", category="jalan-rusak"),
    lambda rid: c.AssignReport(rid, "dispatcher", officer="pupr.officer"),
    lambda rid: c.RespondReport(rid, "pupr.officer", response="Lubang sudah ditambal"),
    lambda rid: c.CloseReport(rid, "citizen"),
]


def prepared(url: str, folder: Path) -> Tanggap:
    app = bootstrap(Settings(data_dir=folder, database_url=url), clock=FrozenClock(T0), pause_collector=True)
    upgrade(app.engine)
    app.handle_batch(
        [
            c.DefineOpd("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
            c.DefineCategory("jalan-rusak", "Jalan rusak/berlubang", "PUPR"),
            c.CreateUser("dispatcher", "dispatcher", "Dispatcher", None, "bench-password"),
            c.CreateUser("pupr.officer", "opd_officer", "Officer", "PUPR", "bench-password"),
            c.CreateUser("spv", "supervisor", "Supervisor", None, "bench-password"),
        ]
    )
    # Real SLA work on every transition: office hours with Indonesian holidays, three metrics.
    office = {
        "timezone": "Asia/Makassar",
        "hours": {d: ["08:00-16:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
        "holidays": {"country": "ID", "categories": ["public", "government"]},
    }
    app.handle(c.DefineCalendar("kantor", office, "spv"))
    since = T0 - timedelta(days=30)
    app.handle_batch(
        [
            c.DefineRule("spv", metric, days, "working_days", "kantor", effective_from=since)
            for metric, days in (("dispatch", 3), ("response", 5), ("resolution", 14))
        ]
    )
    return app


def submitted(app: Tanggap, n: int) -> list[int]:
    cmd = c.SubmitReport("Jalan berlubang di depan pasar", "jalan-rusak", -10.16, 123.59)
    ids: list[int] = []
    for start in range(0, n, 500):
        ids += app.handle_batch([cmd] * min(500, n - start))
    return ids


def one_per_transaction(app: Tanggap, ids: list[int]) -> float:
    began = time.perf_counter()
    for step in STEPS:
        for rid in ids:
            app.handle(step(rid))
    return time.perf_counter() - began


def batched(app: Tanggap, ids: list[int], size: int) -> float:
    began = time.perf_counter()
    for step in STEPS:
        for start in range(0, len(ids), size):
            outcomes = app.handle_batch([step(rid) for rid in ids[start : start + size]])
            failed = [o for o in outcomes if isinstance(o, Exception)]
            assert not failed, failed[:3]
    return time.perf_counter() - began


def measure(url: str, folder: Path, tickets: int) -> list[tuple[str, float]]:
    app = prepared(url, folder)
    rows = [
        ("1 command per transaction", len(STEPS) * (n := tickets // 4) / one_per_transaction(app, submitted(app, n)))
    ]
    for size in (16, 64, 256):
        ids = submitted(app, tickets)
        rows.append((f"batches of {size} tickets", len(STEPS) * tickets / batched(app, ids, size)))
    app.engine.dispose()
    return rows


def report(backend: str, rows: list[tuple[str, float]]) -> None:
    baseline = rows[0][1]
    print(f"\n{backend}")
    print(f"  {'mode':<28} {'transitions/s':>14} {'vs baseline':>12}")
    for mode, rate in rows:
        print(f"  {mode:<28} {rate:>14,.0f} {rate / baseline:>11.1f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tickets", type=int, default=2048, help="tickets per batched run")
    args = parser.parse_args()
    print(f"{args.tickets} tickets x {len(STEPS)} transitions per batched run; the baseline uses a quarter")
    with tempfile.TemporaryDirectory() as tmp:
        report("SQLite (file, WAL)", measure(f"sqlite:///{Path(tmp) / 'bench.db'}", Path(tmp), args.tickets))
        pg = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
        if pg:
            with scratch_postgres(pg) as url:
                report("PostgreSQL", measure(url, Path(tmp), args.tickets))
        else:
            print("\nPostgreSQL: skipped (set TANGGAP_TEST_POSTGRES_URL)")


if __name__ == "__main__":
    main()
