"""Citizen intake: Open311 submissions and reads, API keys, idempotency, citizen actions, photo fetches.

Commands and handlers follow the service layer's shape (`handler(cmd, ctx)`, run by the bus).
Submissions need photo storage and the city's intake rules, which the plain unit of work does
not carry, so they run on an `IntakeUnitOfWork` through `IntakeService`.

Attribute answers (Open311 `attribute[code]`) are stored in `report_attributes`, one row per
value, never in the report's `reporter` data.
"""

from __future__ import annotations

import hashlib
import ipaddress
import json
import logging
import math
import re
import secrets
import socket
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit
from weakref import WeakKeyDictionary
from zoneinfo import ZoneInfo

from sqlalchemy import Engine, column, func, inspect, select, table
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from states.errors import DomainError, InvalidInput, NotFound, PermissionDenied
from states.lifecycle import Attempt, LifecyclePolicy, lifecycle
from states.model import CITIZEN, Report, ReportState, Trigger
from tanggap import commands as c
from tanggap import outbox, services
from tanggap.config import DISPLAY_TZ, IntakeSettings
from tanggap.context import Context
from tanggap.db import CategoryRow, OpdRow, OutboxRow, ReportRow, UtcDateTime
from tanggap.intake_db import (
    ApiKeyRow,
    CitizenTokenRow,
    IdempotencyKeyRow,
    PhotoRow,
    RatingRow,
    ReportAttributeRow,
)
from tanggap.storage import AbstractPhotoStorage, PreparedPhoto, prepare_photo
from tanggap.uow import AbstractUnitOfWork, SqlAlchemyUnitOfWork
from tanggap.views import local_iso

if TYPE_CHECKING:
    from tanggap.bootstrap import Tanggap

log = logging.getLogger(__name__)

FETCH_TOPIC = "photo.fetch"
STORED_TOPIC = "photo.stored"
MAX_FETCH_ATTEMPTS = 3
MAX_KEY = 255
MAX_FIELD = 200
MAX_ADDRESS = 400
MAX_URL = 2000
PAGE_SIZE = 1000
QUERY_SPAN = timedelta(days=90)
KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$")
CONTACT_FIELDS = ("email", "first_name", "last_name", "phone", "account_id", "device_id")
# Open311 requires a service code on every request; a web report filed as "tidak tahu" has
# none until the dispatch unit classifies it.
UNCATEGORISED = ("belum-dikategorikan", "Belum dikategorikan")
OPEN_STATES = frozenset(s.value for s in ReportState) - {ReportState.CLOSED.value, ReportState.REJECTED.value}
# The tables whose unique constraints settle races between identical requests: a loser's
# commit fails on them, and running its command again finds the winner's row.
RACE_TABLES = ("idempotency_keys", "ratings")


# --- errors ----------------------------------------------------------------------------------


class InvalidRequest(DomainError):
    """Several things are wrong with one request; each problem names its field."""

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class InvalidApiKey(PermissionDenied):
    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__("client", f"submit requests: {problem}")


