"""The report, its states, triggers, actors and domain events. Pure: no I/O."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


class ReportState(StrEnum):
    SUBMITTED = "submitted"
    CLASSIFIED = "classified"
    ASSIGNED = "assigned"
    RESPONDED = "responded"
    CLOSED = "closed"
    REJECTED = "rejected"


class Trigger(StrEnum):
    CLASSIFY = "classify"
    ASSIGN = "assign"
    REASSIGN = "reassign"
    RETURN = "return"
    RESPOND = "respond"
    CLOSE = "close"
    REJECT = "reject"
    REOPEN = "reopen"
    REQUEST_INFO = "request_info"
    PROVIDE_INFO = "provide_info"


class Role(StrEnum):
    """Who acts on a report. Staff roles plus the non-human actors."""

    DISPATCHER = "dispatcher"
    OPD_OFFICER = "opd_officer"
    OPD_HEAD = "opd_head"
    SUPERVISOR = "supervisor"
    HR = "hr"
    ADMIN = "admin"
    CITIZEN = "citizen"
    SYSTEM = "system"
    TAGGER = "tagger"


STAFF_ROLES = frozenset({Role.DISPATCHER, Role.OPD_OFFICER, Role.OPD_HEAD, Role.SUPERVISOR, Role.HR, Role.ADMIN})
# The role groups, defined here once: the lifecycle's guards, the staff pages and the SLA service read them.
DISPATCH_ROLES = frozenset({Role.DISPATCHER, Role.SUPERVISOR, Role.ADMIN})
SUPERVISING = frozenset({Role.SUPERVISOR, Role.ADMIN})
OPD_ROLES = frozenset({Role.OPD_OFFICER, Role.OPD_HEAD})
ADMINS = frozenset({Role.ADMIN})
SEES_ALL = DISPATCH_ROLES | {Role.HR}


class Priority(StrEnum):
    NORMAL = "normal"
    URGENT = "urgent"


class RejectKind(StrEnum):
    SPAM = "spam"
    DUPLICATE = "duplicate"
    OUTSIDE_AUTHORITY = "outside_authority"


@dataclass(frozen=True)
class Actor:
    name: str
    role: Role
    opd: str | None = None


CITIZEN = Actor("citizen", Role.CITIZEN)
SYSTEM = Actor("system", Role.SYSTEM)


@dataclass(frozen=True)
class ReportEvent:
    """One entry of a report's history. Subclasses name what happened."""

    trigger: str
    from_state: ReportState | None
    to_state: ReportState
    actor: Actor
    at: datetime
    note: str | None
    data: dict[str, Any]

    @property
    def name(self) -> str:
        return type(self).__name__


class ReportSubmitted(ReportEvent): ...


class ReportClassified(ReportEvent): ...


class ReportAssigned(ReportEvent): ...


class ReportReassigned(ReportEvent): ...


class ReportReturned(ReportEvent): ...


class ReportResponded(ReportEvent): ...


class ReportClosed(ReportEvent): ...


class ReportRejected(ReportEvent): ...


class ReportReopened(ReportEvent): ...


class ReportInfoRequested(ReportEvent): ...


class ReportInfoProvided(ReportEvent): ...


class ReportCommented(ReportEvent):
    """A citizen's comment, posted by a client app. It changes no state, so it is recorded
    beside the lifecycle machine (like the submission), never through it."""


class ReportRedacted(ReportEvent):
    """Staff withdrew the citizen's text or photo from public view, with a reason. Like a
    comment it changes no state and is recorded beside the lifecycle machine."""


EVENT_FOR_TRIGGER: dict[str, type[ReportEvent]] = {
    "submit": ReportSubmitted,
    Trigger.CLASSIFY: ReportClassified,
    Trigger.ASSIGN: ReportAssigned,
    Trigger.REASSIGN: ReportReassigned,
    Trigger.RETURN: ReportReturned,
    Trigger.RESPOND: ReportResponded,
    Trigger.CLOSE: ReportClosed,
    Trigger.REJECT: ReportRejected,
    Trigger.REOPEN: ReportReopened,
    Trigger.REQUEST_INFO: ReportInfoRequested,
    Trigger.PROVIDE_INFO: ReportInfoProvided,
    "comment": ReportCommented,
    "redact": ReportRedacted,
}

