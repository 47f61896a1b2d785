"""Prefect's local API server, started and owned by `tanggap serve` in embedded mode.

Prefect would otherwise start a temporary server on its own, as a child that outlives the process
on SIGTERM or SIGKILL. Here the child is asked to die with its parent (Linux's parent-death
signal), its pid is kept in the data folder so the next start ends a leftover, and `stop` ends it
on every way out of `tanggap serve`.
"""

from __future__ import annotations

import contextlib
import ctypes
import logging
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

log = logging.getLogger("tanggap.prefect")
PR_SET_PDEATHSIG = 1
MARK = "prefect.server.api.server:create_app"
START_TIMEOUT = 90.0


def _die_with_parent() -> None:
    """Runs in the child before exec: the kernel sends it SIGTERM when its parent dies."""
    with contextlib.suppress(OSError):  # not Linux: the pid file still lets the next start end a leftover
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class PrefectServer:
    def __init__(self, home: Path) -> None:
        self.home = home
        self.pid_file = home / "server.pid"
        self.port = 0
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"

    def claim_address(self) -> None:
        """Choose the port and point Prefect's client at it; Prefect reads this when imported."""
        self.port = free_port()
        os.environ["PREFECT_API_URL"] = self.api_url

    def start(self) -> None:
        """End a leftover from a killed run, start the server and wait until it answers."""
        self.spawn()
        self.wait_healthy()

    def spawn(self) -> None:
        """End a leftover from a killed run and start the server; it boots while the rest of
        `tanggap serve` starts."""
        self.home.mkdir(parents=True, exist_ok=True)
        end_leftover(self.pid_file)
        # As Prefect runs its own temporary server: no UI, and only the services such a server needs.
        env = {**os.environ, "PREFECT_UI_ENABLED": "0", "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
               "PREFECT__SERVER_EPHEMERAL": "1", "PREFECT__SERVER_FINAL": "1"}
        env.pop("PREFECT_API_URL", None)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", MARK, "--host", "127.0.0.1", "--port", str(self.port),
             "--log-level", "error", "--lifespan", "on"],
            env=env, preexec_fn=_die_with_parent, start_new_session=True,  # Ctrl-C reaches us, not it
            stdout=subprocess.DEVNULL)
        self.pid_file.write_text(f"{self.process.pid}\n")

    def wait_healthy(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process is not None and self.process.poll() is not None:
                raise RuntimeError(f"Prefect's server exited at start with code {self.process.returncode}")
            try:
                with urllib.request.urlopen(f"{self.api_url}/health", timeout=2) as answer:
                    if answer.status == 200:
                        return
            except OSError:
                time.sleep(0.1)
        raise TimeoutError(f"Prefect's server did not answer within {START_TIMEOUT:.0f} s")

    def stop(self, grace: float = 5.0) -> None:
        process, self.process = self.process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(grace)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        self.pid_file.unlink(missing_ok=True)


def end_leftover(pid_file: Path) -> int | None:
    """End the server a killed `tanggap serve` left behind, if the pid file names one still
    running; returns its pid. A pid reused by another program is left alone."""
    try:
        pid = int(pid_file.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None
    if not _is_prefect_server(pid):
        pid_file.unlink(missing_ok=True)
        return None
    log.warning("ending the Prefect server (pid %s) a previous run left behind", pid)
    os.kill(pid, signal.SIGTERM)
    for _ in range(50):
        if not _is_prefect_server(pid):
            break
        time.sleep(0.1)
    else:
        os.kill(pid, signal.SIGKILL)
    pid_file.unlink(missing_ok=True)
    return pid


def _is_prefect_server(pid: int) -> bool:
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return MARK.encode() in cmdline and "\nState:\tZ" not in status

