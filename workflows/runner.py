"""Embedded mode: one process serves the web UI and runs the flows.

Each family of work runs on its own worker thread, so no family can stall another:
routing (process-reports, tag-fetched-photos), enforcement (enforce-sla, close-quiet-reports),
delivery (deliver-notifications), fetching (fetch-media) and nightly (retrain-tagger,
month-end-allowance). A worker looks at the outbox with one cheap query and starts a flow run only
when its family has work; the web tier wakes the routing worker the moment a report is committed.
Every run has a time limit: a run past it is abandoned (its claims come back when their lease ends)
and the family carries on. In server mode the same workers trigger Prefect deployments instead.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from cronsim import CronSim

from tanggap.bootstrap import Tanggap
from tanggap.config import PrefectMode
from tanggap.intake import FETCH_TOPIC, STORED_TOPIC
from tanggap.persistence import on_new_work
from tanggap.pipeline.health import FamilyStatus, register
from tanggap.pipeline.outbox import NOTIFY_TOPICS, REPORT_SUBMITTED, pending_topics
from tanggap.wita import WITA
from workflows import deps
from workflows.environment import configure, without_heartbeats
from workflows.registry import DAILY, FAMILIES, FLOW_FAMILY, FLOWS, SCHEDULES, TOPIC_FAMILY, WARM_UP, FamilySpec

log = logging.getLogger("tanggap.runner")

STOP_GRACE = 15.0
MINUTE = timedelta(minutes=1)
OUTBOX_TOPICS = (REPORT_SUBMITTED, STORED_TOPIC, FETCH_TOPIC, *NOTIFY_TOPICS)

Launch = Callable[[str, dict[str, Any]], Any]


@dataclass
class Timer:
    every: float
    flow: str
    due: float = 0.0


@dataclass
class FamilyHealth:
    """What one family's worker has done: read by /healthz, `tanggap status` and the admin page."""

    name: str
    period: float
    last_finished: datetime | None = None
    running: str | None = None
    running_since: datetime | None = None
    abandoned: int = 0
    last_error: str | None = None


