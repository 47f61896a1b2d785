"""Tables of citizen intake: API keys, idempotency keys, photos, attributes, ratings, action tokens,
clients' updates.

Every table that belongs to a report references `reports.id`, so truncating reports (the test
fixtures do, with CASCADE) clears them too.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, SmallInteger, String, Text, UniqueConstraint, text, true
from sqlalchemy.orm import Mapped, mapped_column

from tanggap.db import Base


class ApiKeyRow(Base):
    """A client app's key. Only the SHA-256 of the key is kept: keys are 256-bit random, so a
    slow password hash would add nothing but latency to every POST."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80))
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
    __table_args__ = (
        # A name may be reused once its old key is revoked, never twice at the same time.
        Index(
            "uq_api_keys_active_name",
            "name",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )


class IdempotencyKeyRow(Base):
    """One accepted submission under a client's key. The unique (scope, key) pair is what makes
    concurrent retries create one report: the losers' inserts fail and they read the winner's."""

    __tablename__ = "idempotency_keys"
    id: Mapped[int] = mapped_column(primary_key=True)
    scope: Mapped[str] = mapped_column(String(160))
    key: Mapped[str] = mapped_column(String(255))
    fingerprint: Mapped[str] = mapped_column(String(64))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("scope", "key", name="uq_idempotency_keys_scope_key"),
        Index("ix_idempotency_keys_scope_fingerprint", "scope", "fingerprint", "created_at"),
    )


class PhotoRow(Base):
    """A stored photo: the private original and the public copy without EXIF."""

    __tablename__ = "photos"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16), default="report")
    original_key: Mapped[str] = mapped_column(String(200))
    public_key: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(40))
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    size: Mapped[int] = mapped_column(Integer)
    source_url: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class ReportAttributeRow(Base):
    """An Open311 attribute value of a report; a multivaluelist answer is one row per value.
    `declared` is false for extra data the client app sent that the service does not ask for."""

    __tablename__ = "report_attributes"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    value: Mapped[str] = mapped_column(Text)
    declared: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class ClientUpdateRow(Base):
    """A service request update a client app posted (a citizen's comment), under the app's own
    update id. The unique key makes a retried POST, even a concurrent one, record nothing new:
    it answers with the event the first one recorded (`event_seq` of the report's history)."""

    __tablename__ = "client_updates"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The key's name, not its row: a key rotated under the same name keeps its apps' retries answered.
    client: Mapped[str] = mapped_column(String(80))
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"))
    client_update_id: Mapped[str] = mapped_column(String(255))
    event_seq: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime]
    __table_args__ = (
        UniqueConstraint("client", "report_id", "client_update_id", name="uq_client_updates_client_update"),
    )


class RatingRow(Base):
    """The citizen's 1-5 star rating of the response; rating again replaces it."""

    __tablename__ = "ratings"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), unique=True)
    stars: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(Text)
    rated_at: Mapped[datetime]


class CitizenTokenRow(Base):
    """The secret that lets the submitter act on a report (confirm, dispute, rate); stored hashed."""

    __tablename__ = "citizen_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id", ondelete="CASCADE"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime]
