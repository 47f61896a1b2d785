"""The lifecycle machine, pure: every (state, trigger) pair, guards, events and replay."""

from __future__ import annotations

import dataclasses
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from states.errors import GuardRejected, InvalidTransition
from states.lifecycle import Attempt, LifecyclePolicy, lifecycle
from states.model import (
    CITIZEN,
    SYSTEM,
    Actor,
    Report,
    ReportAssigned,
    ReportClassified,
    ReportClosed,
    ReportInfoProvided,
    ReportInfoRequested,
    ReportReassigned,
    ReportRejected,
    ReportReopened,
    ReportResponded,
    ReportReturned,
    ReportState,
    Role,
    Trigger,
    replay,
)

S, T = ReportState, Trigger
NOW = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
POLICY = LifecyclePolicy(quiet_period=timedelta(days=3), reopen_window=timedelta(days=7))
DISPATCHER = Actor("dispatcher", Role.DISPATCHER)
PUPR_OFFICER = Actor("pupr.officer", Role.OPD_OFFICER, "PUPR")
DLHK_OFFICER = Actor("dlhk.officer", Role.OPD_OFFICER, "DLHK")
TAGGER = Actor("tagger", Role.TAGGER)
HR = Actor("hr", Role.HR)

# For each trigger: an actor and data that satisfy every guard, and the event it records.
VALID: dict[Trigger, tuple[Actor, dict[str, Any], type]] = {
    T.CLASSIFY: (DISPATCHER, {"category": "jalan-rusak"}, ReportClassified),
    T.ASSIGN: (DISPATCHER, {"opd": "PUPR", "officer": "pupr.officer"}, ReportAssigned),
    T.REASSIGN: (DISPATCHER, {"opd": "DLHK", "officer": None, "reason": "saluran milik DLHK"}, ReportReassigned),
    T.RETURN: (PUPR_OFFICER, {"reason": "bukan wewenang: jalan nasional"}, ReportReturned),
    T.RESPOND: (PUPR_OFFICER, {"response": "Lubang sudah ditambal"}, ReportResponded),
    T.CLOSE: (CITIZEN, {}, ReportClosed),
    T.REJECT: (DISPATCHER, {"reject_kind": "spam", "reason": "iklan"}, ReportRejected),
    T.REOPEN: (CITIZEN, {"reason": "lubang masih ada"}, ReportReopened),
    T.REQUEST_INFO: (
        PUPR_OFFICER,
        {"question": "Mohon foto dari sisi lain", "awaiting_info": True},
        ReportInfoRequested,
    ),
    T.PROVIDE_INFO: (CITIZEN, {"answer": "Foto terlampir", "awaiting_info": False}, ReportInfoProvided),
}

ALLOWED: dict[tuple[ReportState, Trigger], ReportState] = {
    (S.SUBMITTED, T.CLASSIFY): S.CLASSIFIED,
    (S.SUBMITTED, T.REJECT): S.REJECTED,
    (S.CLASSIFIED, T.ASSIGN): S.ASSIGNED,
    (S.CLASSIFIED, T.REJECT): S.REJECTED,
    (S.ASSIGNED, T.REASSIGN): S.ASSIGNED,
    (S.ASSIGNED, T.RETURN): S.CLASSIFIED,
    (S.ASSIGNED, T.RESPOND): S.RESPONDED,
    (S.RESPONDED, T.CLOSE): S.CLOSED,
    (S.RESPONDED, T.REOPEN): S.ASSIGNED,
    (S.CLOSED, T.REOPEN): S.ASSIGNED,
    (S.ASSIGNED, T.REQUEST_INFO): S.ASSIGNED,
    (S.ASSIGNED, T.PROVIDE_INFO): S.ASSIGNED,
}
ALL_PAIRS = [(s, t) for s in ReportState for t in Trigger]


def report_in(state: ReportState, awaiting_info: bool = False) -> Report:
    """A report standing in `state`, held by PUPR and answered a day ago where that applies."""
    held = state in (S.ASSIGNED, S.RESPONDED, S.CLOSED)
    return Report(
        id=7,
        state=state,
        category="jalan-rusak",
        opd="PUPR" if held else None,
        awaiting_info=awaiting_info and state is S.ASSIGNED,
        officer="pupr.officer" if held else None,
        responded_at=NOW - timedelta(days=1) if state in (S.RESPONDED, S.CLOSED) else None,
    )


