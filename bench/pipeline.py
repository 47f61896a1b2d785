"""Reports through the pipeline, measured on `tanggap serve` as a real process.

By default it prints, beside the targets and the figures measured before the families had their
own workers (26.7 s first start; p50 2.9 s, p95 5.1 s):
- cold start: from the server answering to the first report assigned, on a fresh data folder
  (after `tanggap db upgrade`, which prepares Prefect's database) and on the second start;
- warm p50 and p95 from an Open311 POST to the report assigned, 20 reports 0.25 s apart;
on SQLite, and on PostgreSQL too when TANGGAP_TEST_POSTGRES_URL is set.
With --throughput it prints reports/s through `process_reports` in batches of 1, 16 and 64 against
one flow run per report (the ONNX tagger on 640x480 JPEGs, SQLite).
Run: .venv/bin/python bench/pipeline.py [--throughput] [--reports 128]
"""

from __future__ import annotations

import argparse
import io
import itertools
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

# Replace the script folder on the path: bench/calendar.py would shadow the standard library.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from workflows.environment import configure  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="tanggap-bench-"))
configure(TMP)

from PIL import Image  # noqa: E402
from prefect import flow  # noqa: E402

from tanggap import commands as c  # noqa: E402
from tanggap.bootstrap import Tanggap, bootstrap  # noqa: E402
from tanggap.config import PipelineSettings, Settings  # noqa: E402
from tanggap.infrastructure.storage import LocalPhotoStorage, prepare_photo  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tanggap.reports.views import report_detail  # noqa: E402
from workflows import deps  # noqa: E402
from workflows.environment import without_heartbeats  # noqa: E402
from workflows.flows import process_reports, warm_up  # noqa: E402
from workflows.runner import Runner, embedded_launcher  # noqa: E402


def photo(seed: int) -> bytes:
    """A sharp, well-exposed 640x480 pattern that differs per seed (so no two look like duplicates)."""
    base = Image.radial_gradient("L").resize((640, 480)).rotate(seed * 37 % 360)
    noise = Image.effect_noise((640, 480), 30)
    image = Image.merge("RGB", (base, noise, Image.linear_gradient("L").resize((640, 480)).rotate(seed * 11)))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


def prepared() -> Tanggap:
    app = bootstrap(Settings(data_dir=TMP, database_url=f"sqlite:///{TMP / 'bench.db'}"))
    upgrade(app.engine)
    app.handle_batch([
        c.DefineOpd("DLHK", "Dinas Lingkungan Hidup dan Kebersihan", "DLHK"),
        c.DefineCategory("sampah-menumpuk", "Sampah menumpuk", "DLHK"),
        c.CreateUser("spv", "supervisor", "Pengawas", None, "bench-password"),
    ])
    app.handle(c.DefineCalendar("24-7", {"timezone": "Asia/Makassar", "hours": "always"}, "spv"))
    for metric in ("dispatch", "response", "resolution"):
        app.handle(c.DefineRule("spv", metric, 4, "working_hours", "24-7"))
    deps.use(deps.from_environment(app))
    deps.current().photos = LocalPhotoStorage(TMP / "photos")
    deps.current().pipeline = PipelineSettings()
    return app


SEEN = itertools.count()


def submit(app: Tanggap, n: int) -> list[int]:
    """`n` reports, each with its own photo and place, so none looks like another's duplicate."""
    photos = deps.current().photos
    ids = []
    for i in (next(SEEN) for _ in range(n)):
        key = photos.put(prepare_photo(photo(i), 10_000_000, 50_000_000)).original_key
        lat, lon = -10.2 + (i % 100) * 1e-3, 123.55 + (i // 100) * 1e-3
        ids.append(app.handle(c.SubmitReport(f"Sampah menumpuk {i}", "sampah-menumpuk", lat, lon, photo=key)))
    return ids


def drain(limit: int) -> float:
    began = time.perf_counter()
    while process_reports(limit=limit)["claimed"]:
        pass
    return time.perf_counter() - began


@flow(name="process-one-report")
def process_one(report_id: int) -> dict[str, int]:
    """The naive design: one flow run per report (claims a batch of one)."""
    return process_reports.fn(limit=1)


def naive(ids: list[int]) -> float:
    began = time.perf_counter()
    for rid in ids:
        process_one(rid)
    return time.perf_counter() - began


def latency(app: Tanggap, n: int) -> list[float]:
    runner = Runner(app, embedded_launcher(), poll_seconds=1.0, batch_size=64)
    thread = threading.Thread(target=runner.loop, kwargs={"warm_up": False}, daemon=True)
    thread.start()
    ids = []
    for _ in range(n):
        ids += submit(app, 1)
        time.sleep(0.25)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and any(report_detail(app.uow(), r)["state"] != "assigned" for r in ids):
        time.sleep(0.2)
    runner.stop_event.set()
    thread.join()
    stuck = [r for r in ids if report_detail(app.uow(), r)["state"] != "assigned"]
    if stuck:
        raise SystemExit(f"reports not assigned: {stuck}")
    with app.uow() as uow:
        stamps = [{e.name: e.at for e in uow.reports.events(rid)} for rid in ids]
    return [(s["ReportAssigned"] - s["ReportSubmitted"]).total_seconds() for s in stamps]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=128)
    parser.add_argument("--throughput", action="store_true")
    args = parser.parse_args()
    if not args.throughput:
        from bench.serve_latency import serve_figures

        serve_figures()
        return
    app = prepared()
    with without_heartbeats():
        began = time.perf_counter()
        warm_up()
        print(f"Prefect temporary server ready in {time.perf_counter() - began:.1f} s (once per process)")
        print(f"tagger: {deps.current().tagger.health()['status']}; {args.reports} reports per run, 640x480 JPEGs\n")
        rates = {}
        for batch in (1, 16, 64):
            submit(app, args.reports)
            rates[batch] = args.reports / drain(batch)
            print(f"  process_reports, batches of {batch:>2}: {rates[batch]:7.1f} reports/s")
        few = max(16, args.reports // 4)
        ids = submit(app, few)
        naive_rate = few / naive(ids)
        print(f"  one flow run per report:        {naive_rate:7.1f} reports/s")
        print(f"\n  batches of 64 vs one run per report: {rates[64] / naive_rate:.1f}x")
        waits = sorted(latency(app, 30))
    p95 = waits[max(0, round(0.95 * len(waits)) - 1)]
    print(f"\nembedded runner, submission to assigned over {len(waits)} reports: "
          f"p50 {statistics.median(waits):.2f} s, p95 {p95:.2f} s")


if __name__ == "__main__":
    main()
