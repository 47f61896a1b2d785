"""Commands: what a caller asks the service layer to do, in the imperative."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any


@dataclass(frozen=True)
class Command:
    """Base of every command handled by the bus."""


@dataclass(frozen=True)
class SubmitReport(Command):
    description: str
    category: str | None = None
    lat: float | None = None
    lon: float | None = None
    address: str | None = None
    photo: str | None = None
    reporter: dict[str, Any] = field(default_factory=dict)
    source: str = "api"
    actor: str = "citizen"


@dataclass(frozen=True)
class ReportCommand(Command):
    """A command on one existing report, by a named actor, optionally guarding the version seen."""

    report_id: int
    actor: str
    note: str | None = None
    expected_version: int | None = None


@dataclass(frozen=True)
class ClassifyReport(ReportCommand):
    category: str = ""
    confidence: float | None = None


@dataclass(frozen=True)
class AssignReport(ReportCommand):
    opd: str | None = None
    officer: str | None = None


@dataclass(frozen=True)
class ReassignReport(ReportCommand):
    opd: str | None = None
    officer: str | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReturnReport(ReportCommand):
    reason: str = ""


@dataclass(frozen=True)
class RespondReport(ReportCommand):
    response: str = ""
    proof_photo: str | None = None


@dataclass(frozen=True)
class CloseReport(ReportCommand):
    pass


@dataclass(frozen=True)
class RejectReport(ReportCommand):
    kind: str = ""
    duplicate_of: int | None = None
    reason: str | None = None


@dataclass(frozen=True)
class ReopenReport(ReportCommand):
    reason: str = ""


@dataclass(frozen=True)
class CreateUser(Command):
    username: str
    role: str
    full_name: str = ""
    opd: str | None = None
    password: str | None = None
    email: str | None = None


@dataclass(frozen=True)
class DefineOpd(Command):
    """Create or update an OPD by its code."""

    code: str
    name: str
    short_name: str
    is_24_7: bool = False


@dataclass(frozen=True)
class DefineCategory(Command):
    """Create or update a complaint category and its routing to a default OPD."""

    code: str
    name: str
    opd: str
    description: str = ""
    urgent: bool = False
    keywords: tuple[str, ...] = ()


@dataclass(frozen=True)
class RequestInformation(ReportCommand):
    """The holding OPD asks the citizen for more information; the clock pauses if the rule says so."""

    question: str = ""


@dataclass(frozen=True)
class ProvideInformation(ReportCommand):
    answer: str = ""


@dataclass(frozen=True)
class DefineCalendar(Command):
    name: str
    spec: dict[str, Any]
    actor: str
    note: str | None = None  # why, kept with each change in the configuration audit trail


@dataclass(frozen=True)
class DefineRule(Command):
    """A new SLA rule, or (with rule_id) a new version of one, effective from a time."""

    actor: str
    metric: str
    target_amount: float
    target_unit: str
    calendar: str
    rule_id: int | None = None
    opd: str | None = None
    category: str | None = None
    priority: str | None = None
    warn_at: tuple[float, ...] = (0.5, 0.75)
    pause_on: tuple[str, ...] = ("awaiting_citizen",)
    effective_from: datetime | None = None
    retire: bool = False
    note: str | None = None


@dataclass(frozen=True)
class WaiveBreach(Command):
    breach_id: int
    actor: str
    reason: str


@dataclass(frozen=True)
class SweepSla(Command):
    """Record alerts due by `now` (the caller's now when None) on up to `limit` clocks."""

    now: datetime | None = None
    limit: int = 5000


@dataclass(frozen=True)
class SetAllowancePolicy(Command):
    actor: str
    spec: dict[str, Any]
    effective_month: str


@dataclass(frozen=True)
class ClaimOutbox(Command):
    """Lease pending outbox rows of these topics to a worker."""

    topics: tuple[str, ...]
    worker: str
    limit: int = 64
    lease_seconds: int = 300
    max_attempts: int | None = None  # a row claimed more often than this is given up on, not returned


@dataclass(frozen=True)
class GiveUpClaims(Command):
    """Stop trying the work of these claimed outbox rows, keeping why (a worker that still holds them)."""

    worker: str
    claims: tuple[Claim, ...]
    reason: str


@dataclass(frozen=True)
class CloseQuietReports(Command):
    """Close every responded report whose quiet period has passed."""

    limit: int = 500


@dataclass(frozen=True)
class FanOutNotifications(Command):
    """Turn pending notification messages into inbox entries for their recipients."""

    limit: int = 200


@dataclass(frozen=True)
class ClaimEmails(Command):
    limit: int = 50


@dataclass(frozen=True)
class RecordEmailResults(Command):
    """Outcomes of one sending round: inbox id -> None when sent, or the error text."""

    results: tuple[tuple[int, str | None], ...]
    max_attempts: int = 5


@dataclass(frozen=True)
class Claim:
    """An outbox row leased to a worker."""

    outbox_id: int
    topic: str
    report_id: int | None
    payload: dict[str, Any]
    attempts: int = 1


@dataclass(frozen=True)
class TagOutcome:
    """What the tagger produced for one report, in a form that crosses process boundaries."""

    report_id: int
    status: str  # ok | no_photo | error | unavailable
    model_sha: str | None = None
    hints: tuple[dict[str, Any], ...] = ()
    analysis: dict[str, Any] = field(default_factory=dict)
    phash: str | None = None
    embedding: bytes | None = None
    error: str | None = None


@dataclass(frozen=True)
class RouteSubmitted(Command):
    """Classify, check and route claimed new reports with their tagging results."""

    worker: str
    claims: tuple[Claim, ...]
    tags: tuple[TagOutcome, ...]


@dataclass(frozen=True)
class RetrainTagger(Command):
    """Retrain the category head on staff labels for the model with this sha256."""

    model_sha: str | None


@dataclass(frozen=True)
class SetDuplicateRadius(Command):
    """How far apart (metres) two reports of a category may be and still be one problem."""

    category: str
    radius_m: float


@dataclass(frozen=True)
class TagFetchedPhotos(Command):
    """Store the tagging results of photos fetched after their reports were processed."""

    worker: str
    claims: tuple[Claim, ...]
    tags: tuple[TagOutcome, ...]