class IdempotencyKeyReused(DomainError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")


class MediaFetchFailed(DomainError):
    def __init__(self, url: str, reason: str, permanent: bool) -> None:
        self.url, self.reason, self.permanent = url, reason, permanent
        super().__init__(f"could not fetch {url}: {reason}")


# --- service attributes (Open311 service definitions) ----------------------------------------


class Datatype(StrEnum):
    STRING = "string"
    NUMBER = "number"
    DATETIME = "datetime"
    TEXT = "text"
    SINGLE = "singlevaluelist"
    MULTI = "multivaluelist"


@dataclass(frozen=True)
class AttributeDef:
    code: str
    datatype: Datatype
    required: bool
    description: str
    order: int
    values: tuple[tuple[str, str], ...] = ()
    datatype_description: str | None = None
    variable: bool = True

    def check(self, given: Sequence[str]) -> list[str]:
        """The values to store. Blank values count as not given, so an empty optional answer passes."""
        values = [v.strip() for v in given if v.strip()]
        field_name = f"attribute[{self.code}]"
        if not values:
            if self.required:
                raise InvalidInput(field_name, "is required")
            return []
        if self.datatype is not Datatype.MULTI and len(values) > 1:
            raise InvalidInput(field_name, f"takes one value, got {len(values)}")
        for value in values:
            self._check_value(field_name, value)
        return values

    def _check_value(self, field_name: str, value: str) -> None:
        keys = [key for key, _ in self.values]
        if self.datatype in (Datatype.SINGLE, Datatype.MULTI) and value not in keys:
            raise InvalidInput(field_name, f"{value!r} is not one of {', '.join(keys)}")
        if self.datatype is Datatype.NUMBER and not _is_number(value):
            raise InvalidInput(field_name, f"{value!r} is not a number")
        if self.datatype is Datatype.DATETIME and _parse_datetime(value) is None:
            raise InvalidInput(field_name, f"{value!r} is not an ISO 8601 date and time")
        limit = services.MAX_DESCRIPTION if self.datatype is Datatype.TEXT else MAX_FIELD
        if len(value) > limit:
            raise InvalidInput(field_name, f"is {len(value)} characters; the limit is {limit}")


SEVERITY = (
    ("ringan", "Ringan: retak atau lubang kecil"),
    ("sedang", "Sedang: lubang dapat dilalui pelan"),
    ("berat", "Berat: membahayakan pengendara"),
)
DEPTH = (
    ("semata-kaki", "Semata kaki (< 15 cm)"),
    ("selutut", "Selutut (15-50 cm)"),
    ("sepinggang", "Sepinggang atau lebih (> 50 cm)"),
)
WASTE = (
    ("rumah-tangga", "Sampah rumah tangga"),
    ("plastik", "Plastik"),
    ("puing", "Puing bangunan"),
    ("b3", "Bahan berbahaya (B3)"),
)

# Which categories ask for extra data. Categories not listed have no attributes (metadata=false).
SERVICE_ATTRIBUTES: dict[str, tuple[AttributeDef, ...]] = {
    "jalan-rusak": (
        AttributeDef("severity", Datatype.SINGLE, False, "Seberapa parah kerusakannya?", 1, SEVERITY),
        AttributeDef(
            "width_cm",
            Datatype.NUMBER,
            False,
            "Perkiraan lebar lubang, dalam cm",
            2,
            datatype_description="angka, misalnya 40",
        ),
    ),
    "banjir-genangan": (AttributeDef("depth", Datatype.SINGLE, True, "Seberapa dalam genangannya?", 1, DEPTH),),
    "sampah-menumpuk": (
        AttributeDef("waste_type", Datatype.MULTI, False, "Jenis sampah (boleh lebih dari satu)", 1, WASTE),
    ),
}


def attribute_defs(service_code: str) -> tuple[AttributeDef, ...]:
    return tuple(sorted(SERVICE_ATTRIBUTES.get(service_code, ()), key=lambda a: a.order))


# --- commands --------------------------------------------------------------------------------


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


@dataclass(frozen=True)
class Submission:
    report_id: int
    token: str  # the citizen's secret for this report: shown once, in the tracking link
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


# --- the unit of work and the service facade -------------------------------------------------


class IntakeUnitOfWork(SqlAlchemyUnitOfWork):
    """The unit of work plus what intake needs beyond the database: photo storage and the rules."""

    def __init__(
        self, session_factory: sessionmaker[Session], photos: AbstractPhotoStorage, rules: IntakeSettings
    ) -> None:
        super().__init__(session_factory)
        self.photos = photos
        self.rules = rules


def _intake(uow: AbstractUnitOfWork) -> IntakeUnitOfWork:
    if not isinstance(uow, IntakeUnitOfWork):
        raise TypeError("intake commands need an IntakeUnitOfWork (photo storage, intake rules): use IntakeService")
    return uow


MediaFetcher = Callable[[str], bytes]


@dataclass
class IntakeService:
    """What the web adapters and jobs call: the bus, on an IntakeUnitOfWork."""

    tanggap: Tanggap
    photos: AbstractPhotoStorage

    @property
    def rules(self) -> IntakeSettings:
        return self.tanggap.settings.intake

    def now(self) -> datetime:
        return self.tanggap.clock.now()

    def uow(self) -> IntakeUnitOfWork:
        return IntakeUnitOfWork(self.tanggap.session_factory, self.photos, self.rules)

    def handle(self, cmd: c.Command) -> Any:
        # Imported here: the bus imports this module for its handlers.
        from tanggap import bus

        try:
            return bus.handle(cmd, self.uow(), self.tanggap.clock, self.tanggap.policy)
        except IntegrityError as err:
            if not any(name in str(err.orig) for name in RACE_TABLES):
                raise
            # An identical request committed first. Running again finds its row and answers
            # as it did: one report, one rating.
            return bus.handle(cmd, self.uow(), self.tanggap.clock, self.tanggap.policy)

    def submit(self, cmd: SubmitServiceRequest) -> Submission:
        submission: Submission = self.handle(cmd)
        return submission


# --- API keys --------------------------------------------------------------------------------


def digest(secret: str) -> str:
    """API keys and citizen tokens are 256-bit random, so a fast hash is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _active_key(session: Session, name: str) -> ApiKeyRow | None:
    return session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name, ApiKeyRow.revoked_at.is_(None)))


def issue_api_key(cmd: IssueApiKey, ctx: Context) -> str:
    """Returns the new key; only its hash is kept, so this is the one time anyone sees it."""
    name = cmd.name.strip()
    if not KEY_NAME.match(name):
        raise InvalidInput("name", "use 1-80 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit")
    if _active_key(ctx.uow.session, name) is not None:
        raise InvalidInput("name", f"{name} already has an active key; revoke it first")
    key = f"tgp_{secrets.token_urlsafe(32)}"
    ctx.uow.session.add(ApiKeyRow(name=name, key_hash=digest(key), created_at=ctx.now))
    return key


def revoke_api_key(cmd: RevokeApiKey, ctx: Context) -> None:
    row = _active_key(ctx.uow.session, cmd.name.strip())
    if row is None:
        raise NotFound("active API key", cmd.name)
    row.revoked_at = ctx.now


def _client(session: Session, cmd: SubmitServiceRequest) -> ApiKeyRow | None:
    """The calling app's key; the citizen form needs none."""
    if cmd.source is Source.WEB:
        return None
    raw = (cmd.api_key or "").strip()
    if not raw:
        raise InvalidApiKey("api_key is required")
    row = session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == digest(raw)))
    if row is None:
        raise InvalidApiKey("api_key is not valid")
    if row.revoked_at is not None:
        raise InvalidApiKey("api_key has been revoked")
    return row


# --- submission ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Claim:
    """An idempotency row this submission takes: an explicit key, or a device's recent content."""

    scope: str
    key: str
    fingerprint: str
    window: timedelta | None = None  # set for device claims, which only count within it


@dataclass(frozen=True)
class Checked:
    category: CategoryRow | None
    description: str
    lat: float | None
    lon: float | None
    address: str | None
    attributes: list[tuple[str, str]]
    contact: dict[str, str]
    media_url: str | None
    photo: PreparedPhoto | None


def submit_service_request(cmd: SubmitServiceRequest, ctx: Context) -> Submission:
    uow = _intake(ctx.uow)
    client = _client(uow.session, cmd)
    claims = _claims(cmd, client, uow.rules, ctx.now)
    existing = _replayed(uow.session, claims, ctx.now)
    if existing is not None:
        return _answer(ctx, existing, True, services.routed_opd(uow, uow.reports.get(existing)))
    checked = _checked(uow, cmd)
    photo_key = uow.photos.put(checked.photo).original_key if checked.photo else None
    report_id: int = services.submit_report(_report_command(cmd, checked, client, photo_key), ctx)
    _record_extras(uow, report_id, checked, claims, ctx.now)
    return _answer(ctx, report_id, False, checked.category.opd_code if checked.category else None)


