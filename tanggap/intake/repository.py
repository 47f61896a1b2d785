"""Intake's rows behind a port: API keys, idempotency claims, citizen tokens, ratings, the apps'
updates, photos and attribute answers. Handlers call these; only this module writes their SQL."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session

from tanggap.db import OutboxRow
from tanggap.intake.tables import (
    ApiKeyRow,
    CitizenTokenRow,
    ClientUpdateRow,
    IdempotencyKeyRow,
    PhotoRow,
    RatingRow,
    ReportAttributeRow,
)


class AbstractIntakeRepository(Protocol):
    def active_key(self, name: str) -> ApiKeyRow | None: ...
    def key_by_hash(self, key_hash: str) -> ApiKeyRow | None: ...
    def idempotency_key(self, scope: str, key: str) -> IdempotencyKeyRow | None: ...
    def recent_fingerprint(self, scope: str, fingerprint: str, since: datetime) -> int | None: ...
    def has_citizen_token(self, report_id: int, token_hash: str) -> bool: ...
    def rating(self, report_id: int) -> RatingRow | None: ...
    def answered_update(self, client: str, report_id: int, update_id: str) -> int | None: ...
    def pending_job(self, outbox_id: int) -> OutboxRow | None: ...
    def add(self, row: ApiKeyRow | CitizenTokenRow | ClientUpdateRow | PhotoRow | RatingRow) -> None: ...
    def add_all(self, rows: Iterable[IdempotencyKeyRow | ReportAttributeRow]) -> None: ...


class SqlAlchemyIntakeRepository:
    def __init__(self, session: Session) -> None:
        self._session = session

    def active_key(self, name: str) -> ApiKeyRow | None:
        return self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.name == name, ApiKeyRow.revoked_at.is_(None)))

    def key_by_hash(self, key_hash: str) -> ApiKeyRow | None:
        return self._session.scalar(select(ApiKeyRow).where(ApiKeyRow.key_hash == key_hash))

    def idempotency_key(self, scope: str, key: str) -> IdempotencyKeyRow | None:
        return self._session.scalar(
            select(IdempotencyKeyRow).where(IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.key == key))

    def recent_fingerprint(self, scope: str, fingerprint: str, since: datetime) -> int | None:
        """The newest report this device filed with the same content since `since`."""
        found: int | None = self._session.scalar(
            select(IdempotencyKeyRow.report_id)
            .where(IdempotencyKeyRow.scope == scope, IdempotencyKeyRow.fingerprint == fingerprint,
                   IdempotencyKeyRow.created_at >= since)
            .order_by(IdempotencyKeyRow.created_at.desc())
            .limit(1)
        )
        return found

    def has_citizen_token(self, report_id: int, token_hash: str) -> bool:
        return self._session.scalar(select(CitizenTokenRow.id).where(
            CitizenTokenRow.report_id == report_id, CitizenTokenRow.token_hash == token_hash)) is not None

    def rating(self, report_id: int) -> RatingRow | None:
        return self._session.scalar(select(RatingRow).where(RatingRow.report_id == report_id))

    def answered_update(self, client: str, report_id: int, update_id: str) -> int | None:
        """The event an app's update was already answered with, if it was."""
        seq: int | None = self._session.scalar(select(ClientUpdateRow.event_seq).where(
            ClientUpdateRow.client == client, ClientUpdateRow.report_id == report_id,
            ClientUpdateRow.client_update_id == update_id))
        return seq

    def pending_job(self, outbox_id: int) -> OutboxRow | None:
        row = self._session.get(OutboxRow, outbox_id)
        return row if row is not None and row.done_at is None else None

    def add(self, row: ApiKeyRow | CitizenTokenRow | ClientUpdateRow | PhotoRow | RatingRow) -> None:
        self._session.add(row)

    def add_all(self, rows: Iterable[IdempotencyKeyRow | ReportAttributeRow]) -> None:
        self._session.add_all(rows)



