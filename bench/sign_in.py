"""Sign-in: what a refusal costs for a real, an inactive and an unknown name (the unknown/real
ratio must stay near 1.00, or timing tells names apart), and what throttling lets through when
guesses arrive in parallel or from many addresses.

Run: .venv/bin/python bench/sign_in.py; set TANGGAP_TEST_POSTGRES_URL to add PostgreSQL.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path[0] = str(Path(__file__).resolve().parents[1])  # bench/calendar.py would shadow the stdlib

import os  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402

from tanggap import commands as c  # noqa: E402
from tanggap.bootstrap import Tanggap  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tanggap.staff import handlers as staff  # noqa: E402
from tests.conftest import load_reference, make_app  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402

RUNS = 30
PARALLEL = 50


def refusal_ms(app: Tanggap, name: str, run: int) -> float:
    started = time.perf_counter()
    app.handle(staff.LogIn(name, "tebakan-salah", f"198.51.{run // 200}.{run % 200}"))
    return (time.perf_counter() - started) * 1000


def measure(label: str, app: Tanggap) -> None:
    upgrade(app.engine)
    load_reference(app)
    app.handle(c.CreateUser("bench.real", "hr", "Bench", None, "benar-sekali-2026"))
    app.handle(c.CreateUser("bench.closed", "hr", "Bench", None, "benar-sekali-2026"))
    app.handle(staff.DeactivateUser("admin", "bench.closed"))
    names = {"real (baseline)": "bench.real", "inactive": "bench.closed", "unknown": "bench.nobody"}
    refusal_ms(app, "bench.real", 9999)
    times: dict[str, list[float]] = {k: [] for k in names}
    for run in range(RUNS):
        for kind, name in names.items():
            times[kind].append(refusal_ms(app, name, run))
    base = statistics.median(times["real (baseline)"])
    print(f"\n{label}: median refusal of {RUNS} attempts each")
    for kind, found in times.items():
        print(f"  {kind:<16} {statistics.median(found):7.1f} ms   x{statistics.median(found) / base:.3f}")
    throttling(app)


def throttling(app: Tanggap) -> None:
    app.handle(c.CreateUser("bench.target", "hr", "Bench", None, "benar-sekali-2026"))
    barrier = threading.Barrier(PARALLEL)

    def guess(_n: int) -> bool:
        barrier.wait()
        return bool(app.handle(staff.LogIn("bench.target", "tebakan", "203.0.113.9")).locked)

    started = time.perf_counter()
    with ThreadPoolExecutor(PARALLEL) as pool:
        locked = sum(pool.map(guess, range(PARALLEL)))
    elapsed = time.perf_counter() - started
    print(f"  {PARALLEL} parallel guesses from one address: {PARALLEL - locked} passwords checked, "
          f"{locked} refused unread ({elapsed:.2f} s)")
    spread = [app.handle(staff.LogIn("bench.spread", "tebakan", f"10.{n // 250}.{n % 250}.1")).locked
              for n in range(staff.ACCOUNT_FAILURES + 20)]
    print(f"  {len(spread)} guesses from as many addresses: {spread.count(False)} checked, "
          f"{spread.count(True)} held back by the per-account back-off "
          f"({staff.ACCOUNT_BACKOFF.total_seconds():.0f} s between attempts)")


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        measure("SQLite (file, WAL)", make_app(f"sqlite:///{Path(folder) / 'bench.db'}", Path(folder)))
        if os.environ.get("TANGGAP_TEST_POSTGRES_URL"):
            with scratch_postgres(os.environ["TANGGAP_TEST_POSTGRES_URL"]) as url:
                measure("PostgreSQL", make_app(url, Path(folder)))
