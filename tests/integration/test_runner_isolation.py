"""The embedded runner's families on their own workers: a hung flow of one family delays no other,
a run past its time limit is abandoned, and a committed report wakes routing at once."""

from __future__ import annotations

import threading
import time
from dataclasses import replace
from typing import Any

from sqlalchemy.orm import sessionmaker

from tanggap import commands as c
from tanggap.db import OutboxRow
from tanggap.intake.common import FETCH_TOPIC
from tanggap.persistence import on_new_work
from workflows import deps
from workflows.registry import FAMILIES
from workflows.runner import WITA, Runner, Timer


class Launches:
    """Records what was launched and when; `fetch-media` hangs until released."""

    def __init__(self) -> None:
        self.log: list[tuple[str, float]] = []
        self.release = threading.Event()
        self.lock = threading.Lock()

    def __call__(self, name: str, parameters: dict[str, Any]) -> None:
        with self.lock:
            self.log.append((name, time.monotonic()))
        if name == "fetch-media":
            self.release.wait(30)

    def first(self, name: str, within: float) -> float | None:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            with self.lock:
                found = [at for launched, at in self.log if launched == name]
            if found:
                return found[0]
            time.sleep(0.01)
        return None


def runner_for(pipeline: deps.Dependencies, launches: Launches, poll: float, fetch_limit: float = 60) -> Runner:
    app = pipeline.app
    families = {**FAMILIES, "fetching": replace(FAMILIES["fetching"], time_limit=fetch_limit)}
    return Runner(app, launches, poll_seconds=poll, batch_size=8, families=families, timers=[Timer(60, "enforce-sla")],
                  last_day=app.clock.now().astimezone(WITA).date().isoformat())


def queue_fetch(pipeline: deps.Dependencies) -> None:
    with pipeline.app.uow() as uow:
        uow.session.add(OutboxRow(topic=FETCH_TOPIC, report_id=None, payload={"url": "http://x.example/a.jpg"},
                                  created_at=pipeline.app.clock.now()))
        uow.commit()


def test_a_hung_photo_fetch_delays_neither_routing_nor_the_sweep(pipeline: deps.Dependencies) -> None:
    launches = Launches()
    runner = runner_for(pipeline, launches, poll=0.1)
    queue_fetch(pipeline)
    runner.start(warm_up=False)
    try:
        assert launches.first("fetch-media", 5) is not None  # and it hangs
        assert launches.first("enforce-sla", 5) is not None
        submitted = time.monotonic()
        pipeline.app.handle(c.SubmitReport("Jalan berlubang di depan pasar", "jalan-rusak", -10.16, 123.6))
        routed = launches.first("process-reports", 5)
        assert routed is not None and routed - submitted < 1.0
        assert runner.health["fetching"].running == "fetch-media"
        assert runner.health["routing"].last_finished is not None
    finally:
        runner.stop_event.set()
        launches.release.set()


def test_a_run_past_its_time_limit_is_abandoned_and_its_family_goes_on(pipeline: deps.Dependencies) -> None:
    launches = Launches()
    runner = runner_for(pipeline, launches, poll=0.1, fetch_limit=0.3)
    queue_fetch(pipeline)
    runner.start(warm_up=False)
    try:
        deadline = time.monotonic() + 5
        while runner.health["fetching"].abandoned < 2 and time.monotonic() < deadline:
            time.sleep(0.05)
        health = runner.health["fetching"]
        assert health.abandoned >= 2  # abandoned, then tried again on the next pass
        assert health.last_error == "fetch-media ran past its 0 s limit"
        assert health.running is None and health.last_finished is not None
    finally:
        runner.stop_event.set()
        launches.release.set()


def test_a_committed_report_wakes_routing_long_before_its_poll(pipeline: deps.Dependencies) -> None:
    launches = Launches()
    runner = runner_for(pipeline, launches, poll=30)
    app = pipeline.app
    own_sessions = sessionmaker(app.engine, expire_on_commit=False)  # listeners stay on this test's factory
    on_new_work(own_sessions, runner.wake)
    app = replace(app, session_factory=own_sessions)
    runner.app = app
    runner.start(warm_up=False)
    try:
        time.sleep(0.3)  # every worker has made its first pass and waits for 30 s
        submitted = time.monotonic()
        app.handle(c.SubmitReport("Jalan berlubang di depan pasar", "jalan-rusak", -10.16, 123.6))
        routed = launches.first("process-reports", 5)
        assert routed is not None and routed - submitted < 0.5
        assert launches.first("fetch-media", 0.2) is None
    finally:
        runner.stop_event.set()


def test_a_report_that_fails_processing_is_given_up_with_its_reason_and_the_batch_is_routed(
    pipeline: deps.Dependencies, monkeypatch: Any
) -> None:
    from sqlalchemy import select

    from tanggap.reports import service as services
    from workflows.flows import claim_submitted, load_photos, route, tag

    app = pipeline.app
    ids = [app.handle(c.SubmitReport(f"Jalan berlubang nomor {n}", "jalan-rusak", -10.16 + n / 100, 123.6))
           for n in range(3)]
    real = services.assign_report

    def assign(cmd: c.AssignReport, ctx: Any) -> Any:
        if cmd.report_id == ids[1]:
            raise RuntimeError("the routing table is broken for this one")
        return real(cmd, ctx)

    monkeypatch.setattr(services, "assign_report", assign)
    claims = claim_submitted.fn(8)
    tally = route.fn(claims, tag.fn(load_photos.fn(claims)))

    assert tally == {"assigned": 2, "triage": 0, "skipped": 0, "given_up": 1}
    with app.uow() as uow:
        rows = {r.report_id: r for r in uow.session.scalars(select(OutboxRow).where(
            OutboxRow.topic == "report.submitted"))}
        states = {rid: uow.reports.get(rid).state.value for rid in ids}
        assert rows[ids[1]].payload["error"] == "RuntimeError: the routing table is broken for this one"
        assert all(row.done_at is not None for row in rows.values())
    assert states == {ids[0]: "assigned", ids[1]: "submitted", ids[2]: "assigned"}
    assert claim_submitted.fn(8) == []  # nothing comes back


def test_a_report_submitted_while_prefect_starts_is_routed_without_waiting_for_it(
    pipeline: deps.Dependencies,
) -> None:
    from workflows.runner import embedded_launcher

    app = pipeline.app
    prefect_up = threading.Event()
    ready = threading.Event()
    runner = Runner(app, embedded_launcher(ready), poll_seconds=0.1, batch_size=8, ready=ready,
                    prepare=lambda: prefect_up.wait(30),
                    last_day=app.clock.now().astimezone(WITA).date().isoformat())
    runner.start(warm_up=True)
    try:
        rid = app.handle(c.SubmitReport("Jalan berlubang di depan pasar", "jalan-rusak", -10.16, 123.6))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and report_state(app, rid) != "assigned":
            time.sleep(0.05)
        assert report_state(app, rid) == "assigned"
        assert not ready.is_set()  # Prefect's server still starting: the report did not wait for it
    finally:
        prefect_up.set()
        runner.stop_event.set()


def report_state(app: Any, rid: int) -> str:
    with app.uow() as uow:
        return str(uow.reports.get(rid).state.value)
