"""`tanggap serve` as a real process: cold start and POST-to-assigned latency (see bench/pipeline.py)."""

from __future__ import annotations

import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import requests
from sqlalchemy import create_engine, select, text
from sqlalchemy.orm import Session

from tanggap.db import EventRow

TANGGAP = str(Path(sys.executable).with_name("tanggap"))
BEFORE = {"first start": 26.7, "p50": 2.9, "p95": 5.1}  # measured on main before this design
TARGET = {"first start": 10.0, "p50": 1.5, "p95": 3.0}
FORM = {"service_code": "sampah-menumpuk", "lat": "-10.17", "long": "123.603"}


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Folder:
    def __init__(self, database_url: str | None) -> None:
        self.path = Path(tempfile.mkdtemp(prefix="tanggap-bench-serve-"))
        # Every report comes from this one address: the per-address limit on new reports is lifted.
        self.env = {**os.environ, "TANGGAP_DATA_DIR": str(self.path),
                    "TANGGAP_SUBMISSION_RATE_LIMIT_IP": "100000 per minute"}
        for name in ("TANGGAP_DATABASE_URL", "PREFECT_HOME", "PREFECT_API_URL"):
            self.env.pop(name, None)
        if database_url:
            self.env["TANGGAP_DATABASE_URL"] = database_url
        self.url = database_url or f"sqlite:///{self.path / 'tanggap.db'}"
        began = time.monotonic()
        self._run("db", "upgrade")
        self.upgrade_seconds = time.monotonic() - began
        self._run("seed-demo", "--reports", "0")
        self.key = self._run("api-key", "create", "bench").strip()
        self.sent = 0

    def _run(self, *args: str) -> str:
        return subprocess.run([TANGGAP, *args], env=self.env, check=True, capture_output=True, text=True).stdout

    def start(self) -> tuple[subprocess.Popen[str], str, float]:
        port = free_port()
        self.log = self.path / f"serve-{port}.log"
        with self.log.open("w") as out:
            server = subprocess.Popen([TANGGAP, "serve", "--port", str(port)], env=self.env, stdout=out,
                                      stderr=subprocess.STDOUT, text=True)
        base = f"http://127.0.0.1:{port}"
        while True:
            try:
                requests.get(f"{base}/healthz", timeout=1)
                return server, base, time.monotonic()
            except requests.ConnectionError:
                time.sleep(0.05)

    def post(self, base: str) -> tuple[str, datetime]:
        self.sent += 1
        sent = datetime.now(UTC)
        answer = requests.post(f"{base}/open311/v2/requests.json", timeout=30, data={
            **FORM, "api_key": self.key, "description": f"Sampah menumpuk di Oebobo nomor {self.sent}"})
        answer.raise_for_status()
        return answer.json()[0]["service_request_id"], sent

    def assigned_at(self, report_id: str, within: float = 120) -> datetime:
        engine = create_engine(self.url)
        deadline = time.monotonic() + within
        try:
            while time.monotonic() < deadline:
                with Session(engine) as session:
                    at = session.scalar(select(EventRow.at).where(EventRow.report_id == int(report_id),
                                                                  EventRow.trigger == "assign"))
                if at is not None:
                    return at if at.tzinfo else at.replace(tzinfo=UTC)
                time.sleep(0.05)
        finally:
            engine.dispose()
        raise SystemExit(f"report {report_id} not assigned within {within:.0f} s")


def first_report(folder: Folder) -> tuple[subprocess.Popen[str], str, float]:
    """Start the server, post one report at once, and return how long from answering to assigned."""
    server, base, answering = folder.start()
    rid, _ = folder.post(base)
    folder.assigned_at(rid)
    return server, base, time.monotonic() - answering


def prefect_ready(folder: Folder, within: float = 180) -> None:
    """Until Prefect's server answers, routing runs without orchestration; the warm figures are
    for orchestrated runs, so they wait for it."""
    deadline = time.monotonic() + within
    while "Prefect ready" not in folder.log.read_text():
        if time.monotonic() > deadline:
            raise SystemExit("Prefect's server was not ready in time")
        time.sleep(0.1)


def stop(server: subprocess.Popen[str]) -> None:
    server.terminate()
    server.wait(60)


def warm(folder: Folder, base: str, n: int = 20) -> list[float]:
    sent = []
    for _ in range(n):
        sent.append(folder.post(base))
        time.sleep(0.25)
    return sorted((folder.assigned_at(rid) - at).total_seconds() for rid, at in sent)


def line(label: str, key: str, value: float) -> str:
    target, before = TARGET[key], BEFORE[key]
    return f"  {label:<38} {value:6.2f} s   target < {target:4.1f} s   before {before:5.1f} s   {before / value:5.1f}x"


def bench(label: str, database_url: str | None) -> None:
    folder = Folder(database_url)
    print(f"\n{label}: `tanggap db upgrade` on a fresh folder (with Prefect's database) {folder.upgrade_seconds:.1f} s")
    server, _, fresh = first_report(folder)
    stop(server)
    server, base, second = first_report(folder)
    try:
        prefect_ready(folder)
        waits = warm(folder, base)
    finally:
        stop(server)
    p95 = waits[max(0, round(0.95 * len(waits)) - 1)]
    print(f"  {'':<38} {'now':>8}   {'target':>10}   {'before':>12}   ratio before/now")
    print(line("first report, fresh folder", "first start", fresh))
    print(line("first report, second start", "first start", second))
    print("  (the first reports were routed while Prefect's server was still starting; the warm")
    print("   figures below are orchestrated flow runs, after it answered)")
    print(line("warm POST->assigned p50 (20 @ 0.25 s)", "p50", statistics.median(waits)))
    print(line("warm POST->assigned p95", "p95", p95))
    shutil.rmtree(folder.path, ignore_errors=True)


def serve_figures() -> None:
    print(f"tanggap serve on this machine ({os.cpu_count()} CPUs); first-start target applies to the second start")
    bench("SQLite", None)
    pg = os.environ.get("TANGGAP_TEST_POSTGRES_URL")
    if pg:
        name = f"bench_{os.getpid()}"
        admin = create_engine(pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            bench("PostgreSQL", pg.rsplit("/", 1)[0] + f"/{name}")
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE "{name}" WITH (FORCE)'))
            admin.dispose()
    else:
        print("\nPostgreSQL: skipped (set TANGGAP_TEST_POSTGRES_URL)")
