"""What keeps the machinery honest: payroll tokens and Open311 keys, undelivered e-mails,
given-up photo fetches, the flows' state and the photo tagger's health."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select

from states.model import ADMINS, SUPERVISING
from tanggap.access import StaffUser, require
from tanggap.db import (
    InboxRow,
    OutboxRow,
    TaggerHeadRow,
    TrainingLabelRow,
)
from tanggap.intake.common import FETCH_TOPIC
from tanggap.intake.tables import ApiKeyRow
from tanggap.pipeline.health import PipelineHealth, pipeline_health
from tanggap.pipeline.notifications import undelivered
from tanggap.staff.handlers import token_hash
from tanggap.staff.tables import ApiTokenRow
from tanggap.uow import AbstractUnitOfWork


def tagger_health(uow: AbstractUnitOfWork, user: StaffUser) -> dict[str, Any]:
    require(user, SUPERVISING, "read tagger health")
    with uow:
        head = uow.session.scalar(select(TaggerHeadRow).where(TaggerHeadRow.active).order_by(TaggerHeadRow.id.desc()))
        last = uow.session.scalar(select(func.max(TaggerHeadRow.trained_at)))
        labels = int(uow.session.scalar(select(func.count()).select_from(TrainingLabelRow)) or 0)
    holdout = (head.metrics.get("holdout") or {}) if head else {}
    return {"head": head, "holdout": holdout, "labels": labels, "last_trained": last}


# --- tokens and keys -----------------------------------------------------------------------------


def token_scope(uow: AbstractUnitOfWork, token: str) -> str | None:
    with uow:
        row = uow.session.scalar(select(ApiTokenRow).where(ApiTokenRow.token_hash == token_hash(token),
                                                           ApiTokenRow.revoked_at.is_(None)))
    return row.scope if row else None


def undelivered_emails(uow: AbstractUnitOfWork, user: StaffUser, now: datetime) -> list[InboxRow]:
    """E-mails failed for good or stuck in `sending`, oldest first, for an admin to settle."""
    require(user, ADMINS, "read undelivered e-mails")
    with uow:
        return list(uow.session.scalars(select(InboxRow).where(undelivered(now)).order_by(InboxRow.id).limit(200)))


def api_tokens(uow: AbstractUnitOfWork, user: StaffUser) -> list[ApiTokenRow]:
    """Every payroll token, revoked ones too: they explain a payroll system that stopped working."""
    require(user, ADMINS, "read API tokens")
    with uow:
        return list(uow.session.scalars(select(ApiTokenRow).order_by(ApiTokenRow.id)))


def open311_keys(uow: AbstractUnitOfWork, user: StaffUser) -> list[ApiKeyRow]:
    """Every Open311 client key, active ones first; only the hashes are stored, never shown."""
    require(user, ADMINS, "read Open311 API keys")
    with uow:
        return list(uow.session.scalars(select(ApiKeyRow).order_by(ApiKeyRow.revoked_at.is_not(None), ApiKeyRow.name,
                                                                   ApiKeyRow.id)))


@dataclass(frozen=True)
class GivenUpFetch:
    """A photo a client gave as media_url that Tanggap stopped trying to download, and why."""

    report_id: int | None
    url: str
    attempts: int
    reason: str
    given_up_at: datetime | None


def given_up_fetches(uow: AbstractUnitOfWork, user: StaffUser, limit: int = 200) -> list[GivenUpFetch]:
    """The newest photo fetches given up on, beside the undelivered e-mails."""
    require(user, ADMINS, "read given-up photo fetches")
    with uow:
        rows = uow.session.scalars(select(OutboxRow).where(OutboxRow.topic == FETCH_TOPIC,
                                                           OutboxRow.done_at.is_not(None))
                                   .order_by(OutboxRow.id.desc()).limit(limit * 5))
        return [GivenUpFetch(r.report_id, str(r.payload.get("url", "")), r.attempts, str(r.payload.get("error", "")),
                             r.done_at) for r in rows if r.payload.get("given_up")][:limit]


def pipeline_status(uow: AbstractUnitOfWork, user: StaffUser, now: datetime) -> PipelineHealth:
    require(user, ADMINS, "read the state of the flows")
    return pipeline_health(uow, now)
