"""Reports through the pipeline, measured on `tanggap serve` as a real process.

By default it prints, beside the targets and the figures measured before the families had their
own workers (26.7 s first start; p50 2.9 s, p95 5.1 s):
- cold start: from the server answering to the first report assigned, on a fresh data folder
  (after `tanggap db upgrade`, which prepares Prefect's database) and on the second start;
- warm p50 and p95 from an Open311 POST to the report assigned, 20 reports 0.25 s apart;
on SQLite, and on PostgreSQL too when TANGGAP_TEST_POSTGRES_URL is set.
With --throughput it prints reports/s through `process_reports` in batches of 1, 16 and 64 against
one flow run per report (the ONNX tagger on 640x480 JPEGs, SQLite).
With --server-mode it starts server mode as real processes (a Prefect server on loopback,
`prefect deploy --all` from prefect.yaml, a process worker, `tanggap serve` with
TANGGAP_PREFECT_MODE=server) and prints the first report's time from `tanggap serve` answering to
assigned, p50/p95 from an Open311 POST to assigned over 20 reports 2 s apart (target p95 < 10 s;
6-14 s before), and whether `tanggap serve` logged a traceback at start; on SQLite, and on
PostgreSQL too when TANGGAP_TEST_POSTGRES_URL is set. Every process it starts is ended on exit.
Run: .venv/bin/python bench/pipeline.py [--throughput] [--reports 128] [--server-mode]
"""

from __future__ import annotations

import argparse
import io
import itertools
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

# Replace the script folder on the path: bench/calendar.py would shadow the standard library.
sys.path[0] = str(Path(__file__).resolve().parents[1])

from workflows.environment import configure  # noqa: E402

TMP = Path(tempfile.mkdtemp(prefix="tanggap-bench-"))
configure(TMP)

import requests  # noqa: E402
from PIL import Image  # noqa: E402
from prefect import flow  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from bench.serve_latency import TANGGAP, Folder, free_port  # noqa: E402
from tanggap import commands as c  # noqa: E402
from tanggap.bootstrap import Tanggap, bootstrap  # noqa: E402
from tanggap.config import PipelineSettings, Settings  # noqa: E402
from tanggap.infrastructure.storage import LocalPhotoStorage, prepare_photo  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tanggap.reports.views import report_detail  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402
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
    while time.monotonic() < deadline and any(report_detail(app.reader(), r)["state"] != "assigned" for r in ids):
        time.sleep(0.2)
    runner.stop_event.set()
    thread.join()
    stuck = [r for r in ids if report_detail(app.reader(), r)["state"] != "assigned"]
    if stuck:
        raise SystemExit(f"reports not assigned: {stuck}")
    with app.uow() as uow:
        stamps = [{e.name: e.at for e in uow.reports.events(rid)} for rid in ids]
    return [(s["ReportAssigned"] - s["ReportSubmitted"]).total_seconds() for s in stamps]


ROOT = Path(__file__).resolve().parents[1]
PREFECT = str(Path(sys.executable).with_name("prefect"))
SERVER_BEFORE = "6-14 s"  # POST->assigned in server mode before, reports 2 s apart, on PostgreSQL
SERVER_TARGET_P95 = 10.0