EVENT_TYPES: dict[str, type[ReportEvent]] = {cls.__name__: cls for cls in EVENT_FOR_TRIGGER.values()}

# The report attributes an event may set; everything else on a report is derived from
# the event's envelope (state, timestamps), so replaying events rebuilds the report exactly.
EVENT_FIELDS = frozenset(
    {
        "category",
        "description",
        "lat",
        "lon",
        "address",
        "priority",
        "photo",
        "reporter",
        "source",
        "classified_by",
        "confidence",
        "opd",
        "officer",
        "response",
        "proof_photo",
        "close_reason",
        "reject_kind",
        "duplicate_of",
        "reason",
        "awaiting_info",
        "pause_reason",
        "description_redacted",
        "photo_redacted",
    }
)


@dataclass
class Report:
    """A citizen's report. Its state changes only through the lifecycle machine."""

    id: int | None = None
    state: ReportState = ReportState.SUBMITTED
    category: str | None = None
    description: str = ""
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    priority: Priority = Priority.NORMAL
    photo: str | None = None
    reporter: dict[str, Any] = field(default_factory=dict)
    source: str = "api"
    classified_by: str | None = None
    confidence: float | None = None
    opd: str | None = None
    officer: str | None = None
    response: str | None = None
    proof_photo: str | None = None
    close_reason: str | None = None
    reject_kind: RejectKind | None = None
    duplicate_of: int | None = None
    reason: str | None = None
    submitted_at: datetime | None = None
    updated_at: datetime | None = None
    assigned_at: datetime | None = None
    responded_at: datetime | None = None
    closed_at: datetime | None = None
    reopen_count: int = 0
    awaiting_info: bool = False
    pause_reason: str | None = None
    description_redacted: bool = False  # the public read side no longer serves the text
    photo_redacted: bool = False  # nor the citizen's photo
    version: int = 0
    pending_events: list[ReportEvent] = field(default_factory=list, compare=False, repr=False)

    def record(self, event: ReportEvent) -> None:
        """Apply an event and keep it for the repository to append to the history."""
        apply(self, event)
        self.pending_events.append(event)


def apply(report: Report, event: ReportEvent) -> None:
    """Evolve a report by one event. The only place report fields change."""
    report.state = event.to_state
    report.updated_at = event.at
    report.version += 1
    for key, value in event.data.items():
        if key in EVENT_FIELDS:
            setattr(report, key, _typed(key, value))
    _stamp(report, event)


def _typed(key: str, value: Any) -> Any:
    if value is None:
        return None
    if key == "priority":
        return Priority(value)
    if key == "reject_kind":
        return RejectKind(value)
    return value


def _stamp(report: Report, event: ReportEvent) -> None:
    if isinstance(event, ReportSubmitted):
        report.submitted_at = event.at
    elif isinstance(event, ReportAssigned | ReportReopened):
        report.assigned_at = event.at
    elif isinstance(event, ReportResponded):
        report.responded_at = event.at
    elif isinstance(event, ReportClosed):
        report.closed_at = event.at
    if isinstance(event, ReportReopened):
        report.reopen_count += 1
        report.closed_at = None
        report.close_reason = None
    if isinstance(event, ReportReturned):
        report.opd = None
        report.officer = None
    if event.to_state is not ReportState.ASSIGNED:
        # Waiting for the citizen only means something while an OPD holds the ticket.
        report.awaiting_info = False
        report.pause_reason = None


def replay(report_id: int | None, events: list[ReportEvent]) -> Report:
    """Rebuild a report from its history alone."""
    report = Report(id=report_id)
    for event in events:
        apply(report, event)
    return report
