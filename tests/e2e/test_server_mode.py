"""Server mode for real: a Prefect server on loopback, `prefect deploy --all` from prefect.yaml, a
process worker, and a triggered run of the SLA sweep that completes against Tanggap's database."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tanggap.bootstrap import Tanggap
from tests.conftest import PG_ENV, fresh_postgres_database
from tests.fixtures.serve import wait_answering

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_ready(url: str, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise TimeoutError(f"Prefect server at {url} not ready after {seconds} s")


@pytest.fixture
def prefect_database(tmp_path: Path) -> Iterator[str]:
    """PostgreSQL for the Prefect server when the PostgreSQL tier runs (SQLite locks under load)."""
    if not os.environ.get(PG_ENV):
        yield f"sqlite+aiosqlite:///{tmp_path / 'prefect.db'}"
        return
    with fresh_postgres_database() as url:
        yield url.replace("postgresql+psycopg", "postgresql+asyncpg")


@pytest.fixture
def server(tmp_path: Path, app: Tanggap, prefect_database: str) -> Iterator[dict[str, str]]:
    port = free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {**os.environ, "PREFECT_HOME": str(tmp_path / "prefect"), "PREFECT_API_URL": api,
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false", "DO_NOT_TRACK": "1", "PREFECT_LOGGING_LEVEL": "WARNING",
           "PREFECT_WORKER_QUERY_SECONDS": "1", "TANGGAP_HOME": str(ROOT),
           "TANGGAP_DATA_DIR": str(app.settings.data_dir), "TANGGAP_DATABASE_URL": app.settings.database_url,
           "PREFECT_API_DATABASE_CONNECTION_URL": prefect_database}
    process = subprocess.Popen([str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
                               env=env, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        wait_ready(api, 120)
        yield env
    finally:
        process.terminate()
        process.wait(timeout=30)


def prefect(env: dict[str, str], *args: str) -> str:
    result = subprocess.run([str(BIN / "prefect"), *args], env=env, cwd=ROOT, capture_output=True, text=True,
                            timeout=180, check=False)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


@pytest.mark.slow
@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_a_deployment_from_prefect_yaml_runs_on_a_worker_and_completes(server: dict[str, str]) -> None:
    env = server
    prefect(env, "work-pool", "create", "tanggap", "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "tanggap", "--limit", "1"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    try:
        out = prefect(env, "deployment", "run", "enforce-sla/tanggap-enforce-sla", "--watch",
                      "--watch-timeout", "150")
    finally:
        worker.kill()  # a worker ignores its first SIGTERM
        worker.wait(timeout=30)
    assert "Completed" in out


@pytest.mark.slow
@pytest.mark.parametrize("app", ["sqlite"], indirect=True)
def test_tanggap_serve_in_server_mode_starts_without_an_error_and_routes_through_a_worker(
    server: dict[str, str],
) -> None:
    env = {**server, "TANGGAP_PREFECT_MODE": "server", "TANGGAP_POLL_SECONDS": "0.5"}
    prefect(env, "work-pool", "create", "tanggap", "--type", "process")
    prefect(env, "--no-prompt", "deploy", "--all")
    key = subprocess.run([str(BIN / "tanggap"), "api-key", "create", "uji-server"], env=env, check=True,
                         capture_output=True, text=True).stdout.strip()
    worker = subprocess.Popen([str(BIN / "prefect"), "worker", "start", "--pool", "tanggap", "--limit", "4"],
                              env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.STDOUT)
    port = free_port()
    serve = subprocess.Popen([str(BIN / "tanggap"), "serve", "--port", str(port)], env=env, cwd=ROOT,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_answering(base)
        answer = httpx.post(f"{base}/open311/v2/requests.json", timeout=30, data={
            "service_code": "jalan-rusak", "lat": "-10.17", "long": "123.603", "api_key": key,
            "description": "Aspal amblas di Oepura"})
        assert answer.status_code == 201, answer.text
        rid = answer.json()[0]["service_request_id"]
        deadline, state = time.monotonic() + 150, ""
        while time.monotonic() < deadline and state != "assigned":
            time.sleep(1)
            state = httpx.get(f"{base}/open311/v2/requests/{rid}.json", timeout=10).json()[0]["status"]
            state = "assigned" if _assigned(env, rid) else state
        assert state == "assigned"
    finally:
        serve.send_signal(signal.SIGTERM)
        output = serve.communicate(timeout=60)[0]
        worker.kill()
        worker.wait(timeout=30)
    assert serve.returncode == 0, output
    assert "Traceback" not in output and "failed" not in output, output


def _assigned(env: dict[str, str], rid: str) -> bool:
    from sqlalchemy import create_engine, select
    from sqlalchemy.orm import Session

    from tanggap.db import ReportRow

    engine = create_engine(env["TANGGAP_DATABASE_URL"])
    try:
        with Session(engine) as session:
            return session.scalar(select(ReportRow.state).where(ReportRow.id == int(rid))) == "assigned"
    finally:
        engine.dispose()
