"""`tanggap serve` as a real process tree under faults: SIGTERM, SIGKILL mid-burst with clients
retrying, and a photo server trickling a byte a second while reports keep being routed."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session

from tanggap.db import BreachRow, EventRow, OutboxRow, ReportRow
from tanggap.intake.tables import IdempotencyKeyRow
from tests.conftest import PG_ENV, fresh_postgres_database
from tests.fixtures.intake.servers import raw_server, trickle
from tests.fixtures.serve import wait_answering

TANGGAP = str(Path(sys.executable).with_name("tanggap"))
FORM = {"service_code": "sampah-menumpuk", "lat": "-10.17", "long": "123.603"}
pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def folder(tmp_path: Path) -> Iterator[dict[str, str]]:
    yield _prepared(tmp_path, None)


def _prepared(tmp_path: Path, database_url: str | None) -> dict[str, str]:
    env = {**os.environ, "TANGGAP_DATA_DIR": str(tmp_path), "TANGGAP_POLL_SECONDS": "0.5",
           "TANGGAP_MEDIA_FETCH_ALLOW_PRIVATE": "1", "TANGGAP_MEDIA_FETCH_TIMEOUT": "3",
           "TANGGAP_CLAIM_LEASE_SECONDS": "5", "TANGGAP_SWEEP_SECONDS": "2",
           # The bursts come from one loopback address: the per-address limit on new reports is lifted.
           "TANGGAP_SUBMISSION_RATE_LIMIT_IP": "100000 per minute"}
    for name in ("TANGGAP_DATABASE_URL", "PREFECT_HOME", "PREFECT_API_URL"):
        env.pop(name, None)
    if database_url:
        env["TANGGAP_DATABASE_URL"] = database_url
    for args in (["db", "upgrade"], ["seed-demo", "--reports", "0"]):
        subprocess.run([TANGGAP, *args], env=env, check=True, capture_output=True)
    env["API_KEY"] = subprocess.run([TANGGAP, "api-key", "create", "uji-gangguan"], env=env, check=True,
                                    capture_output=True, text=True).stdout.strip()
    return env


class Served:
    def __init__(self, env: dict[str, str]) -> None:
        self.env, self.port = env, free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen([TANGGAP, "serve", "--port", str(self.port)], env=env,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        wait_answering(self.url)

    def prefect_pid(self, wait: float = 60) -> int:
        pid_file = Path(self.env["TANGGAP_DATA_DIR"]) / "prefect" / "server.pid"
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            if pid_file.exists() and pid_file.read_text().strip():
                return int(pid_file.read_text().split()[0])
            time.sleep(0.2)
        raise TimeoutError("no Prefect server pid file")


@contextmanager
def serving(env: dict[str, str]) -> Iterator[Served]:
    served = Served(env)
    try:
        yield served
    finally:
        if served.process.poll() is None:
            served.process.send_signal(signal.SIGTERM)
            served.process.communicate(timeout=60)


def alive(pid: int) -> bool:
    try:
        return b"prefect.server.api.server" in Path(f"/proc/{pid}/cmdline").read_bytes() and \
            "\nState:\tZ" not in Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False


def gone_within(pid: int, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not alive(pid):
            return True
        time.sleep(0.2)
    return False


def post(served: Served, key: str, text: str, **extra: str) -> requests.Response:
    data = {**FORM, "api_key": served.env["API_KEY"], "description": text, **extra}
    return requests.post(f"{served.url}/open311/v2/requests.json", data=data, headers={"Idempotency-Key": key},
                         timeout=30)


def states(env: dict[str, str], ids: list[str]) -> list[str]:
    with Session(_engine(env)) as session:
        found = dict(session.execute(select(ReportRow.id, ReportRow.state).where(
            ReportRow.id.in_([int(i) for i in ids]))).all())
    return [found.get(int(i), "missing") for i in ids]


def _engine(env: dict[str, str]) -> Any:
    return create_engine(env.get("TANGGAP_DATABASE_URL") or f"sqlite:///{env['TANGGAP_DATA_DIR']}/tanggap.db")


def wait_assigned(env: dict[str, str], ids: list[str], seconds: float) -> list[str]:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and set(found := states(env, ids)) != {"assigned"}:
        time.sleep(0.2)
    return found


def test_sigterm_stops_serve_cleanly_and_leaves_no_prefect_server(folder: dict[str, str]) -> None:
    served = Served(folder)
    pid = served.prefect_pid()
    assert alive(pid)

    served.process.send_signal(signal.SIGTERM)
    output = served.process.communicate(timeout=60)[0]

    assert served.process.returncode == 0, output
    assert output.rstrip().endswith("stopped")
    assert gone_within(pid, 5), "Prefect's server outlived tanggap serve"
    assert not (Path(folder["TANGGAP_DATA_DIR"]) / "prefect" / "server.pid").exists()


def test_after_sigkill_prefect_server_ends_and_the_next_start_routes_again(folder: dict[str, str]) -> None:
    served = Served(folder)
    pid = served.prefect_pid()
    served.process.kill()
    served.process.wait(10)
    assert gone_within(pid, 15), "Prefect's server outlived a killed tanggap serve"

    with serving(folder) as again:
        began = time.monotonic()
        answer = post(again, "k-after-kill", "Sampah menumpuk di Oebobo setelah restart")
        assert answer.status_code == 201, answer.text
        rid = answer.json()[0]["service_request_id"]
        assert wait_assigned(folder, [rid], 30) == ["assigned"]
        assert time.monotonic() - began < 30


def _burst_then_kill(env: dict[str, str], keys: list[str]) -> dict[str, str]:
    """Post every key 0.1 s apart, SIGKILL the server a third of the way through; the answers
    that arrived before the kill, by key."""
    first: dict[str, str] = {}
    served = Served(env)
    for n, key in enumerate(keys):
        if n == len(keys) // 3:
            served.process.kill()
            served.process.wait(10)
            break
        answer = post(served, key, f"Sampah menumpuk nomor {key} di Kelapa Lima")
        assert answer.status_code == 201, answer.text
        first[key] = answer.json()[0]["service_request_id"]
        time.sleep(0.1)
    return first


def _retry_all(served: Served, keys: list[str]) -> dict[str, str]:
    with ThreadPoolExecutor(max_workers=4) as pool:
        answers = list(pool.map(lambda key: post(served, key, f"Sampah menumpuk nomor {key} di Kelapa Lima"), keys))
    assert {a.status_code for a in answers} <= {200, 201}, [a.text for a in answers]
    return {key: a.json()[0]["service_request_id"] for key, a in zip(keys, answers, strict=True)}


def _check_consistent(env: dict[str, str], first: dict[str, str], retried: dict[str, str]) -> None:
    assert all(retried[key] == rid for key, rid in first.items()), "a retry got a different id"
    ids = sorted(set(retried.values()))
    assert len(ids) == len(retried), "a key made more than one report"
    assert wait_assigned(env, ids, 60) == ["assigned"] * len(ids)
    with Session(_engine(env)) as session:
        assert session.scalar(select(func.count()).select_from(ReportRow)) == len(ids)
        assert session.scalar(select(func.count()).select_from(IdempotencyKeyRow)) == len(ids)
        versions = dict(session.execute(select(ReportRow.id, ReportRow.version)).all())
        events = dict(session.execute(select(EventRow.report_id, func.count()).group_by(EventRow.report_id)).all())
        assert versions == events
        breaches = session.execute(select(BreachRow.clock_id, func.count()).group_by(BreachRow.clock_id)
                                   .having(func.count() > 1)).all()
        assert breaches == []
        stuck = session.scalar(select(func.count()).select_from(OutboxRow).where(
            OutboxRow.topic == "report.submitted", OutboxRow.done_at.is_(None)))
        assert stuck == 0


def test_sigkill_mid_burst_then_retries_with_the_same_keys_lose_and_duplicate_nothing(
    folder: dict[str, str],
) -> None:
    keys = [f"burst-{n:02d}" for n in range(24)]
    first = _burst_then_kill(folder, keys)
    assert first, "nothing was answered before the kill"

    with serving(folder) as again:
        retried = _retry_all(again, keys)
        _check_consistent(folder, first, retried)
        assert requests.get(f"{again.url}/healthz", timeout=5).status_code == 200


def test_two_servers_on_postgresql_one_killed_mid_burst_lose_and_duplicate_nothing(tmp_path: Path) -> None:
    if not os.environ.get(PG_ENV):
        pytest.skip("PostgreSQL tier skipped: set TANGGAP_TEST_POSTGRES_URL to run it")
    with fresh_postgres_database() as url:
        env = _prepared(tmp_path / "a", url)
        other = {**env, "TANGGAP_DATA_DIR": str(tmp_path / "b")}
        with serving(other) as survivor:
            keys = [f"pg-burst-{n:02d}" for n in range(24)]
            first = _burst_then_kill(env, keys)
            retried = _retry_all(survivor, keys)
            _check_consistent(env, first, retried)


def sweep_finished(served: Served, after: str | None, within: float = 60) -> str:
    """When the enforcement family last finished a pass, once that is later than `after`."""
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        finished = requests.get(f"{served.url}/healthz?format=json", timeout=5).json()["families"][
            "enforcement"]["last_finished"]
        if finished is not None and (after is None or finished > after):
            return str(finished)
        time.sleep(0.2)
    raise AssertionError(f"the enforcement family finished no pass after {after} within {within} s")


def test_a_photo_server_trickling_a_byte_a_second_stalls_neither_routing_nor_the_sweep(
    folder: dict[str, str],
) -> None:
    # Each fetch may take 20 s: one after another, three would hold a single runner for a minute.
    env = {**folder, "TANGGAP_MEDIA_FETCH_TIMEOUT": "20"}
    headers = b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\nContent-Type: image/jpeg\r\n\r\n"
    with raw_server(trickle(b"\xff" * 1000, headers, every=1.0)) as slow, serving(env) as served:
        assert wait_assigned(env, [post(served, "warm", "Sampah menumpuk di Fatululi").json()[0][
            "service_request_id"]], 60) == ["assigned"]
        swept_before = sweep_finished(served, after=None)
        for n in range(3):
            assert post(served, f"slow-{n}", f"Sampah menumpuk lambat {n}", media_url=f"{slow}/foto{n}.jpg"
                        ).status_code == 201
        time.sleep(1)  # the fetches are under way, each held by a byte a second
        took = []
        for n in range(6):
            began = time.monotonic()
            rid = post(served, f"after-{n}", f"Sampah menumpuk sesudah {n} di Oesapa").json()[0]["service_request_id"]
            assert wait_assigned(env, [rid], 20) == ["assigned"]
            took.append(time.monotonic() - began)
            time.sleep(0.25)
        swept_after = sweep_finished(served, after=swept_before)
        fetching = requests.get(f"{served.url}/healthz?format=json", timeout=5).json()["families"]["fetching"]
        errors = fetch_errors(env, within=40)
    # Routing's target is 3 s at p95 on a quiet machine; the bound here leaves room for a loaded
    # one and is still far below the 20 s a single fetch held everything for before.
    assert statistics.median(took) < 3 and max(took) < 6, took
    assert fetching["running"] == "fetch-media"  # still trickling while the reports were routed
    assert swept_after > swept_before  # the sweep (every 2 s here) kept running while the fetches hung
    assert "it took longer than the time limit" in errors


def fetch_errors(env: dict[str, str], within: float) -> list[str]:
    """The recorded fetch errors, once there is at least one."""
    deadline = time.monotonic() + within
    while True:
        with Session(_engine(env)) as session:
            errors = [str(row.payload.get("error")) for row in session.scalars(
                select(OutboxRow).where(OutboxRow.topic == "photo.fetch")) if row.payload.get("error")]
        if errors or time.monotonic() > deadline:
            return errors
        time.sleep(0.5)