def _report_command(
    cmd: SubmitServiceRequest, checked: Checked, client: ApiKeyRow | None, photo_key: str | None
) -> c.SubmitReport:
    reporter = {**checked.contact, **({"client": client.name} if client else {})}
    return c.SubmitReport(
        description=checked.description,
        category=checked.category.code if checked.category else None,
        lat=checked.lat,
        lon=checked.lon,
        address=checked.address,
        photo=photo_key,
        reporter=reporter,
        source=cmd.source.value,
    )


def _record_extras(uow: IntakeUnitOfWork, report_id: int, checked: Checked, claims: list[Claim], now: datetime) -> None:
    session = uow.session
    session.add_all(
        ReportAttributeRow(report_id=report_id, code=code, value=value) for code, value in checked.attributes
    )
    session.add_all(
        IdempotencyKeyRow(scope=k.scope, key=k.key, fingerprint=k.fingerprint, report_id=report_id, created_at=now)
        for k in claims
    )
    if checked.photo:
        session.add(_photo_row(report_id, checked.photo, None, now))
    if checked.media_url:
        payload = {"url": checked.media_url}
        uow.outbox.put(OutboxRow(topic=FETCH_TOPIC, report_id=report_id, payload=payload, created_at=now))


def _photo_row(report_id: int, photo: PreparedPhoto, source_url: str | None, now: datetime) -> PhotoRow:
    return PhotoRow(
        report_id=report_id,
        kind="report",
        original_key=photo.key,
        public_key=photo.key,
        content_type=photo.content_type,
        width=photo.width,
        height=photo.height,
        size=len(photo.original),
        source_url=source_url,
        created_at=now,
    )


def _answer(ctx: Context, report_id: int, replayed: bool, opd: str | None) -> Submission:
    """A fresh citizen token each time: a retried web form must still get a working link."""
    token = secrets.token_urlsafe(24)
    ctx.uow.session.add(CitizenTokenRow(report_id=report_id, token_hash=digest(token), created_at=ctx.now))
    to = ctx.uow.reference.opd(opd).name if opd else "petugas Command Center"
    notice = f"Laporan #{report_id} diterima dan diteruskan ke {to}. Pantau statusnya dengan nomor laporan ini."
    return Submission(report_id, token, replayed, notice)


