"""Embedded mode: one process serves the web UI and runs the flows.

A poller looks at the outbox every second with one cheap query and starts a flow run only when
there is work; the periodic flows run on their own timers. In server mode the same poller
triggers Prefect deployments instead, and workers run them.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from tanggap.bootstrap import Tanggap
from tanggap.intake import FETCH_TOPIC, STORED_TOPIC
from tanggap.pipeline.outbox import NOTIFY_TOPICS, REPORT_SUBMITTED, pending_topics
from tanggap.wita import WITA
from workflows import deps
from workflows.environment import configure, without_heartbeats

log = logging.getLogger("tanggap.runner")

RETRAIN_HOUR = 2  # WITA: the quietest hour


@dataclass
class Timer:
    every: float
    flow: str
    due: float = 0.0


@dataclass
class Runner:
    """Starts flows in-process (embedded) or as deployments (server mode)."""

    app: Tanggap
    launch: Callable[[str, dict[str, Any]], Any]
    poll_seconds: float
    batch_size: int
    timers: list[Timer] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    last_day: str = ""

    def loop(self, warm_up: bool = True) -> None:
        if warm_up:
            self._warm_up()
        while not self.stop_event.is_set():
            self.tick(time.monotonic())
            self.stop_event.wait(self.poll_seconds)

    def tick(self, now: float) -> None:
        at = self.app.clock.now()
        pending = pending_topics(self.app.uow(), (REPORT_SUBMITTED, FETCH_TOPIC, STORED_TOPIC, *NOTIFY_TOPICS), at)
        if REPORT_SUBMITTED in pending:
            self._run("process-reports", {"limit": self.batch_size})
        if pending & set(NOTIFY_TOPICS):
            self._run("deliver-notifications", {})
        if FETCH_TOPIC in pending:
            self._run("fetch-media", {})
        if STORED_TOPIC in pending:
            self._run("tag-fetched-photos", {"limit": self.batch_size})
        for timer in self.timers:
            if now >= timer.due:
                timer.due = now + timer.every
                self._run(timer.flow, {})
        self._daily(at)

    def _warm_up(self) -> None:
        """The first flow run in a process waits for Prefect's temporary server: do it now, not
        while a citizen's report waits."""
        began = time.monotonic()
        self._run("warm-up", {})
        log.warning("Prefect ready in %.1f s", time.monotonic() - began)

    def _daily(self, at: datetime) -> None:
        local = at.astimezone(WITA)
        today = local.date().isoformat()
        if local.hour < RETRAIN_HOUR or today == self.last_day:
            return
        self.last_day = today
        self._run("retrain-tagger", {})
        if local.day == 1:
            self._run("month-end-allowance", {})

    def _run(self, name: str, parameters: dict[str, Any]) -> None:
        try:
            self.launch(name, parameters)
        except Exception:
            # One failed run must not stop the runner: it is logged and the next tick tries again.
            log.exception("flow %s failed", name)


def embedded_launcher() -> Callable[[str, dict[str, Any]], Any]:
    from workflows.flows import FLOWS

    def launch(name: str, parameters: dict[str, Any]) -> Any:
        with without_heartbeats():
            return FLOWS[name](**parameters)

    return launch


def deployment_launcher(cooldown: float = 10.0) -> Callable[[str, dict[str, Any]], Any]:
    """Server mode: create a run of the flow's deployment; workers pick it up. A cooldown keeps
    one waiting batch from being triggered again every second while a worker starts."""
    from prefect.deployments import run_deployment

    last: dict[str, float] = {}

    def launch(name: str, parameters: dict[str, Any]) -> Any:
        now = time.monotonic()
        if now - last.get(name, -cooldown) < cooldown:
            return None
        last[name] = now
        return run_deployment(f"{name}/tanggap-{name}", parameters=parameters, timeout=0)

    return launch


def build_runner(app: Tanggap) -> Runner:
    configure(app.settings.data_dir)
    deps.use(deps.from_environment(app))
    pipeline = deps.current().pipeline
    server = pipeline.prefect_mode == "server"
    runner = Runner(app, deployment_launcher() if server else embedded_launcher(), pipeline.poll_seconds,
                    pipeline.batch_size,
                    [Timer(pipeline.sweep_seconds, "enforce-sla"), Timer(pipeline.quiet_close_seconds,
                                                                        "close-quiet-reports")])
    return runner