class Processes:
    """Every process the server-mode bench starts, each in its own session, so that ending its
    process group also ends what it started (a worker's flow-run processes)."""

    def __init__(self) -> None:
        self.started: list[subprocess.Popen[bytes]] = []

    def spawn(self, args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
        with log.open("w") as out:
            process = subprocess.Popen(args, env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                       start_new_session=True)
        self.started.append(process)
        return process

    def __enter__(self) -> Processes:
        return self

    def __exit__(self, *_: object) -> None:
        for process in reversed(self.started):
            end(process)


def end(process: subprocess.Popen[bytes], grace: float = 20) -> int:
    """SIGTERM, then SIGKILL after `grace` seconds; then SIGKILL to whatever is left in its group."""
    if process.poll() is None:
        _signal_group(process, signal.SIGTERM)
        try:
            process.wait(grace)
        except subprocess.TimeoutExpired:
            _signal_group(process, signal.SIGKILL)
            process.wait(30)
    _signal_group(process, signal.SIGKILL)
    return process.returncode


def _signal_group(process: subprocess.Popen[bytes], signum: int) -> None:
    with suppress(ProcessLookupError):
        os.killpg(process.pid, signum)  # the group is the process's own session (start_new_session)


def _interrupted(signum: int, _: FrameType | None) -> None:
    raise KeyboardInterrupt(f"signal {signum}")


def wait_until(ready: Callable[[], bool], within: float, what: str, watched: subprocess.Popen[bytes]) -> float:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if watched.poll() is not None:
            raise SystemExit(f"{what}: the process exited with status {watched.returncode}")
        if ready():
            return time.monotonic()
        time.sleep(0.05)
    raise SystemExit(f"{what}: not ready within {within:.0f} s")


def answers(url: str) -> bool:
    try:
        requests.get(url, timeout=2)
    except requests.RequestException:
        return False
    return True


def prefect_cli(env: dict[str, str], *args: str) -> None:
    result = subprocess.run([PREFECT, *args], env=env, cwd=ROOT, capture_output=True, text=True, timeout=300,
                            check=False)
    if result.returncode:
        raise SystemExit(f"prefect {' '.join(args)} failed:\n{result.stdout}{result.stderr}")


def server_env(folder: Folder, prefect_database: str) -> dict[str, str]:
    # The reports stand for many citizens but all come from loopback: lift the per-address limit.
    return {**folder.env, "TANGGAP_SUBMISSION_RATE_LIMIT_IP": "1000 per minute",
            "PREFECT_HOME": str(folder.path / "prefect-server"),
            "PREFECT_API_URL": f"http://127.0.0.1:{free_port()}/api",
            "PREFECT_API_DATABASE_CONNECTION_URL": prefect_database, "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
            "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING", "TANGGAP_HOME": str(ROOT),
            "TANGGAP_DATABASE_URL": folder.url, "TANGGAP_PREFECT_MODE": "server",
            # As the README's server-mode setup: the worker asks for work every second.
            "PREFECT_WORKER_QUERY_SECONDS": os.environ.get("PREFECT_WORKER_QUERY_SECONDS", "1")}


def start_server_mode(procs: Processes, folder: Folder, env: dict[str, str]) -> float:
    """The Prefect server, the deployments and a process worker; returns the seconds it took."""
    began = time.monotonic()
    api = env["PREFECT_API_URL"]
    port = api.rsplit(":", 1)[1].split("/")[0]
    server = procs.spawn([PREFECT, "server", "start", "--host", "127.0.0.1", "--port", port], env,
                         folder.path / "prefect-server.log")
    wait_until(lambda: answers(f"{api}/health"), 180, "Prefect's server", server)
    prefect_cli(env, "work-pool", "create", "tanggap", "--type", "process")
    prefect_cli(env, "--no-prompt", "deploy", "--all")
    procs.spawn([PREFECT, "worker", "start", "--pool", "tanggap", "--limit", "4"], env,
                folder.path / "worker.log")
    return time.monotonic() - began


def tracebacks(log: str) -> str:
    return "none" if "Traceback" not in log else log[log.index("Traceback"):][:2000]


def server_mode_bench(label: str, tanggap_database: str | None, prefect_database: str) -> None:
    folder = Folder(tanggap_database)
    env = server_env(folder, prefect_database)
    serve_log = folder.path / "serve.log"
    with Processes() as procs:
        setup = start_server_mode(procs, folder, env)
        port = free_port()
        serve = procs.spawn([TANGGAP, "serve", "--port", str(port)], env, serve_log)
        base = f"http://127.0.0.1:{port}"
        answering = wait_until(lambda: answers(f"{base}/healthz"), 120, "tanggap serve", serve)
        rid, _ = folder.post(base)
        folder.assigned_at(rid, within=300)
        first = time.monotonic() - answering
        at_start = serve_log.read_text()
        waits = spaced(folder, base, 20, 2.0)
        status = end(serve, grace=60)
    full_log = serve_log.read_text()
    print_server_mode(label, setup, first, waits, at_start)
    print(f"  `tanggap serve` on SIGTERM: exit status {status}; traceback in its whole log: "
          f"{'none' if 'Traceback' not in full_log else 'yes, see ' + str(serve_log)}")
    if "Traceback" not in full_log:
        shutil.rmtree(folder.path, ignore_errors=True)


def spaced(folder: Folder, base: str, n: int, apart: float) -> list[float]:
    sent = []
    for _ in range(n):
        sent.append(folder.post(base))
        time.sleep(apart)
    return sorted((folder.assigned_at(rid, within=300) - at).total_seconds() for rid, at in sent)


def print_server_mode(label: str, setup: float, first: float, waits: list[float], at_start: str) -> None:
    p95 = waits[max(0, round(0.95 * len(waits)) - 1)]
    print(f"\n{label}: Prefect server, `prefect deploy --all` and a process worker ready in {setup:.1f} s")
    print(f"  first report, `tanggap serve` answering -> assigned   {first:6.2f} s   (before: the first batch took"
          " over a minute)")
    print(f"  POST->assigned p50 (20 @ 2 s)                        {statistics.median(waits):6.2f} s   "
          f"before {SERVER_BEFORE}")
    print(f"  POST->assigned p95                                   {p95:6.2f} s   target < {SERVER_TARGET_P95:.1f} s"
          f"   before {SERVER_BEFORE}   {'met' if p95 < SERVER_TARGET_P95 else 'NOT met'}")
    print(f"  min {waits[0]:.2f} s, max {waits[-1]:.2f} s")
    print(f"  traceback in `tanggap serve`'s log at start: {tracebacks(at_start)}")


def server_mode_figures() -> None:
    print(f"server mode on this machine ({os.cpu_count()} CPUs); worker polls every "
          f"{os.environ.get('PREFECT_WORKER_QUERY_SECONDS', '1')} s, as the README sets it")
    signal.signal(signal.SIGTERM, _interrupted)
    with tempfile.TemporaryDirectory(prefix="tanggap-bench-prefect-") as scratch:
        server_mode_bench("SQLite", None, f"sqlite+aiosqlite:///{scratch}/prefect.db")
    admin = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
    if not admin:
        print("\nPostgreSQL: skipped (set TANGGAP_TEST_POSTGRES_URL)")
        return
    with postgres_pair(admin) as (tanggap_database, prefect_database):
        server_mode_bench("PostgreSQL", tanggap_database, prefect_database)


@contextmanager
def postgres_pair(admin: str) -> Iterator[tuple[str, str]]:
    """Scratch databases for Tanggap and for Prefect's server (asyncpg), dropped afterwards."""
    with scratch_postgres(admin) as tanggap_database, scratch_postgres(admin, "tanggap_bench_prefect") as prefect:
        yield tanggap_database, make_url(prefect).set(drivername="postgresql+asyncpg").render_as_string(
            hide_password=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reports", type=int, default=128)
    parser.add_argument("--throughput", action="store_true")
    parser.add_argument("--server-mode", action="store_true")
    args = parser.parse_args()
    if args.server_mode:
        server_mode_figures()
        return
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