def attempt(actor: Actor, data: dict[str, Any], at: datetime = NOW) -> Attempt:
    return Attempt(actor, at, data, None, POLICY)


@pytest.mark.parametrize(("state", "trigger"), ALL_PAIRS, ids=[f"{s}-{t}" for s, t in ALL_PAIRS])
def test_each_state_trigger_pair_is_allowed_or_refused_by_the_table(state: ReportState, trigger: Trigger) -> None:
    report = report_in(state, awaiting_info=trigger is T.PROVIDE_INFO)
    actor, data, event_type = VALID[trigger]
    if (state, trigger) in ALLOWED:
        assert lifecycle().may(report, trigger, attempt(actor, data))
        lifecycle().fire(report, trigger, attempt(actor, data))
        assert report.state is ALLOWED[(state, trigger)]
        assert [type(e) for e in report.pending_events] == [event_type]
        assert report.pending_events[0].from_state is state
    else:
        assert not lifecycle().may(report, trigger, attempt(actor, data))
        with pytest.raises(InvalidTransition) as err:
            lifecycle().fire(report, trigger, attempt(actor, data))
        assert (err.value.report_id, err.value.state, err.value.trigger) == (7, state.value, trigger.value)
        assert "#7" in str(err.value) and state.value in str(err.value) and trigger.value in str(err.value)
        assert report.state is state and report.pending_events == []


GUARD_CASES = [
    ("classify without category", S.SUBMITTED, T.CLASSIFY, DISPATCHER, {}, "category is required"),
    ("classify by model without confidence", S.SUBMITTED, T.CLASSIFY, TAGGER, {"category": "x"}, "confidence"),
    ("classify by an officer", S.SUBMITTED, T.CLASSIFY, PUPR_OFFICER, {"category": "x"}, "role"),
    ("assign without OPD", S.CLASSIFIED, T.ASSIGN, DISPATCHER, {}, "OPD is required"),
    ("return without reason", S.ASSIGNED, T.RETURN, PUPR_OFFICER, {"reason": "  "}, "reason is required"),
    ("return by another OPD", S.ASSIGNED, T.RETURN, DLHK_OFFICER, {"reason": "x"}, "holding the ticket"),
    (
        "reassign to another OPD without reason",
        S.ASSIGNED,
        T.REASSIGN,
        DISPATCHER,
        {"opd": "DLHK"},
        "requires a reason",
    ),
    (
        "reassign to the same holder",
        S.ASSIGNED,
        T.REASSIGN,
        DISPATCHER,
        {"opd": "PUPR", "officer": "pupr.officer"},
        "same as the current",
    ),
    ("respond without text", S.ASSIGNED, T.RESPOND, PUPR_OFFICER, {"response": ""}, "response text"),
    ("respond by the wrong OPD", S.ASSIGNED, T.RESPOND, DLHK_OFFICER, {"response": "ok"}, "holding the ticket"),
    ("respond by a dispatcher", S.ASSIGNED, T.RESPOND, DISPATCHER, {"response": "ok"}, "role"),
    ("auto-close inside the quiet period", S.RESPONDED, T.CLOSE, SYSTEM, {}, "quiet period"),
    ("close by HR", S.RESPONDED, T.CLOSE, HR, {}, "role"),
    ("reject without a kind", S.SUBMITTED, T.REJECT, DISPATCHER, {"reason": "x"}, "reject reason"),
    (
        "reject as duplicate without original",
        S.SUBMITTED,
        T.REJECT,
        DISPATCHER,
        {"reject_kind": "duplicate"},
        "original report",
    ),
    (
        "reject as duplicate of itself",
        S.SUBMITTED,
        T.REJECT,
        DISPATCHER,
        {"reject_kind": "duplicate", "duplicate_of": 7},
        "original report",
    ),
    ("reopen without reason", S.CLOSED, T.REOPEN, CITIZEN, {}, "reason is required"),
    ("ask the citizen without a question", S.ASSIGNED, T.REQUEST_INFO, PUPR_OFFICER, {}, "question"),
    ("another OPD asks the citizen", S.ASSIGNED, T.REQUEST_INFO, DLHK_OFFICER, {"question": "?"}, "holding"),
    ("an answer nobody asked for", S.ASSIGNED, T.PROVIDE_INFO, CITIZEN, {"answer": "ini"}, "no information"),
]


