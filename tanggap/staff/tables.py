"""Tables the staff web UI adds: login attempts, response templates and payroll API tokens."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from tanggap.db import Base


class LoginAttemptRow(Base):
    """Every sign-in attempt; recent failures slow the next ones down."""

    __tablename__ = "login_attempts"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80))
    address: Mapped[str] = mapped_column(String(64))
    ok: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime]
    __table_args__ = (Index("ix_login_attempts_username_at", "username", "at"),)


class LoginThrottleRow(Base):
    """Failed sign-ins counted per (account, client address), and per account under address "*".
    Counting and the decision to let an attempt through are one conditional UPDATE."""

    __tablename__ = "login_throttles"
    username: Mapped[str] = mapped_column(String(80), primary_key=True)
    address: Mapped[str] = mapped_column(String(64), primary_key=True)
    failures: Mapped[int] = mapped_column(Integer)
    window_start: Mapped[datetime]
    next_at: Mapped[datetime]


class ResponseTemplateRow(Base):
    """A canned answer per category that officers start from (FixMyStreet has them)."""

    __tablename__ = "response_templates"
    id: Mapped[int] = mapped_column(primary_key=True)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"), index=True)
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]


class ApiTokenRow(Base):
    """A bearer token for the read-only payroll API; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    scope: Mapped[str] = mapped_column(String(32))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    revoked_at: Mapped[datetime | None]
