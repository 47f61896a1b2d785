"""Objections to breaches: the window to file one, and where each breach stands in its month. Pure."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sla.calendar import WorkingCalendar

DEFAULT_WINDOW_DAYS = 5


class ObjectionReason(StrEnum):
    """Why an officer contests a breach; `other` needs the free text to say it."""

    CITIZEN_UNREACHABLE = "citizen_unreachable"
    NOT_OUR_REPORT = "not_our_report"
    SYSTEM_OUTAGE = "system_outage"
    WRONG_HOLDER = "wrong_holder"
    HOLIDAY_MISSING = "holiday_missing"
    OTHER = "other"


class Outcome(StrEnum):
    ACCEPTED = "accepted"
    REFUSED = "refused"


class Standing(StrEnum):
    """Where a breach stands for the allowance: only `final` and `open` breaches can still cost pay,
    and only `final` ones are settled."""

    OPEN = "open"  # its objection window is still running and nobody has objected
    UNDER_OBJECTION = "under_objection"  # an objection waits for a supervisor
    WAIVED = "waived"
    FINAL = "final"  # the window has ended (or the objection was refused) and it stands


def objection_window_end(calendar: WorkingCalendar, breach_due: datetime, days: int) -> datetime:
    """Closing time of the `days`-th working day after the breach, on the calendar it was measured on."""
    return calendar.add_working_days(breach_due, days)


def standing(waived: bool, pending: bool, window_ends_at: datetime, now: datetime) -> Standing:
    if waived:
        return Standing.WAIVED
    if pending:
        return Standing.UNDER_OBJECTION
    return Standing.OPEN if now <= window_ends_at else Standing.FINAL