@dataclass
class Runner:
    """Starts flows in-process (embedded) or as deployments (server mode)."""

    app: Tanggap
    launch: Launch
    poll_seconds: float
    batch_size: int
    timers: list[Timer] = field(default_factory=list)
    stop_event: threading.Event = field(default_factory=threading.Event)
    last_day: str = ""  # a WITA day whose daily flows count as done (tests set it to today)
    ran_on: dict[str, str] = field(default_factory=dict)  # daily flow -> the WITA day it last ran
    families: dict[str, FamilySpec] = field(default_factory=lambda: dict(FAMILIES))
    health: dict[str, FamilyHealth] = field(default_factory=dict)
    wakes: dict[str, threading.Event] = field(default_factory=dict)
    ready: threading.Event = field(default_factory=threading.Event)
    prepare: Callable[[], None] | None = None

    def __post_init__(self) -> None:
        for name, spec in self.families.items():
            self.health.setdefault(name, FamilyHealth(name, spec.period))
            self.wakes.setdefault(name, threading.Event())

    # --- what is due ---------------------------------------------------------------------------

    def tick(self, now: float) -> None:
        """Every family's due runs, one after another (tests; the workers split this by family)."""
        at = self.app.clock.now()
        pending = pending_topics(self.app.uow(), OUTBOX_TOPICS, at)
        for family in self.families:
            for name, parameters in self.due(family, now, pending, at):
                self._run(name, parameters)

    def due(self, family: str, now: float, pending: set[str], at: datetime) -> list[tuple[str, dict[str, Any]]]:
        runs: list[tuple[str, dict[str, Any]]] = []
        if family == "routing" and REPORT_SUBMITTED in pending:
            runs.append(("process-reports", {"limit": self.batch_size}))
        if family == "delivery" and pending & set(NOTIFY_TOPICS):
            runs.append(("deliver-notifications", {}))
        if family == "fetching" and FETCH_TOPIC in pending:
            runs.append(("fetch-media", {}))
        if family == "routing" and STORED_TOPIC in pending:
            runs.append(("tag-fetched-photos", {"limit": self.batch_size}))
        for timer in (t for t in self.timers if FLOW_FAMILY[t.flow] == family and now >= t.due):
            timer.due = now + timer.every
            runs.append((timer.flow, {}))
        if family == "nightly":
            runs += self._daily(at)
        return runs

    def _daily(self, at: datetime) -> list[tuple[str, dict[str, Any]]]:
        """Each daily flow whose scheduled time (SCHEDULES, WITA) has passed today and that has not
        run today: a process started later the same day still runs it, once."""
        local = at.astimezone(WITA)
        today = local.date().isoformat()
        if today == self.last_day:
            return []
        runs: list[tuple[str, dict[str, Any]]] = []
        for flow in DAILY:
            latest = next(CronSim(SCHEDULES[flow], local.replace(second=0, microsecond=0) + MINUTE, reverse=True))
            if latest.date() == local.date() and self.ran_on.get(flow) != today:
                self.ran_on[flow] = today
                runs.append((flow, {}))
        return runs

    # --- the workers ---------------------------------------------------------------------------

    def loop(self, warm_up: bool = True) -> None:
        """Start every family's worker and wait until stopped."""
        threads = self.start(warm_up)
        self.stop_event.wait()
        deadline = time.monotonic() + STOP_GRACE
        for thread in threads:  # a running flow may finish; past the grace it is abandoned to its lease
            thread.join(timeout=max(deadline - time.monotonic(), 0))

    def start(self, warm_up: bool = True) -> list[threading.Thread]:
        threads = [threading.Thread(target=self._work, args=(family,), name=f"tanggap-{family}", daemon=True)
                   for family in self.families]
        if warm_up:
            threads.append(threading.Thread(target=self._warm_up, name="tanggap-warm-up", daemon=True))
        else:
            self.ready.set()
        for thread in threads:
            thread.start()
        return threads

    def wake(self, topics: set[str]) -> None:
        """New outbox rows were committed: their families look now rather than at the next poll."""
        for topic in topics:
            family = TOPIC_FAMILY.get(topic)
            if family in self.wakes:
                self.wakes[family].set()

    def _work(self, family: str) -> None:
        wake = self.wakes[family]
        while not self.stop_event.is_set():
            wake.clear()
            try:
                at = self.app.clock.now()
                topics = [t for t in OUTBOX_TOPICS if TOPIC_FAMILY[t] == family]
                pending = pending_topics(self.app.uow(), topics, at) if topics else set()
                for name, parameters in self.due(family, time.monotonic(), pending, at):
                    self._bounded(family, name, parameters)
                self.health[family].last_finished = self.app.clock.now()
            except Exception as err:
                # The database may be away for a moment: the family tries again at its next poll.
                log.exception("%s worker pass failed", family)
                self.health[family].last_error = f"{type(err).__name__}: {err}"[:300]
            wake.wait(self.poll_seconds)

    def _warm_up(self) -> None:
        """The first flow run in a process waits for Prefect's server. Until it is ready, routing
        and the sweep run their work directly (see `embedded_launcher`); the other families wait."""
        began = time.monotonic()
        try:
            if self.prepare is not None:
                import workflows.flows  # noqa: F401 - importing Prefect overlaps with its server's start

                self.prepare()
            self._run(WARM_UP, {})
            log.warning("Prefect ready in %.1f s", time.monotonic() - began)
        finally:
            self.ready.set()

    def _bounded(self, family: str, name: str, parameters: dict[str, Any]) -> None:
        """Run one flow on its own thread and wait at most the family's time limit for it."""
        health = self.health[family]
        health.running, health.running_since = name, self.app.clock.now()
        run = threading.Thread(target=self._run, args=(name, parameters), name=f"tanggap-{name}", daemon=True)
        run.start()
        run.join(self.families[family].time_limit)
        health.running, health.running_since = None, None
        if run.is_alive():
            # Abandoned, not killed: Python cannot stop a thread. Its outbox claims expire by lease,
            # and every external call it makes has its own deadline, so it ends on its own.
            health.abandoned += 1
            health.last_error = f"{name} ran past its {self.families[family].time_limit:.0f} s limit"
            log.error("%s: %s; abandoned, the family goes on", family, health.last_error)

    def _run(self, name: str, parameters: dict[str, Any]) -> None:
        try:
            self.launch(name, parameters)
        except Exception as err:
            # One failed run must not stop the runner: it is logged and the next pass tries again.
            log.exception("flow %s failed", name)
            family = FLOW_FAMILY.get(name)
            if family in self.health:
                self.health[family].last_error = f"{name}: {type(err).__name__}: {err}"[:300]


