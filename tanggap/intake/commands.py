"""The commands intake handles and the values they return."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from enum import StrEnum

from tanggap import commands as c


class Source(StrEnum):
    OPEN311 = "open311"
    WEB = "web"


@dataclass(frozen=True)
class IssueApiKey(c.Command):
    name: str


@dataclass(frozen=True)
class RevokeApiKey(c.Command):
    name: str


@dataclass(frozen=True)
class SubmitServiceRequest(c.Command):
    """A citizen's report as a client sent it. Coordinates stay text so that every problem,
    including 'not a number', is reported together by the handler."""

    service_code: str | None
    description: str = ""
    lat: str | None = None
    long: str | None = None
    address: str | None = None
    attributes: Mapping[str, Sequence[str]] = field(default_factory=dict)
    contact: Mapping[str, str] = field(default_factory=dict)
    media_url: str | None = None
    photo: bytes | None = None
    api_key: str | None = None
    idempotency_key: str | None = None
    source: Source = Source.OPEN311
    more_media_urls: Sequence[str] = ()  # photos beyond the first (FixMyStreet's multi_photos), kept as links


@dataclass(frozen=True)
class CheckSubmission(c.Command):
    """Check a submission without filing it: raises InvalidRequest naming every problem."""

    submission: SubmitServiceRequest


@dataclass(frozen=True)
class Submission:
    report_id: int
    token: str | None  # the citizen's secret for this report: on the first answer only, never on a replay
    replayed: bool
    notice: str


@dataclass(frozen=True)
class CitizenCommand(c.Command):
    report_id: int
    token: str


@dataclass(frozen=True)
class ConfirmFix(CitizenCommand):
    pass


@dataclass(frozen=True)
class DisputeFix(CitizenCommand):
    reason: str = ""


@dataclass(frozen=True)
class RateResponse(CitizenCommand):
    stars: int = 0
    comment: str = ""


@dataclass(frozen=True)
class ClaimMediaFetches(c.Command):
    worker: str
    limit: int = 10
    lease: timedelta = timedelta(minutes=5)


@dataclass(frozen=True)
class MediaFetchJob:
    outbox_id: int
    report_id: int
    url: str
    attempt: int


@dataclass(frozen=True)
class RecordMediaFetch(c.Command):
    job: MediaFetchJob
    photo: bytes | None
    problem: str | None = None
    permanent: bool = False


@dataclass(frozen=True)
class PostServiceRequestUpdate(c.Command):
    """A citizen's comment as a client app posts it (mySociety's service request updates
    extension to GeoReport v2). `update_id` is the app's own id for the comment."""

    api_key: str | None
    service_request_id: str | None
    update_id: str | None
    updated_datetime: str | None = None
    status: str | None = None
    description: str = ""
    contact: Mapping[str, str] = field(default_factory=dict)
    media_urls: Sequence[str] = ()


@dataclass(frozen=True)
class PostedUpdate:
    """Where the answer to a posted update lives: the report event it recorded (or recorded the
    first time the app sent this update id)."""

    report_id: int
    event_seq: int
    replayed: bool
