"""The report lifecycle, declared once as data and run by one shared `transitions` machine."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from typing import Any, cast

from transitions import EventData, Machine

from states.errors import GuardRejected, InvalidTransition
from states.model import (
    DISPATCH_ROLES,
    EVENT_FOR_TRIGGER,
    Actor,
    RejectKind,
    Report,
    ReportState,
    Role,
    Trigger,
)

S = ReportState
Guard = Callable[[EventData], bool]


@dataclass(frozen=True)
class LifecyclePolicy:
    """City-configurable time limits the guards read."""

    quiet_period: timedelta = timedelta(days=3)
    reopen_window: timedelta = timedelta(days=7)
    objection_window_days: int = 5  # working days after a breach to object to it, on its calendar


@dataclass(frozen=True)
class Attempt:
    """What a trigger is fired with; guards and the event recorder read it."""

    actor: Actor
    at: datetime
    data: Mapping[str, Any]
    note: str | None
    policy: LifecyclePolicy


def _attempt(ev: EventData) -> Attempt:
    attempt: Attempt = ev.kwargs["attempt"]
    return attempt


def _report(ev: EventData) -> Report:
    assert isinstance(ev.model, Report)
    return ev.model


# Guards: pure predicates over the report and the attempt.
def has_category(ev: EventData) -> bool:
    return bool(_attempt(ev).data.get("category"))


def has_classifier(ev: EventData) -> bool:
    attempt = _attempt(ev)
    if attempt.actor.role is Role.TAGGER:
        confidence = attempt.data.get("confidence")
        return isinstance(confidence, int | float) and 0.0 <= confidence <= 1.0
    return attempt.actor.role in DISPATCH_ROLES


def has_opd(ev: EventData) -> bool:
    return bool(_attempt(ev).data.get("opd"))


def has_reason(ev: EventData) -> bool:
    return bool((_attempt(ev).data.get("reason") or "").strip())


def has_new_holder(ev: EventData) -> bool:
    data, report = _attempt(ev).data, _report(ev)
    return (data.get("opd") or report.opd, data.get("officer")) != (report.opd, report.officer)


def has_reason_for_opd_change(ev: EventData) -> bool:
    data, report = _attempt(ev).data, _report(ev)
    return data.get("opd") in (None, report.opd) or has_reason(ev)


def is_holding_opd(ev: EventData) -> bool:
    actor = _attempt(ev).actor
    return actor.opd is not None and actor.opd == _report(ev).opd


def is_holding_opd_or_dispatch(ev: EventData) -> bool:
    return is_holding_opd(ev) or _attempt(ev).actor.role in DISPATCH_ROLES


def has_response_text(ev: EventData) -> bool:
    return bool((_attempt(ev).data.get("response") or "").strip())


def is_allowed_closer(ev: EventData) -> bool:
    attempt, report = _attempt(ev), _report(ev)
    if attempt.actor.role is Role.SYSTEM:
        quiet_since = report.responded_at
        return quiet_since is not None and attempt.at - quiet_since >= attempt.policy.quiet_period
    return attempt.actor.role is Role.CITIZEN or attempt.actor.role in DISPATCH_ROLES


def has_reject_reason(ev: EventData) -> bool:
    data = _attempt(ev).data
    kind = data.get("reject_kind")
    if kind not in set(RejectKind):
        return False
    if kind == RejectKind.DUPLICATE:
        original = data.get("duplicate_of")
        return isinstance(original, int) and original != _report(ev).id
    return True


def is_within_reopen_window(ev: EventData) -> bool:
    attempt, responded_at = _attempt(ev), _report(ev).responded_at
    return responded_at is not None and attempt.at - responded_at <= attempt.policy.reopen_window


# Which roles may fire each trigger; the OPD-scoping guards above narrow it further.
PERMITTED_ROLES: dict[str, frozenset[Role]] = {
    Trigger.CLASSIFY: DISPATCH_ROLES | {Role.TAGGER},
    Trigger.ASSIGN: DISPATCH_ROLES | {Role.SYSTEM},
    Trigger.REASSIGN: DISPATCH_ROLES | {Role.OPD_HEAD, Role.OPD_OFFICER},
    Trigger.RETURN: DISPATCH_ROLES | {Role.OPD_HEAD, Role.OPD_OFFICER},
    Trigger.RESPOND: frozenset({Role.OPD_HEAD, Role.OPD_OFFICER}),
    Trigger.CLOSE: DISPATCH_ROLES | {Role.CITIZEN, Role.SYSTEM},
    Trigger.REJECT: DISPATCH_ROLES,
    Trigger.REOPEN: DISPATCH_ROLES | {Role.CITIZEN},
    Trigger.REQUEST_INFO: DISPATCH_ROLES | {Role.OPD_HEAD, Role.OPD_OFFICER},
    Trigger.PROVIDE_INFO: DISPATCH_ROLES | {Role.CITIZEN},
}


def has_question(ev: EventData) -> bool:
    return bool((_attempt(ev).data.get("question") or "").strip())


def has_answer(ev: EventData) -> bool:
    return bool((_attempt(ev).data.get("answer") or "").strip())


def is_awaiting_info(ev: EventData) -> bool:
    return _report(ev).awaiting_info


def is_not_awaiting_info(ev: EventData) -> bool:
    return not _report(ev).awaiting_info


def has_permitted_role(ev: EventData) -> bool:
    return _attempt(ev).actor.role in PERMITTED_ROLES[ev.event.name]


GUARD_PROBLEMS: dict[Guard, str] = {
    has_permitted_role: "this role may not do this",
    has_category: "a category is required",
    has_classifier: "classification must come from a dispatcher, or from the model with a confidence in [0, 1]",
    has_opd: "an OPD is required",
    has_reason: "a reason is required",
    has_new_holder: "the new holder is the same as the current one",
    has_reason_for_opd_change: "moving to another OPD requires a reason",
    is_holding_opd: "only the OPD holding the ticket may do this",
    is_holding_opd_or_dispatch: "only the OPD holding the ticket or the dispatch unit may do this",
    has_response_text: "response text is required",
    is_allowed_closer: "only the citizen, a dispatcher, or the system after the quiet period may close",
    has_reject_reason: (
        "a reject reason is required: spam, outside_authority, or duplicate with the original report number"
    ),
    is_within_reopen_window: "the reopen window after the response has passed",
    has_question: "a question for the citizen is required",
    has_answer: "the citizen's answer is required",
    is_awaiting_info: "no information was requested",
    is_not_awaiting_info: "information was already requested and is still awaited",
}

# The guards that judge only who acts, on which ticket, when: role, holding OPD, quiet period,
# reopen window, awaiting information. They read nothing from the attempt's data, so a page can
# ask them before the form is filled in (`Lifecycle.may_offer`); the rest need the form's data.
PERMISSION_GUARDS: frozenset[Guard] = frozenset({
    has_permitted_role,
    is_holding_opd,
    is_holding_opd_or_dispatch,
    is_allowed_closer,
    is_within_reopen_window,
    is_awaiting_info,
    is_not_awaiting_info,
})

TRANSITIONS: tuple[dict[str, Any], ...] = (
    {
        "trigger": Trigger.CLASSIFY,
        "source": S.SUBMITTED,
        "dest": S.CLASSIFIED,
        "conditions": [has_permitted_role, has_category, has_classifier],
    },
    {
        "trigger": Trigger.ASSIGN,
        "source": S.CLASSIFIED,
        "dest": S.ASSIGNED,
        "conditions": [has_permitted_role, has_opd],
    },
    {
        "trigger": Trigger.REASSIGN,
        "source": S.ASSIGNED,
        "dest": S.ASSIGNED,
        "conditions": [has_permitted_role, has_new_holder, has_reason_for_opd_change, is_holding_opd_or_dispatch],
    },
    {
        "trigger": Trigger.RETURN,
        "source": S.ASSIGNED,
        "dest": S.CLASSIFIED,
        "conditions": [has_permitted_role, has_reason, is_holding_opd_or_dispatch],
    },
    {
        "trigger": Trigger.RESPOND,
        "source": S.ASSIGNED,
        "dest": S.RESPONDED,
        "conditions": [has_permitted_role, has_response_text, is_holding_opd],
    },
    {
        "trigger": Trigger.CLOSE,
        "source": S.RESPONDED,
        "dest": S.CLOSED,
        "conditions": [has_permitted_role, is_allowed_closer],
    },
    {
        "trigger": Trigger.REJECT,
        "source": [S.SUBMITTED, S.CLASSIFIED],
        "dest": S.REJECTED,
        "conditions": [has_permitted_role, has_reject_reason],
    },
    {
        "trigger": Trigger.REOPEN,
        "source": [S.RESPONDED, S.CLOSED],
        "dest": S.ASSIGNED,
        "conditions": [has_permitted_role, has_reason, is_within_reopen_window],
    },
    {
        "trigger": Trigger.REQUEST_INFO,
        "source": S.ASSIGNED,
        "dest": S.ASSIGNED,
        "conditions": [has_permitted_role, has_question, is_holding_opd_or_dispatch, is_not_awaiting_info],
    },
    {
        "trigger": Trigger.PROVIDE_INFO,
        "source": S.ASSIGNED,
        "dest": S.ASSIGNED,
        "conditions": [has_permitted_role, has_answer, is_awaiting_info],
    },
)


def _record_event(ev: EventData) -> None:
    """The machine's only callback: record what happened as a domain event. No I/O."""
    attempt, report, transition = _attempt(ev), _report(ev), ev.transition
    assert transition is not None
    event_type = EVENT_FOR_TRIGGER[ev.event.name]
    report.record(
        event_type(
            trigger=str(ev.event.name),
            from_state=ReportState[str(transition.source)],
            to_state=ReportState[str(transition.dest)],
            actor=attempt.actor,
            at=attempt.at,
            note=attempt.note,
            data=dict(attempt.data),
        )
    )