def embedded_launcher(ready: threading.Event | None = None) -> Launch:
    """Flow runs in this process. Until `ready` (Prefect's server answers), routing and the sweep
    run the same tasks without an orchestrated run, and any other flow waits for it."""
    flows: dict[str, Any] = {}
    direct: dict[str, Any] = {}

    def launch(name: str, parameters: dict[str, Any]) -> Any:
        if not flows:
            from workflows import flows as defined  # Prefect is imported on a runner thread

            flows.update({flow: getattr(defined, spec.function) for flow, spec in FLOWS.items()})
            direct.update(defined.WHILE_STARTING)
        if ready is not None and not ready.is_set() and name != WARM_UP:
            if name in direct:
                return direct[name](**parameters)
            ready.wait()
        with without_heartbeats():
            return flows[name](**parameters)

    return launch


def deployment_launcher() -> Launch:
    """Server mode: create a run of the flow's deployment unless one is already scheduled or
    pending; workers pick it up, and each deployment's concurrency limit keeps its family apart."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.filters import (
        DeploymentFilter,
        DeploymentFilterName,
        FlowRunFilter,
        FlowRunFilterState,
        FlowRunFilterStateType,
    )
    from prefect.client.schemas.objects import StateType
    from prefect.deployments import run_deployment

    waiting = FlowRunFilter(state=FlowRunFilterState(type=FlowRunFilterStateType(
        any_=[StateType.SCHEDULED, StateType.PENDING])))

    def launch(name: str, parameters: dict[str, Any]) -> Any:
        deployment = f"tanggap-{name}"
        with get_client(sync_client=True) as client:
            queued = client.read_flow_runs(flow_run_filter=waiting, limit=1, deployment_filter=DeploymentFilter(
                name=DeploymentFilterName(any_=[deployment])))
        if queued:
            return None  # a run waiting for a worker will pick up this work too
        return run_deployment(f"{name}/{deployment}", parameters=parameters, timeout=0)

    return launch


def build_runner(app: Tanggap, owned_server: bool = False) -> Runner:
    """The runner for `tanggap serve`; with `owned_server`, Prefect's local server is started
    and stopped by this process (embedded mode), never left behind."""
    configure(app.settings.data_dir)
    pipeline = app.settings.pipeline
    prepare = None
    if owned_server and pipeline.prefect_mode == PrefectMode.EMBEDDED:
        from workflows.prefect_server import PrefectServer

        server = PrefectServer(app.settings.data_dir / "prefect")
        server.claim_address()  # PREFECT_API_URL is set before anything imports Prefect
        server.spawn()
        prepare = server.wait_healthy
        _OWNED.append(server)
    deps.use(deps.from_environment(app))
    server_mode = pipeline.prefect_mode == PrefectMode.SERVER
    ready = threading.Event()
    launcher = deployment_launcher() if server_mode else embedded_launcher(ready)
    runner = Runner(app, launcher, pipeline.poll_seconds, pipeline.batch_size,
                    [Timer(pipeline.sweep_seconds, "enforce-sla"),
                     Timer(pipeline.quiet_close_seconds, "close-quiet-reports")], ready=ready, prepare=prepare)
    runner.families = {name: spec.with_settings(pipeline) for name, spec in FAMILIES.items()}
    runner.health = {name: FamilyHealth(name, spec.period) for name, spec in runner.families.items()}
    on_new_work(app.session_factory, runner.wake)
    started = app.clock.now()
    register(lambda: [FamilyStatus(h.name, h.period, started, h.last_finished, h.running, h.running_since,
                                   h.abandoned, h.last_error) for h in runner.health.values()])
    return runner


_OWNED: list[Any] = []


def stop_owned_servers() -> None:
    """Stop the Prefect server this process started (on any way out of `tanggap serve`)."""
    while _OWNED:
        _OWNED.pop().stop()
