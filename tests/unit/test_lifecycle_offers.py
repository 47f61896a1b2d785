"""Lifecycle.may_offer / offered: which actions a page may offer a person, judged on the
permission guards alone (role, holding OPD, quiet period, reopen window, awaiting information)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from states.lifecycle import PERMISSION_GUARDS, TRANSITIONS, Attempt, LifecyclePolicy, lifecycle
from states.model import CITIZEN, SYSTEM, Actor, Report, ReportState, Role, Trigger

S, T = ReportState, Trigger
NOW = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)
POLICY = LifecyclePolicy(quiet_period=timedelta(days=3), reopen_window=timedelta(days=7))

PERSONAS: dict[str, Actor] = {
    "dispatcher": Actor("dispatcher", Role.DISPATCHER),
    "supervisor": Actor("supervisor", Role.SUPERVISOR),
    "admin": Actor("admin", Role.ADMIN),
    "hr": Actor("hr", Role.HR),
    "pupr.officer": Actor("pupr.officer", Role.OPD_OFFICER, "PUPR"),  # holds the ticket
    "pupr.officer2": Actor("pupr.officer2", Role.OPD_OFFICER, "PUPR"),
    "pupr.head": Actor("pupr.head", Role.OPD_HEAD, "PUPR"),
    "dlhk.officer": Actor("dlhk.officer", Role.OPD_OFFICER, "DLHK"),
    "dlhk.head": Actor("dlhk.head", Role.OPD_HEAD, "DLHK"),
    "citizen": CITIZEN,
    "system": SYSTEM,
    "tagger": Actor("tagger", Role.TAGGER),
}
DISPATCH = ("dispatcher", "supervisor", "admin")
PUPR = ("pupr.officer", "pupr.officer2", "pupr.head")


def report(state: ReportState, answered_days_ago: float | None = None, awaiting_info: bool = False) -> Report:
    held = state in (S.ASSIGNED, S.RESPONDED, S.CLOSED)
    answered = NOW - timedelta(days=answered_days_ago) if answered_days_ago is not None else None
    return Report(id=7, state=state, category="jalan-rusak", opd="PUPR" if held else None,
                  officer="pupr.officer" if held else None, awaiting_info=awaiting_info, responded_at=answered)


def offers(*groups: tuple[tuple[str, ...], set[Trigger]]) -> dict[str, set[Trigger]]:
    table: dict[str, set[Trigger]] = {name: set() for name in PERSONAS}
    for names, triggers in groups:
        for name in names:
            table[name] = triggers
    return table


# Scenario: (the report, what each persona is offered). A persona not named is offered nothing.
SCENARIOS: dict[str, tuple[Report, dict[str, set[Trigger]]]] = {
    "submitted": (report(S.SUBMITTED), offers((DISPATCH, {T.CLASSIFY, T.REJECT}), (("tagger",), {T.CLASSIFY}))),
    "classified": (report(S.CLASSIFIED), offers((DISPATCH, {T.ASSIGN, T.REJECT}), (("system",), {T.ASSIGN}))),
    "assigned to PUPR": (report(S.ASSIGNED), offers(
        (DISPATCH, {T.REASSIGN, T.RETURN, T.REQUEST_INFO}),
        (PUPR, {T.REASSIGN, T.RETURN, T.RESPOND, T.REQUEST_INFO}))),
    "assigned, awaiting the citizen": (report(S.ASSIGNED, awaiting_info=True), offers(
        (DISPATCH, {T.REASSIGN, T.RETURN, T.PROVIDE_INFO}),
        (PUPR, {T.REASSIGN, T.RETURN, T.RESPOND}),
        (("citizen",), {T.PROVIDE_INFO}))),
    "answered a day ago": (report(S.RESPONDED, 1), offers(((*DISPATCH, "citizen"), {T.CLOSE, T.REOPEN}))),
    "answered past the quiet period": (report(S.RESPONDED, 4), offers(
        ((*DISPATCH, "citizen"), {T.CLOSE, T.REOPEN}), (("system",), {T.CLOSE}))),
    "answered past the reopen window": (report(S.RESPONDED, 8), offers(
        ((*DISPATCH, "citizen", "system"), {T.CLOSE}))),
    "closed within the reopen window": (report(S.CLOSED, 2), offers(((*DISPATCH, "citizen"), {T.REOPEN}))),
    "closed past the reopen window": (report(S.CLOSED, 8), offers()),
    "rejected": (report(S.REJECTED), offers()),
}
CASES = [(scenario, persona) for scenario in SCENARIOS for persona in PERSONAS]


def attempt(actor: Actor, at: datetime = NOW) -> Attempt:
    return Attempt(actor, at, {}, None, POLICY)


@pytest.mark.parametrize(("scenario", "persona"), CASES, ids=[f"{s}-{p}" for s, p in CASES])
def test_each_persona_is_offered_what_the_permission_guards_allow(scenario: str, persona: str) -> None:
    subject, expected = SCENARIOS[scenario]
    actor = PERSONAS[persona]
    assert set(lifecycle().offered(subject, attempt(actor))) == expected[persona]
    assert {t for t in Trigger if lifecycle().may_offer(subject, t, attempt(actor))} == expected[persona]


@pytest.mark.parametrize("persona", ["hr", "dlhk.officer", "dlhk.head", "citizen", "tagger"])
def test_hr_another_opd_and_outsiders_may_never_touch_an_assigned_ticket(persona: str) -> None:
    for awaiting in (False, True):
        subject = report(S.ASSIGNED, awaiting_info=awaiting)
        offered = set(lifecycle().offered(subject, attempt(PERSONAS[persona])))
        assert offered <= {T.PROVIDE_INFO} if persona == "citizen" else offered == set()


def test_reopen_is_offered_up_to_the_last_minute_of_the_window() -> None:
    subject = report(S.CLOSED, 7)
    dispatcher = PERSONAS["dispatcher"]
    assert lifecycle().may_offer(subject, T.REOPEN, attempt(dispatcher))
    assert not lifecycle().may_offer(subject, T.REOPEN, attempt(dispatcher, NOW + timedelta(minutes=1)))


def test_the_system_may_close_only_once_the_quiet_period_is_over() -> None:
    subject = report(S.RESPONDED, 3)
    assert lifecycle().may_offer(subject, T.CLOSE, attempt(SYSTEM))
    assert not lifecycle().may_offer(subject, T.CLOSE, attempt(SYSTEM, NOW - timedelta(minutes=1)))


def test_an_offer_ignores_the_form_data_that_firing_needs() -> None:
    subject, officer = report(S.ASSIGNED), PERSONAS["pupr.officer"]
    assert lifecycle().may_offer(subject, T.RESPOND, attempt(officer))
    assert not lifecycle().may(subject, T.RESPOND, attempt(officer))  # no response text yet


def test_a_trigger_the_state_does_not_have_is_not_offered_and_raises_nothing() -> None:
    subject = report(S.SUBMITTED)
    assert not lifecycle().may_offer(subject, T.RESPOND, attempt(PERSONAS["pupr.officer"]))
    assert not lifecycle().may_offer(subject, T.REOPEN, attempt(PERSONAS["dispatcher"]))


def test_the_permission_guards_are_exactly_the_guards_that_read_no_form_data() -> None:
    guards = {g for t in TRANSITIONS for g in t["conditions"]}
    reads_data = {g for g in guards if "data" in g.__code__.co_names}
    assert guards - reads_data == PERMISSION_GUARDS
