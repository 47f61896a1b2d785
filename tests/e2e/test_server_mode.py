"""Server mode for real: a Prefect server on loopback, `prefect deploy --all` from prefect.yaml, a
process worker, and a triggered run of the SLA sweep that completes against Tanggap's database."""

from __future__ import annotations

import os
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
