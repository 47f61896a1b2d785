"""The nightly flows run at the registry's times (workflows/registry.py, SCHEDULES) in WITA: the
month-end files at 01:00 on the 1st, retraining at 02:00; a process started later that day still
runs them, and nothing runs twice in a day."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from tanggap.wita import WITA
from workflows.runner import Runner


def runner() -> Runner:
    def launch(name: str, params: dict[str, Any]) -> None:
        raise AssertionError("the schedule is asked, nothing is launched")

    return Runner(app=None, launch=launch, poll_seconds=1.0, batch_size=1)  # type: ignore[arg-type]


def due(r: Runner, day: int, hour: int, minute: int = 0, month: int = 12) -> list[str]:
    return [flow for flow, _ in r._daily(datetime(2026, month, day, hour, minute, tzinfo=WITA))]


def test_the_first_of_the_month_runs_the_month_end_at_one_and_retraining_at_two_once_each() -> None:
    r = runner()
    assert due(r, 1, 0, 59) == []
    assert due(r, 1, 1, 0) == ["month-end-allowance"]
    assert due(r, 1, 1, 30) == []
    assert due(r, 1, 2, 0) == ["retrain-tagger"]
    assert due(r, 1, 23, 59) == []
    assert due(r, 2, 1, 0) == []  # the month-end is the 1st's only
    assert due(r, 2, 2, 5) == ["retrain-tagger"]


def test_a_process_started_later_on_the_first_still_runs_both_once() -> None:
    r = runner()
    assert due(r, 1, 15, 0) == ["month-end-allowance", "retrain-tagger"]
    assert due(r, 1, 15, 1) == []


def test_a_day_marked_done_runs_nothing() -> None:
    r = runner()
    r.last_day = "2026-12-01"
    assert due(r, 1, 15, 0) == []