class Lifecycle:
    """One machine for every report: reports are passed in, never attached to it."""

    def __init__(self) -> None:
        self._machine = Machine(
            model=[],
            states=ReportState,
            transitions=[dict(t) for t in TRANSITIONS],
            initial=None,
            auto_transitions=False,
            send_event=True,
            after_state_change=_record_event,
        )

    def may(self, report: Report, trigger: Trigger, attempt: Attempt) -> bool:
        # Machine.add_model would bind may_<trigger> as this same call, but it would also
        # make the shared machine hold a reference to every report it ever saw.
        return bool(self._machine._can_trigger(report, trigger.value, attempt=attempt))

    def may_offer(self, report: Report, trigger: Trigger, attempt: Attempt) -> bool:
        """May `attempt.actor` fire `trigger` on this report, judging only the permission guards?
        The data guards wait for the form; `fire` checks every guard when it comes back."""
        if trigger not in self.triggers_from(report.state):
            return False
        ev = self._event_data(report, trigger, attempt)
        return any(all(g(ev) for g in guards if g in PERMISSION_GUARDS)
                   for guards in self._guards(report, trigger))

    def offered(self, report: Report, attempt: Attempt) -> list[Trigger]:
        """The triggers `may_offer` allows on this report, in the order `Trigger` declares them."""
        return [t for t in Trigger if self.may_offer(report, t, attempt)]

    def triggers_from(self, state: ReportState) -> list[Trigger]:
        return [Trigger(name) for name in self._machine.get_triggers(state)]

    def fire(self, report: Report, trigger: Trigger, attempt: Attempt) -> None:
        if trigger not in self.triggers_from(report.state):
            raise InvalidTransition(report.id, report.state.value, trigger.value)
        problems = self._problems(report, trigger, attempt)
        if problems:
            raise GuardRejected(report.id, trigger.value, problems)
        self._machine.events[trigger.value].trigger(report, attempt=attempt)

    def _problems(self, report: Report, trigger: Trigger, attempt: Attempt) -> list[str]:
        ev = self._event_data(report, trigger, attempt)
        guards = [g for per_transition in self._guards(report, trigger) for g in per_transition]
        return [GUARD_PROBLEMS[g] for g in guards if not g(ev)]

    def _event_data(self, report: Report, trigger: Trigger, attempt: Attempt) -> EventData:
        event = self._machine.events[trigger.value]
        return EventData(None, event, self._machine, report, (), {"attempt": attempt})

    def _guards(self, report: Report, trigger: Trigger) -> list[list[Guard]]:
        """The conditions of each transition `trigger` has from the report's state."""
        transitions = self._machine.events[trigger.value].transitions[report.state.name]
        return [[cast(Guard, c.func) for c in t.conditions] for t in transitions]


@cache
def lifecycle() -> Lifecycle:
    """The shared machine, built on first use."""
    return Lifecycle()
