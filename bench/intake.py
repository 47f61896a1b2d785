"""Open311 submissions per second with a ~200 KB photo, against the real server on loopback.

Each POST is multipart with a distinct ~200 KB JPEG (so every photo is checked, stripped and
written), committed with its report, event, SLA clocks and outbox rows before the answer. The same
server answering a trivial endpoint gives the ratio. Servers: gunicorn with 2 worker processes,
and waitress with 1 process and 4 threads, on SQLite (and PostgreSQL with --postgres-url).

Run: .venv/bin/python bench/intake.py [--requests N] [--concurrency C] [--postgres-url URL]
"""

from __future__ import annotations

import sys
from pathlib import Path

# First of all: replace the script folder on the path, or bench/calendar.py would shadow the
# standard library's calendar (http.client imports it).
ROOT = Path(__file__).resolve().parents[1]
sys.path[0] = str(ROOT)

import argparse  # noqa: E402
import http.client  # noqa: E402
import os  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
import uuid  # noqa: E402
from collections.abc import Callable, Iterator  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from contextlib import contextmanager  # noqa: E402
from dataclasses import dataclass  # noqa: E402

from tanggap import commands as c  # noqa: E402
from tanggap.bootstrap import bootstrap  # noqa: E402
from tanggap.config import Settings  # noqa: E402
from tanggap.intake import IssueApiKey  # noqa: E402
from tanggap.migrate import upgrade  # noqa: E402
from tests.fixtures.intake.photos import jpeg_of_about  # noqa: E402
from tests.scratch_db import scratch_postgres  # noqa: E402

BIN = Path(sys.executable).parent
BOUNDARY = "tanggap-bench-boundary"
REFERENCE = [
    c.DefineOpd("PUPR", "Dinas Pekerjaan Umum dan Penataan Ruang", "Dinas PUPR"),
    c.DefineCategory("jalan-rusak", "Jalan rusak/berlubang", "PUPR", keywords=("berlubang",)),
]


@dataclass(frozen=True)
class Run:
    label: str
    seconds: float
    latencies: list[float]
    failures: int

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.seconds

    def quantile(self, q: float) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    def line(self) -> str:
        return (f"{self.label:<44} {self.rate:8.1f} req/s   p50 {self.quantile(0.5):6.1f} ms   "
                f"p99 {self.quantile(0.99):6.1f} ms   failures {self.failures}")  # fmt: skip


def prepare(database_url: str, data_dir: Path) -> str:
    """A migrated database with one category and a client key; returns the key."""
    app = bootstrap(Settings(data_dir=data_dir, database_url=database_url), pause_collector=True)
    upgrade(app.engine)
    for cmd in REFERENCE:
        app.handle(cmd)
    key: str = app.handle(IssueApiKey(f"bench-{uuid.uuid4().hex[:6]}"))
    app.engine.dispose()
    return key


def multipart(key: str, photo: bytes, n: int) -> bytes:
    fields = {"api_key": key, "service_code": "jalan-rusak", "lat": "-10.1605", "long": "123.6135",
              "description": f"Jalan berlubang nomor {n} di Jl. El Tari", "attribute[severity]": "sedang"}  # fmt: skip
    parts = [f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]  # fmt: skip
    head = (f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="media"; filename="foto.jpg"\r\n'
            "Content-Type: image/jpeg\r\n\r\n").encode()  # fmt: skip
    return b"".join([*parts, head, unique(photo, n), f"\r\n--{BOUNDARY}--\r\n".encode()])


def unique(photo: bytes, n: int) -> bytes:
    """The same picture with a distinct comment segment: a different file to check and store."""
    comment = f"bench photo {n}".encode()
    return photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photo[2:]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def server(command: list[str], env: dict[str, str], port: int) -> Iterator[None]:
    process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        wait_until_up(port, process)
        yield
    finally:
        process.terminate()
        process.wait(timeout=30)