def test_an_answer_is_accepted_only_while_information_is_awaited() -> None:
    report = report_in(S.ASSIGNED)
    lifecycle().fire(
        report, T.REQUEST_INFO, attempt(PUPR_OFFICER, {"question": "Di mana tepatnya?", "awaiting_info": True})
    )
    assert report.awaiting_info
    with pytest.raises(GuardRejected, match="still awaited"):
        lifecycle().fire(report, T.REQUEST_INFO, attempt(PUPR_OFFICER, {"question": "Lagi?"}))
    lifecycle().fire(report, T.PROVIDE_INFO, attempt(CITIZEN, {"answer": "Depan SD", "awaiting_info": False}))
    assert not report.awaiting_info and report.state is S.ASSIGNED


@pytest.mark.parametrize(
    ("state", "trigger", "actor", "data", "problem"),
    [case[1:] for case in GUARD_CASES],
    ids=[case[0] for case in GUARD_CASES],
)
def test_a_failed_guard_names_the_problem_and_changes_nothing(
    state: ReportState, trigger: Trigger, actor: Actor, data: dict[str, Any], problem: str
) -> None:
    report = report_in(state)
    before = dataclasses.replace(report)
    assert not lifecycle().may(report, trigger, attempt(actor, data))
    with pytest.raises(GuardRejected) as err:
        lifecycle().fire(report, trigger, attempt(actor, data))
    assert problem in str(err.value)
    assert report == before and report.pending_events == []


@pytest.mark.parametrize(("offset", "allowed"), [(timedelta(days=7), True), (timedelta(days=7, minutes=1), False)])
def test_reopening_is_allowed_up_to_the_last_minute_of_the_window(offset: timedelta, allowed: bool) -> None:
    report = report_in(S.CLOSED)
    assert report.responded_at is not None
    at = report.responded_at + offset
    assert lifecycle().may(report, T.REOPEN, attempt(CITIZEN, {"reason": "belum"}, at)) is allowed


@pytest.mark.parametrize(
    ("offset", "allowed"), [(timedelta(days=3) - timedelta(minutes=1), False), (timedelta(days=3), True)]
)
def test_the_system_closes_only_once_the_quiet_period_has_passed(offset: timedelta, allowed: bool) -> None:
    report = report_in(S.RESPONDED)
    assert report.responded_at is not None
    assert lifecycle().may(report, T.CLOSE, attempt(SYSTEM, {}, report.responded_at + offset)) is allowed


def test_a_model_classification_records_the_model_and_its_confidence() -> None:
    report = report_in(S.SUBMITTED)
    data = {"category": "sampah-menumpuk", "classified_by": "tagger", "confidence": 0.91}
    lifecycle().fire(report, T.CLASSIFY, attempt(TAGGER, data))
    event = report.pending_events[0]
    assert (event.actor.role, event.data["confidence"]) == (Role.TAGGER, 0.91)
    assert (report.category, report.classified_by, report.confidence) == ("sampah-menumpuk", "tagger", 0.91)


def test_returning_clears_the_holder_so_the_dispatcher_reroutes() -> None:
    report = report_in(S.ASSIGNED)
    lifecycle().fire(report, T.RETURN, attempt(PUPR_OFFICER, {"reason": "jalan nasional"}))
    assert (report.state, report.opd, report.officer, report.reason) == (S.CLASSIFIED, None, None, "jalan nasional")


def test_replaying_the_events_rebuilds_the_report() -> None:
    report = Report(id=3)
    steps = [
        (T.CLASSIFY, DISPATCHER, {"category": "jalan-rusak"}),
        (T.ASSIGN, DISPATCHER, {"opd": "PUPR"}),
        (T.RESPOND, PUPR_OFFICER, {"response": "sudah ditambal"}),
        (T.REOPEN, CITIZEN, {"reason": "masih berlubang"}),
        (T.RESPOND, PUPR_OFFICER, {"response": "ditambal ulang"}),
        (T.CLOSE, CITIZEN, {}),
    ]
    for i, (trigger, actor, data) in enumerate(steps):
        lifecycle().fire(report, trigger, attempt(actor, data, NOW + timedelta(hours=i)))
    rebuilt = replay(3, report.pending_events)
    assert rebuilt == report
    assert (rebuilt.version, rebuilt.reopen_count, rebuilt.state) == (6, 1, S.CLOSED)


def test_the_machine_is_built_once_and_holds_no_reports() -> None:
    machine = lifecycle()
    report = report_in(S.SUBMITTED)
    machine.fire(report, T.CLASSIFY, attempt(DISPATCHER, {"category": "x"}))
    assert lifecycle() is machine
    assert machine._machine.models == []
