"""What keeps the machinery honest: payroll tokens and Open311 keys, undelivered e-mails,
given-up photo fetches, the flows' state and the photo tagger's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from states.model import ADMINS, SUPERVISING
from tanggap.access import StaffUser, require
from tanggap.db import InboxRow, OutboxRow, TaggerHeadRow, TrainingLabelRow
from tanggap.intake.common import FETCH_TOPIC
from tanggap.intake.tables import ApiKeyRow
from tanggap.pipeline.health import PipelineHealth, pipeline_health
from tanggap.pipeline.notifications import undelivered
from tanggap.reader import AbstractReader, plain
from tanggap.staff.handlers import token_hash
from tanggap.staff.tables import ApiTokenRow

# --- tokens and keys -------------------------------------------------------------------------


@dataclass(frozen=True)
class ApiToken:
    """A payroll token as the admin page lists it: never its hash."""

    id: int
    name: str
    scope: str
    created_by: str
    created_at: datetime
    revoked_at: datetime | None


@dataclass(frozen=True)
class ApiKey:
    """An Open311 client key as the admin page lists it: never its hash."""

    id: int
    name: str
    created_at: datetime
    revoked_at: datetime | None


def token_scope(reader: AbstractReader, token: str) -> str | None:
    with reader as s:
        return s.scalar(select(ApiTokenRow.scope).where(ApiTokenRow.token_hash == token_hash(token),
                                                        ApiTokenRow.revoked_at.is_(None)))


def api_tokens(reader: AbstractReader, user: StaffUser) -> list[ApiToken]:
    """Every payroll token, revoked ones too: they explain a payroll system that stopped working."""
    require(user, ADMINS, "read API tokens")
    with reader as s:
        return [plain(ApiToken, row) for row in s.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id))]


def open311_keys(reader: AbstractReader, user: StaffUser) -> list[ApiKey]:
    """Every Open311 client key, active ones first; only the hashes are stored, never shown."""
    require(user, ADMINS, "read Open311 API keys")
    with reader as s:
        rows = s.scalars(select(ApiKeyRow).order_by(ApiKeyRow.revoked_at.is_not(None), ApiKeyRow.name, ApiKeyRow.id))
        return [plain(ApiKey, row) for row in rows]


# --- work that did not get done --------------------------------------------------------------


@dataclass(frozen=True)
class UndeliveredEmail:
    """An e-mail that failed for good or is stuck in `sending`, for an admin to settle."""

    id: int
    email: str | None
    title: str
    email_status: str | None
    email_attempts: int
    email_error: str | None
    email_claimed_at: datetime | None


def undelivered_emails(reader: AbstractReader, user: StaffUser, now: datetime) -> list[UndeliveredEmail]:
    """E-mails failed for good or stuck in `sending`, oldest first, for an admin to settle."""
    require(user, ADMINS, "read undelivered e-mails")
    with reader as s:
        rows = s.scalars(select(InboxRow).where(undelivered(now)).order_by(InboxRow.id).limit(200))
        return [plain(UndeliveredEmail, row) for row in rows]


@dataclass(frozen=True)
class GivenUpFetch:
    """A photo a client gave as media_url that Tanggap stopped trying to download, and why."""

    report_id: int | None
    url: str
    attempts: int
    reason: str
    given_up_at: datetime | None


def given_up_fetches(reader: AbstractReader, user: StaffUser, limit: int = 200) -> list[GivenUpFetch]:
    """The newest photo fetches given up on, beside the undelivered e-mails."""
    require(user, ADMINS, "read given-up photo fetches")
    with reader as s:
        rows = s.scalars(select(OutboxRow).where(OutboxRow.topic == FETCH_TOPIC, OutboxRow.done_at.is_not(None))
                         .order_by(OutboxRow.id.desc()).limit(limit * 5))
        return [GivenUpFetch(r.report_id, str(r.payload.get("url", "")), r.attempts, str(r.payload.get("error", "")),
                             r.done_at) for r in rows if r.payload.get("given_up")][:limit]


# --- the machinery ---------------------------------------------------------------------------


def pipeline_status(reader: AbstractReader, user: StaffUser, now: datetime) -> PipelineHealth:
    require(user, ADMINS, "read the state of the flows")
    return pipeline_health(reader, now)


@dataclass(frozen=True)
class TaggerHead:
    """The photo tagger's trained head, without its weights."""

    id: int
    method: str
    model_sha: str
    label_count: int
    trained_at: datetime


def tagger_health(reader: AbstractReader, user: StaffUser) -> dict[str, Any]:
    require(user, SUPERVISING, "read tagger health")
    with reader as s:
        head = s.scalar(select(TaggerHeadRow).where(TaggerHeadRow.active).order_by(TaggerHeadRow.id.desc()))
        last = s.scalar(select(func.max(TaggerHeadRow.trained_at)))
        labels = int(s.scalar(select(func.count()).select_from(TrainingLabelRow)) or 0)
        holdout = (head.metrics.get("holdout") or {}) if head else {}
        return {"head": plain(TaggerHead, head) if head else None, "holdout": holdout, "labels": labels,
                "last_trained": last}