def wait_until_up(port: int, process: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"server exited: {process.stderr.read().decode() if process.stderr else ''}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError("server did not start within 30 s")


Request = Callable[[http.client.HTTPConnection, int], int]


def drive(port: int, label: str, request: Request, total: int, concurrency: int) -> Run:
    """`total` requests from `concurrency` threads, each on its own kept-alive connection."""
    local = threading.local()
    latencies: list[float] = []
    failures = 0
    lock = threading.Lock()

    def one(n: int) -> None:
        nonlocal failures
        if not hasattr(local, "conn"):
            local.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        started = time.perf_counter()
        try:
            status = request(local.conn, n)
        except (OSError, http.client.HTTPException):
            local.conn.close()
            status = 0
        elapsed = time.perf_counter() - started
        with lock:
            if 200 <= status < 300:
                latencies.append(elapsed)
            else:
                failures += 1

    started = time.perf_counter()
    with ThreadPoolExecutor(max_workers=concurrency) as pool:
        list(pool.map(one, range(total)))
    return Run(label, time.perf_counter() - started, latencies, failures)


def poster(bodies: list[bytes]) -> Request:
    def request(conn: http.client.HTTPConnection, n: int) -> int:
        conn.request("POST", "/open311/v2/requests.json", body=bodies[n % len(bodies)],
                     headers={"Content-Type": f"multipart/form-data; boundary={BOUNDARY}"})  # fmt: skip
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def getter(path: str) -> Request:
    def request(conn: http.client.HTTPConnection, n: int) -> int:
        conn.request("GET", path)
        response = conn.getresponse()
        response.read()
        return response.status

    return request


def bench_server(name: str, command: list[str], env: dict[str, str], port: int, bodies: list[bytes],
                 args: argparse.Namespace) -> list[Run]:  # fmt: skip
    with server(command, env, port):
        drive(port, "warm-up", poster(bodies[-50:]), 50, args.concurrency)
        posts = drive(port, f"{name}: POST requests.json + 200 KB photo", poster(bodies), args.requests,
                      args.concurrency)  # fmt: skip
        health = drive(port, f"{name}: GET /healthz", getter("/healthz"), args.requests, args.concurrency)
        services = drive(port, f"{name}: GET services.json", getter("/open311/v2/services.json"), args.requests,
                         args.concurrency)  # fmt: skip
    return [posts, health, services]


def commands(port: int) -> dict[str, list[str]]:
    return {
        "gunicorn, 2 workers": [str(BIN / "gunicorn"), "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning",
                                "web.app:create_app()"],
        "waitress, 1 process x 4 threads": [sys.executable, "-m", "web.wsgi", "--port", str(port), "--threads", "4"],
    }  # fmt: skip


def bench_database(label: str, url: str, data_dir: Path, args: argparse.Namespace) -> None:
    key = prepare(url, data_dir)
    photo = jpeg_of_about(200)
    bodies = [multipart(key, photo, n) for n in range(args.requests + 50)]
    unlimited = "1000000 per minute"
    env = {**os.environ, "TANGGAP_DATA_DIR": str(data_dir), "TANGGAP_DATABASE_URL": url,
           "TANGGAP_RATE_LIMIT_IP": unlimited, "TANGGAP_RATE_LIMIT_API_KEY": unlimited,
           "TANGGAP_SUBMISSION_RATE_LIMIT_IP": unlimited}  # fmt: skip
    print(f"\n{label}: {args.requests} requests per run, {args.concurrency} client threads, "
          f"photo {len(photo) / 1024:.0f} KB")  # fmt: skip
    for name, command in commands(port := free_port()).items():
        posts, health, services = bench_server(name, command, env, port, bodies, args)
        for run in (posts, health, services):
            print("  " + run.line())
        print(f"  {name}: POST rate / GET /healthz rate = {posts.rate / health.rate:.2f}; "
              f"POST rate / GET services.json rate = {posts.rate / services.rate:.2f}")  # fmt: skip
        bodies = [multipart(key, photo, n + len(bodies)) for n in range(len(bodies))]  # fresh photos per server


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--requests", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=4)
    parser.add_argument("--postgres-url", default=os.environ.get("TANGGAP_TEST_POSTGRES_URL"))
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; target: >= 300 POST/s with p99 < 100 ms")
    with tempfile.TemporaryDirectory() as folder:
        bench_database("SQLite", f"sqlite:///{folder}/tanggap.db", Path(folder), args)
    if args.postgres_url:
        with tempfile.TemporaryDirectory() as folder, scratch_postgres(args.postgres_url) as url:
            bench_database("PostgreSQL", url, Path(folder), args)


if __name__ == "__main__":
    main()