def _claims(cmd: SubmitServiceRequest, client: ApiKeyRow | None, rules: IntakeSettings, now: datetime) -> list[Claim]:
    key = (cmd.idempotency_key or "").strip()
    device = (cmd.contact.get("device_id") or "").strip()[:MAX_FIELD]
    if not (key or device):
        return []  # nothing to deduplicate by: skip hashing the content
    if len(key) > MAX_KEY:
        raise InvalidRequest([InvalidInput("Idempotency-Key", f"is {len(key)} characters; the limit is {MAX_KEY}")])
    scope, fingerprint = (f"api_key:{client.id}" if client else cmd.source.value), _fingerprint(cmd)
    claims = [Claim(scope, key, fingerprint)] if key else []
    if device:
        # The bucket gives the unique constraint teeth against simultaneous duplicates; the
        # window query in _replayed catches duplicates that straddle two buckets.
        bucket = int(now.timestamp() // rules.duplicate_window.total_seconds())
        claims.append(
            Claim(f"device:{scope}:{device}"[:160], f"{fingerprint}@{bucket}", fingerprint, rules.duplicate_window)
        )
    return claims


def _fingerprint(cmd: SubmitServiceRequest) -> str:
    content = {
        "service_code": cmd.service_code,
        "description": cmd.description.strip(),
        "lat": cmd.lat,
        "long": cmd.long,
        "address": cmd.address,
        "attributes": sorted((k, sorted(v)) for k, v in cmd.attributes.items()),
        "contact": sorted(cmd.contact.items()),
        "media_url": cmd.media_url,
        "photo": hashlib.sha256(cmd.photo).hexdigest() if cmd.photo else None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replayed(session: Session, claims: list[Claim], now: datetime) -> int | None:
    for claim in claims:
        report_id = _device_match(session, claim, now) if claim.window else _key_match(session, claim)
        if report_id is not None:
            return report_id
    return None


def _key_match(session: Session, claim: Claim) -> int | None:
    row = session.scalar(
        select(IdempotencyKeyRow).where(IdempotencyKeyRow.scope == claim.scope, IdempotencyKeyRow.key == claim.key)
    )
    if row is not None and row.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReused(claim.key)
    return row.report_id if row else None


def _device_match(session: Session, claim: Claim, now: datetime) -> int | None:
    assert claim.window is not None
    found: int | None = session.scalar(
        select(IdempotencyKeyRow.report_id)
        .where(
            IdempotencyKeyRow.scope == claim.scope,
            IdempotencyKeyRow.fingerprint == claim.fingerprint,
            IdempotencyKeyRow.created_at >= now - claim.window,
        )
        .order_by(IdempotencyKeyRow.created_at.desc())
        .limit(1)
    )
    return found


# --- validation: every problem at once, before anything is written ---------------------------


def _collect(problems: list[InvalidInput], check: Callable[[], Any]) -> Any:
    try:
        return check()
    except InvalidRequest as err:
        problems.extend(err.problems)
    except InvalidInput as err:
        problems.append(err)
    return None


def _checked(uow: IntakeUnitOfWork, cmd: SubmitServiceRequest) -> Checked:
    problems = _nul_problems(_texts(cmd))
    if problems:
        raise InvalidRequest(problems)
    category = _collect(problems, lambda: _category(uow, cmd))
    attributes = _collect(problems, lambda: _attributes(cmd, category)) or []
    lat, lon = _collect(problems, lambda: _coordinates(cmd.lat, cmd.long, uow.rules.city_box)) or (None, None)
    address = _collect(problems, lambda: _address(cmd.address, cmd.lat, cmd.long))
    description = _collect(problems, lambda: _description(cmd.description, category))
    contact = _collect(problems, lambda: _contact(cmd.contact)) or {}
    media_url = _collect(problems, lambda: _media_url(cmd.media_url))
    photo = _collect(problems, lambda: _photo(cmd.photo, uow.rules))
    if problems:
        raise InvalidRequest(problems)
    return Checked(category, description, lat, lon, address, attributes, contact, media_url, photo)


def _texts(cmd: SubmitServiceRequest) -> dict[str, str | None]:
    fields = {
        "service_code": cmd.service_code,
        "description": cmd.description,
        "lat": cmd.lat,
        "long": cmd.long,
        "address_string": cmd.address,
        "media_url": cmd.media_url,
        "Idempotency-Key": cmd.idempotency_key,
    }
    attributes = {f"attribute[{code}]": "".join([code, *values]) for code, values in cmd.attributes.items()}
    return {**fields, **attributes, **cmd.contact}


def _nul_problems(texts: Mapping[str, str | None]) -> list[InvalidInput]:
    """Text with NUL characters: PostgreSQL cannot store them, and no person types them."""
    return [InvalidInput(name, "contains a NUL character") for name, text in texts.items() if text and "\x00" in text]


def _no_nul(name: str, text: str) -> str:
    if "\x00" in text:
        raise InvalidInput(name, "contains a NUL character")
    return text


def _category(uow: AbstractUnitOfWork, cmd: SubmitServiceRequest) -> CategoryRow | None:
    code = (cmd.service_code or "").strip()
    if not code:
        if cmd.source is Source.WEB:
            return None  # "tidak tahu": the dispatch unit classifies it
        raise InvalidInput("service_code", "is required")
    try:
        return uow.reference.category(code)
    except NotFound:
        raise InvalidInput("service_code", f"{code!r} is not a service; see services.json") from None


def _attributes(cmd: SubmitServiceRequest, category: CategoryRow | None) -> list[tuple[str, str]]:
    defs = {a.code: a for a in attribute_defs(category.code)} if category else {}
    problems = [
        InvalidInput(f"attribute[{code}]", f"service {category.code if category else '(none)'} has no such attribute")
        for code in cmd.attributes
        if code not in defs
    ]
    values: list[tuple[str, str]] = []
    for attr in (a for a in defs.values() if a.variable):
        try:
            values += [(attr.code, v) for v in attr.check(list(cmd.attributes.get(attr.code, ())))]
        except InvalidInput as err:
            problems.append(err)
    if problems:
        raise InvalidRequest(problems)
    return values


def _coordinates(
    lat_raw: str | None, lon_raw: str | None, box: tuple[float, float, float, float]
) -> tuple[float | None, float | None]:
    problems: list[InvalidInput] = []
    lat = _collect(problems, lambda: _number("lat", lat_raw))
    lon = _collect(problems, lambda: _number("long", lon_raw))
    if not problems and (lat is None) != (lon is None):
        problems.append(InvalidInput("lat/long", "give both lat and long, or neither"))
    if not problems and lat is not None and lon is not None:
        _collect(problems, lambda: _inside(lat, lon, box))
    if problems:
        raise InvalidRequest(problems)
    return lat, lon


def _number(name: str, raw: str | None) -> float | None:
    if raw is None or not raw.strip():
        return None
    if not _is_number(raw):
        raise InvalidInput(name, f"{raw.strip()[:40]!r} is not a number")
    return float(raw)


def _is_number(raw: str) -> bool:
    try:
        return math.isfinite(float(raw))
    except ValueError:
        return False


def _inside(lat: float, lon: float, box: tuple[float, float, float, float]) -> None:
    south, west, north, east = box
    if not (south <= lat <= north and west <= lon <= east):
        raise InvalidInput(
            "lat/long",
            f"({lat}, {lon}) is outside the city's area (lat {south}..{north}, long {west}..{east})",
        )


def _address(raw: str | None, lat_raw: str | None, lon_raw: str | None) -> str | None:
    address = (raw or "").strip() or None
    if address is not None and len(address) > MAX_ADDRESS:
        raise InvalidInput("address_string", f"is {len(address)} characters; the limit is {MAX_ADDRESS}")
    if address is None and not ((lat_raw or "").strip() or (lon_raw or "").strip()):
        raise InvalidInput("location", "give lat and long, or address_string")
    return address


def _description(raw: str, category: CategoryRow | None) -> str:
    description = raw.strip()
    if len(description) > services.MAX_DESCRIPTION:
        raise InvalidInput("description", f"is {len(description)} characters; the limit is {services.MAX_DESCRIPTION}")
    if description:
        return description
    if category is None:
        raise InvalidInput("description", "is required when no category is chosen")
    return category.name  # Open311 makes it optional; the lifecycle needs one


def _contact(raw: Mapping[str, str]) -> dict[str, str]:
    contact = {k: (raw.get(k) or "").strip() for k in CONTACT_FIELDS if (raw.get(k) or "").strip()}
    problems = [
        InvalidInput(k, f"is {len(v)} characters; the limit is {MAX_FIELD}")
        for k, v in contact.items()
        if len(v) > MAX_FIELD
    ]
    if "email" in contact and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", contact["email"]):
        problems.append(InvalidInput("email", f"{contact['email'][:60]!r} is not an e-mail address"))
    if problems:
        raise InvalidRequest(problems)
    return contact


def _media_url(raw: str | None) -> str | None:
    url = (raw or "").strip()
    if not url:
        return None
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or len(url) > MAX_URL:
        raise InvalidInput("media_url", f"must be an http or https URL of at most {MAX_URL} characters")
    return url


def _photo(data: bytes | None, rules: IntakeSettings) -> PreparedPhoto | None:
    if data is None:
        return None
    return prepare_photo(data, rules.max_photo_bytes, rules.max_photo_pixels)


# --- the citizen's actions on the status page ------------------------------------------------


def _check_token(session: Session, cmd: CitizenCommand) -> None:
    found = session.scalar(
        select(CitizenTokenRow.id).where(
            CitizenTokenRow.report_id == cmd.report_id, CitizenTokenRow.token_hash == digest(cmd.token or "-")
        )
    )
    if found is None:
        raise PermissionDenied("citizen", f"act on report #{cmd.report_id} without its tracking link")


def confirm_fix(cmd: ConfirmFix, ctx: Context) -> None:
    _check_token(ctx.uow.session, cmd)
    services.close_report(c.CloseReport(cmd.report_id, actor="citizen"), ctx)


def dispute_fix(cmd: DisputeFix, ctx: Context) -> None:
    _check_token(ctx.uow.session, cmd)
    reason = _no_nul("reason", cmd.reason.strip())
    services.reopen_report(c.ReopenReport(cmd.report_id, actor="citizen", reason=reason), ctx)


def rate_response(cmd: RateResponse, ctx: Context) -> None:
    _check_token(ctx.uow.session, cmd)
    if not 1 <= cmd.stars <= 5:
        raise InvalidInput("stars", f"give 1 to 5 stars, not {cmd.stars}")
    _no_nul("comment", cmd.comment)
    if len(cmd.comment) > services.MAX_DESCRIPTION:
        raise InvalidInput("comment", f"is {len(cmd.comment)} characters; the limit is {services.MAX_DESCRIPTION}")
    if ctx.uow.reports.get(cmd.report_id).responded_at is None:
        raise InvalidInput("stars", "there is no response to rate yet")
    session = ctx.uow.session
    row = session.scalar(select(RatingRow).where(RatingRow.report_id == cmd.report_id))
    row = row or RatingRow(report_id=cmd.report_id)
    row.stars, row.comment, row.rated_at = cmd.stars, cmd.comment.strip() or None, ctx.now
    session.add(row)


# --- fetching media_url photos, after the commit ---------------------------------------------


def claim_media_fetches(cmd: ClaimMediaFetches, ctx: Context) -> list[MediaFetchJob]:
    """Lease pending fetches to one worker, through the outbox's shared claim."""
    lease = c.ClaimOutbox((FETCH_TOPIC,), cmd.worker, cmd.limit, int(cmd.lease.total_seconds()))
    return [MediaFetchJob(cl.outbox_id, cl.report_id, str(cl.payload["url"]), cl.attempts)
            for cl in outbox.claim_outbox(lease, ctx) if cl.report_id is not None]


def record_media_fetch(cmd: RecordMediaFetch, ctx: Context) -> str | None:
    """Store a fetched photo, or note why it failed; returns the photo's key when stored."""
    uow = _intake(ctx.uow)
    row = uow.session.get(OutboxRow, cmd.job.outbox_id)
    if row is None or row.done_at is not None:
        raise NotFound("pending media fetch", cmd.job.outbox_id)
    problem, permanent, key = cmd.problem, cmd.permanent, None
    if cmd.photo is not None:
        try:
            key = _store_fetched(uow, cmd.job, cmd.photo, ctx.now)
        except InvalidInput as err:
            problem, permanent = str(err), True
    done = key is not None or permanent or cmd.job.attempt >= MAX_FETCH_ATTEMPTS
    row.payload = {**row.payload, "error": problem} if problem else row.payload
    row.done_at, row.claimed_until = (ctx.now if done else None), None
    return key


def _store_fetched(uow: IntakeUnitOfWork, job: MediaFetchJob, data: bytes, now: datetime) -> str:
    photo = prepare_photo(data, uow.rules.media_fetch_max_bytes, uow.rules.max_photo_pixels)
    uow.photos.put(photo)
    uow.session.add(_photo_row(job.report_id, photo, job.url, now))
    uow.outbox.put(OutboxRow(topic=STORED_TOPIC, report_id=job.report_id, payload={"photo": photo.key}, created_at=now))
    return photo.key


def run_media_fetches(service: IntakeService, fetch: MediaFetcher | None = None, limit: int = 10) -> list[str]:
    """One pass of the job: lease, download outside any transaction, record. Returns stored keys.
    A job that fails is logged and left for its next attempt; the others carry on."""
    fetch = fetch or url_fetcher(service.rules)
    jobs: list[MediaFetchJob] = service.handle(ClaimMediaFetches(worker=f"fetch-{secrets.token_hex(4)}", limit=limit))
    stored = []
    for job in jobs:
        key = _run_one(service, fetch, job)
        if key:
            stored.append(key)
    return stored


def _run_one(service: IntakeService, fetch: MediaFetcher, job: MediaFetchJob) -> str | None:
    try:
        data: bytes | None = fetch(job.url)
        problem, permanent = None, False
    except MediaFetchFailed as err:
        log.warning("media fetch %s for report #%s failed: %s", job.url, job.report_id, err.reason)
        data, problem, permanent = None, err.reason, err.permanent
    try:
        key: str | None = service.handle(RecordMediaFetch(job, data, problem, permanent))
        return key
    except DomainError as err:
        log.error("recording media fetch %s for report #%s failed: %s", job.url, job.report_id, err)
        return None


def url_fetcher(rules: IntakeSettings) -> MediaFetcher:
    def fetch(url: str) -> bytes:
        return fetch_url(url, rules.media_fetch_timeout, rules.media_fetch_max_bytes, rules.media_fetch_allow_private)

    return fetch


def fetch_url(url: str, timeout: float, max_bytes: int, allow_private: bool = False) -> bytes:
    """GET an http(s) URL with a size limit and an overall deadline. Private and loopback hosts
    are refused unless allowed (tests), so a client cannot make us read our own network."""
    _check_fetchable(url, allow_private)
    opener = urllib.request.build_opener(_SafeRedirects(allow_private))
    deadline = time.monotonic() + timeout
    try:
        with opener.open(
            urllib.request.Request(url, headers={"User-Agent": "Tanggap/1 media-fetch"}), timeout=timeout
        ) as response:
            declared = int(response.headers.get("Content-Length") or 0)
            if declared > max_bytes:
                raise MediaFetchFailed(url, f"it is {declared:,} bytes; the limit is {max_bytes:,}", True)
            return _read_limited(url, response, max_bytes, deadline)
    except urllib.error.HTTPError as err:
        raise MediaFetchFailed(url, f"HTTP {err.code}", err.code in (400, 401, 403, 404, 410)) from None
    except (urllib.error.URLError, OSError) as err:
        raise MediaFetchFailed(url, str(getattr(err, "reason", err)), False) from None


def _read_limited(url: str, response: Any, max_bytes: int, deadline: float) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := response.read(64 * 1024):
        size += len(chunk)
        if size > max_bytes:
            raise MediaFetchFailed(url, f"it is over the {max_bytes:,}-byte limit", True)
        if time.monotonic() > deadline:
            raise MediaFetchFailed(url, "it took longer than the time limit", False)
        chunks.append(chunk)
    return b"".join(chunks)


def _check_fetchable(url: str, allow_private: bool) -> None:
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise MediaFetchFailed(url, "only http and https URLs are fetched", True)
    if allow_private:
        return
    try:
        infos = socket.getaddrinfo(parts.hostname, parts.port or 443, proto=socket.IPPROTO_TCP)
    except OSError as err:
        raise MediaFetchFailed(url, f"the host does not resolve ({err})", False) from None
    if not all(ipaddress.ip_address(info[4][0]).is_global for info in infos):
        raise MediaFetchFailed(url, "the host is on a private or loopback network", True)


class _SafeRedirects(urllib.request.HTTPRedirectHandler):
    def __init__(self, allow_private: bool) -> None:
        self.allow_private = allow_private

    def redirect_request(
        self, req: urllib.request.Request, fp: Any, code: int, msg: str, headers: Any, newurl: str
    ) -> urllib.request.Request | None:
        _check_fetchable(newurl, self.allow_private)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


# --- read models: what Open311 clients and citizens see --------------------------------------


STATE_LABELS = {
    "submitted": "Diterima",
    "classified": "Diverifikasi",
    "assigned": "Sedang ditangani",
    "responded": "Sudah ditanggapi",
    "closed": "Selesai",
    "rejected": "Ditolak",
}
EVENT_LABELS = {
    "submit": "Laporan diterima",
    "classify": "Diverifikasi dan dikategorikan",
    "assign": "Diteruskan ke OPD",
    "reassign": "Dialihkan ke petugas lain",
    "return": "Dikembalikan ke Command Center",
    "respond": "Ditanggapi oleh OPD",
    "close": "Selesai",
    "reject": "Ditolak",
    "reopen": "Dibuka kembali",
    "request_info": "OPD meminta informasi tambahan",
    "provide_info": "Informasi tambahan diberikan",
}
CLOSE_LABELS = {
    "citizen_confirmed": "dikonfirmasi oleh pelapor",
    "quiet_period": "ditutup otomatis karena tidak ada sanggahan",
    "dispatcher": "ditutup oleh Command Center",
}
REJECT_LABELS = {
    "spam": "laporan tidak dapat diproses",
    "duplicate": "sama dengan laporan lain",
    "outside_authority": "di luar kewenangan Pemerintah Kota",
}


@dataclass(frozen=True)
class ServiceView:
    service_code: str
    service_name: str
    description: str
    metadata: bool
    type: str
    keywords: str
    group: str


def list_services(uow: AbstractUnitOfWork) -> list[ServiceView]:
    query = (
        select(CategoryRow, OpdRow.short_name)
        .join(OpdRow, OpdRow.code == CategoryRow.opd_code)
        .where(CategoryRow.active.is_(True))
        .order_by(CategoryRow.code)
    )
    with uow:
        return [_service(cat, opd) for cat, opd in uow.session.execute(query)]


def _service(cat: CategoryRow, opd: str) -> ServiceView:
    keywords = ", ".join(cat.keywords or [])
    return ServiceView(
        cat.code, cat.name, cat.description, bool(SERVICE_ATTRIBUTES.get(cat.code)), "realtime", keywords, opd
    )


def service_definition(uow: AbstractUnitOfWork, code: str) -> tuple[str, tuple[AttributeDef, ...]]:
    with uow:
        try:
            uow.reference.category(_no_nul("service_code", code))
        except (NotFound, InvalidInput):
            raise NotFound("service", code) from None
    return code, attribute_defs(code)


@dataclass(frozen=True)
class RequestView:
    """One report as an Open311 service request; `media_key` becomes `media_url` at the edge."""

    service_request_id: str
    status: str
    status_notes: str
    service_name: str
    service_code: str
    description: str
    agency_responsible: str | None
    service_notice: str | None
    requested_datetime: str | None
    updated_datetime: str | None
    expected_datetime: str | None
    address: str | None
    lat: float | None
    long: float | None
    media_key: str | None
    state: str


@dataclass(frozen=True)
class RequestQuery:
    ids: tuple[int, ...] = ()
    service_codes: tuple[str, ...] = ()
    start: datetime | None = None
    end: datetime | None = None
    statuses: tuple[str, ...] = ()
    page: int = 1
    page_size: int = PAGE_SIZE


def parse_request_query(params: Mapping[str, str], now: datetime) -> RequestQuery:
    """The spec's filters and defaults: ids override everything; otherwise at most 90 days
    (the most recent 90 by default) and at most 1,000 requests a page."""
    problems = _nul_problems({"service_code": params.get("service_code")})
    ids = _collect(problems, lambda: _ids(params.get("service_request_id", ""))) or ()
    statuses = _collect(problems, lambda: _statuses(params.get("status", ""))) or ()
    span = _collect(problems, lambda: _span(params.get("start_date"), params.get("end_date"), now))
    page = _collect(problems, lambda: _positive("page", params.get("page"), 1, 10**6)) or 1
    size = _collect(problems, lambda: _positive("page_size", params.get("page_size"), PAGE_SIZE, PAGE_SIZE))
    if problems:
        raise InvalidRequest(problems)
    codes = tuple(s.strip() for s in params.get("service_code", "").split(",") if s.strip())
    start, end = span if span else (None, None)
    return RequestQuery(ids, codes, start, end, statuses, page, size or PAGE_SIZE)


def _ids(raw: str) -> tuple[int, ...]:
    parts = [p.strip() for p in raw.split(",") if p.strip()]
    bad = [p for p in parts if not p.isdigit() or len(p) > 18]
    if bad:
        raise InvalidInput("service_request_id", f"{bad[0][:40]!r} is not a request id")
    if len(parts) > PAGE_SIZE:
        raise InvalidInput("service_request_id", f"at most {PAGE_SIZE} ids at once")
    return tuple(int(p) for p in parts)


def _statuses(raw: str) -> tuple[str, ...]:
    parts = tuple(p.strip().lower() for p in raw.split(",") if p.strip())
    bad = [p for p in parts if p not in ("open", "closed")]
    if bad:
        raise InvalidInput("status", f"{bad[0][:40]!r} is not open or closed")
    return parts


def _span(start_raw: str | None, end_raw: str | None, now: datetime) -> tuple[datetime, datetime]:
    start, end = _when("start_date", start_raw), _when("end_date", end_raw)
    end = end or (start + QUERY_SPAN if start else now)
    start = start or end - QUERY_SPAN
    if end < start:
        raise InvalidInput("end_date", "is before start_date")
    if end - start > QUERY_SPAN:
        raise InvalidInput("start_date/end_date", "may span at most 90 days")
    return start, end


def _when(name: str, raw: str | None) -> datetime | None:
    if raw is None or not raw.strip():
        return None
    parsed = _parse_datetime(raw)
    if parsed is None:
        raise InvalidInput(name, f"{raw.strip()[:40]!r} is not a W3C date and time, e.g. 2026-10-01T00:00:00+08:00")
    return parsed


def _parse_datetime(raw: str) -> datetime | None:
    """ISO 8601; a time without a zone is read in WITA, the city's time."""
    try:
        parsed = datetime.fromisoformat(raw.strip())
    except ValueError:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=ZoneInfo(DISPLAY_TZ))


def _positive(name: str, raw: str | None, default: int, limit: int) -> int:
    if raw is None or not raw.strip():
        return default
    if not raw.strip().isdigit() or not 1 <= int(raw) <= limit:
        raise InvalidInput(name, f"must be a whole number from 1 to {limit}")
    return int(raw)


REQUEST_COLUMNS = (
    ReportRow.id,
    ReportRow.state,
    ReportRow.category,
    ReportRow.description,
    ReportRow.lat,
    ReportRow.lon,
    ReportRow.address,
    ReportRow.response,
    ReportRow.close_reason,
    ReportRow.reject_kind,
    ReportRow.duplicate_of,
    ReportRow.submitted_at,
    ReportRow.updated_at,
)


def find_requests(uow: AbstractUnitOfWork, query: RequestQuery) -> list[RequestView]:
    stmt = _request_select().order_by(ReportRow.submitted_at.desc(), ReportRow.id.desc())
    if query.ids:
        stmt = stmt.where(ReportRow.id.in_(query.ids))
    else:
        stmt = _filtered(stmt, query).offset((query.page - 1) * query.page_size).limit(query.page_size)
    with uow:
        return _views(uow.session, list(uow.session.execute(stmt)))


def get_request(uow: AbstractUnitOfWork, report_id: int) -> RequestView:
    views = find_requests(uow, RequestQuery(ids=(report_id,)))
    if not views:
        raise NotFound("service request", report_id)
    return views[0]


def _request_select() -> Any:
    opd = OpdRow.__table__.alias("agency")
    return (
        select(*REQUEST_COLUMNS, CategoryRow.name, opd.c.name)
        .outerjoin(CategoryRow, CategoryRow.code == ReportRow.category)
        .outerjoin(opd, opd.c.code == func.coalesce(ReportRow.opd, CategoryRow.opd_code))
    )


def _filtered(stmt: Any, query: RequestQuery) -> Any:
    if query.service_codes:
        stmt = stmt.where(ReportRow.category.in_(query.service_codes))
    if query.start is not None and query.end is not None:
        stmt = stmt.where(ReportRow.submitted_at >= query.start, ReportRow.submitted_at <= query.end)
    if query.statuses and set(query.statuses) != {"open", "closed"}:
        is_open = ReportRow.state.in_(OPEN_STATES)
        stmt = stmt.where(is_open if "open" in query.statuses else ~is_open)
    return stmt


def _views(session: Session, rows: list[Any]) -> list[RequestView]:
    ids = [row.id for row in rows]
    photos = _first_photos(session, ids)
    expected = expected_datetimes(session, ids)
    return [_request_view(row, photos.get(row.id), expected.get(row.id)) for row in rows]


def _first_photos(session: Session, ids: list[int]) -> dict[int, str]:
    if not ids:
        return {}
    query = (
        select(PhotoRow.report_id, PhotoRow.public_key)
        .where(PhotoRow.report_id.in_(ids), PhotoRow.kind == "report")
        .order_by(PhotoRow.id.desc())
    )
    # Newest first, so each report's oldest photo is written last and wins.
    return {report_id: key for report_id, key in session.execute(query)}


def _request_view(row: Any, media_key: str | None, expected: datetime | None) -> RequestView:
    category_name, agency = row[-2], row[-1]
    return RequestView(
        service_request_id=str(row.id),
        status="open" if row.state in OPEN_STATES else "closed",
        status_notes=status_notes(row, agency, category_name),
        service_name=category_name if row.category else UNCATEGORISED[1],
        service_code=row.category or UNCATEGORISED[0],
        description=row.description,
        agency_responsible=agency,
        service_notice=None,
        requested_datetime=local_iso(row.submitted_at),
        updated_datetime=local_iso(row.updated_at),
        expected_datetime=local_iso(expected) if row.state in OPEN_STATES else None,
        address=row.address,
        lat=row.lat,
        long=row.lon,
        media_key=media_key,
        state=row.state,
    )


def status_notes(row: Any, agency: str | None, category_name: str | None) -> str:
    """The detailed state in Bahasa Indonesia, with the OPD's response when there is one."""
    label = STATE_LABELS.get(row.state, row.state)
    detail = {
        "submitted": "menunggu verifikasi petugas Command Center.",
        "classified": f"kategori {category_name or '-'}, menunggu diteruskan ke OPD.",
        "assigned": f"sedang ditangani oleh {agency or 'OPD'}.",
        "responded": f"tanggapan {agency or 'OPD'}: {row.response or '-'}",
        "closed": f"{CLOSE_LABELS.get(row.close_reason or '', 'ditutup')}. Tanggapan {agency or 'OPD'}: "
        f"{row.response or '-'}",
        "rejected": _rejection(row),
    }.get(row.state, "")
    return f"{label}: {detail}".strip()


def _rejection(row: Any) -> str:
    kind = REJECT_LABELS.get(row.reject_kind or "", "tidak dapat diproses")
    return f"{kind} (#{row.duplicate_of})." if row.reject_kind == "duplicate" else f"{kind}."


# --- the citizen's status page -----------------------------------------------------------------


@dataclass(frozen=True)
class TimelineEntry:
    at: str | None
    label: str


@dataclass(frozen=True)
class CitizenStatus:
    request: RequestView
    category_name: str | None
    response: str | None
    proof_photo: str | None
    timeline: list[TimelineEntry]
    rating: int | None
    authorised: bool
    can_confirm: bool
    can_dispute: bool
    can_rate: bool


def citizen_status(
    uow: AbstractUnitOfWork, report_id: int, token: str | None, now: datetime, policy: LifecyclePolicy
) -> CitizenStatus:
    request = get_request(uow, report_id)
    with uow:
        report = uow.reports.get(report_id)
        timeline = [
            TimelineEntry(local_iso(e.at), EVENT_LABELS.get(e.trigger, e.trigger))
            for e in uow.reports.events(report_id)
        ]
        authorised = bool(token) and _token_matches(uow.session, report_id, token or "")
        rating = uow.session.scalar(select(RatingRow.stars).where(RatingRow.report_id == report_id))
    may = _citizen_may(report, now, policy) if authorised else set()
    return CitizenStatus(
        request,
        request.service_name,
        report.response,
        report.proof_photo,
        timeline,
        rating,
        authorised,
        Trigger.CLOSE in may,
        Trigger.REOPEN in may,
        authorised and report.responded_at is not None,
    )


def _token_matches(session: Session, report_id: int, token: str) -> bool:
    query = select(CitizenTokenRow.id).where(
        CitizenTokenRow.report_id == report_id, CitizenTokenRow.token_hash == digest(token)
    )
    return session.scalar(query) is not None


def _citizen_may(report: Report, now: datetime, policy: LifecyclePolicy) -> set[Trigger]:
    # A placeholder reason: the page asks for the real one; here only the other guards matter.
    attempt = Attempt(CITIZEN, now, {"reason": "?"}, None, policy)
    return {t for t in (Trigger.CLOSE, Trigger.REOPEN) if lifecycle().may(report, t, attempt)}


# --- SLA deadlines -----------------------------------------------------------------------------


_HAS_CLOCKS: WeakKeyDictionary[Engine, bool] = WeakKeyDictionary()
SLA_CLOCKS = table("sla_clocks", column("report_id"), column("state"), column("due_at", UtcDateTime()))


def expected_datetimes(session: Session, report_ids: Sequence[int]) -> dict[int, datetime]:
    """The earliest running SLA deadline of each report. Empty while the SLA tables do not
    exist: checked once per engine, since asking inside a failed query would end the transaction."""
    if not report_ids or not _has_clocks(session):
        return {}
    query = (
        select(SLA_CLOCKS.c.report_id, func.min(SLA_CLOCKS.c.due_at))
        .where(SLA_CLOCKS.c.report_id.in_(report_ids), SLA_CLOCKS.c.state == "running")
        .group_by(SLA_CLOCKS.c.report_id)
    )
    return {int(rid): due for rid, due in session.execute(query) if due is not None}


def _has_clocks(session: Session) -> bool:
    engine = session.get_bind()
    assert isinstance(engine, Engine)
    if engine not in _HAS_CLOCKS:
        _HAS_CLOCKS[engine] = inspect(session.connection()).has_table("sla_clocks")
    return _HAS_CLOCKS[engine]


HANDLERS: dict[type[c.Command], Callable[..., Any]] = {
    IssueApiKey: issue_api_key,
    RevokeApiKey: revoke_api_key,
    SubmitServiceRequest: submit_service_request,
    ConfirmFix: confirm_fix,
    DisputeFix: dispute_fix,
    RateResponse: rate_response,
    ClaimMediaFetches: claim_media_fetches,
    RecordMediaFetch: record_media_fetch,
}
