"""Tables as typed SQLAlchemy mappings, and the engine factory."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    DateTime,
    Dialect,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    false,
    text,
)
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """Stores UTC; rejects naive datetimes; always returns aware UTC (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} cannot be stored; pass an aware one")
        utc = value.astimezone(UTC)
        return utc.replace(tzinfo=None) if dialect.name == "sqlite" else utc

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UtcDateTime, dict[str, Any]: JSON}


class OpdRow(Base):
    __tablename__ = "opds"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    short_name: Mapped[str] = mapped_column(String(80))
    is_24_7: Mapped[bool] = mapped_column(Boolean, default=False)


class UserRow(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    full_name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(32))
    opd_code: Mapped[str | None] = mapped_column(ForeignKey("opds.code"))
    password_hash: Mapped[str] = mapped_column(String(255))
    email: Mapped[str | None] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime]
    # Bumped on sign-out, a password change and deactivation: a session cookie carries the
    # generation it was issued under, and one from an older generation is refused.
    session_generation: Mapped[int] = mapped_column(Integer, default=0, server_default="0")


class CategoryRow(Base):
    __tablename__ = "categories"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    opd_code: Mapped[str] = mapped_column(ForeignKey("opds.code"))
    urgent: Mapped[bool] = mapped_column(Boolean, default=False)
    keywords: Mapped[list[str]] = mapped_column(JSON, default=list)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # Two reports of this category this close (metres) may be one problem: a flood spreads wider than a pothole.
    duplicate_radius_m: Mapped[float] = mapped_column(Float, default=50.0, server_default="50")


class ReportRow(Base):
    __tablename__ = "reports"
    id: Mapped[int] = mapped_column(primary_key=True)
    state: Mapped[str] = mapped_column(String(16), index=True)
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    description: Mapped[str] = mapped_column(Text, default="")
    lat: Mapped[float | None] = mapped_column(Float)
    lon: Mapped[float | None] = mapped_column(Float)
    address: Mapped[str | None] = mapped_column(String(400))
    priority: Mapped[str] = mapped_column(String(16), default="normal")
    photo: Mapped[str | None] = mapped_column(String(400))
    reporter: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    source: Mapped[str] = mapped_column(String(32), default="api")
    classified_by: Mapped[str | None] = mapped_column(String(80))
    confidence: Mapped[float | None] = mapped_column(Float)
    opd: Mapped[str | None] = mapped_column(ForeignKey("opds.code"))
    officer: Mapped[str | None] = mapped_column(ForeignKey("users.username"))
    response: Mapped[str | None] = mapped_column(Text)
    proof_photo: Mapped[str | None] = mapped_column(String(400))
    close_reason: Mapped[str | None] = mapped_column(String(32))
    reject_kind: Mapped[str | None] = mapped_column(String(32))
    duplicate_of: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    reason: Mapped[str | None] = mapped_column(Text)
    submitted_at: Mapped[datetime | None]
    updated_at: Mapped[datetime | None]
    assigned_at: Mapped[datetime | None]
    responded_at: Mapped[datetime | None]
    closed_at: Mapped[datetime | None]
    reopen_count: Mapped[int] = mapped_column(Integer, default=0)
    awaiting_info: Mapped[bool] = mapped_column(Boolean, default=False)
    pause_reason: Mapped[str | None] = mapped_column(String(32))
    # Staff redacted the citizen's text or photo: the public read side never serves it again.
    description_redacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    photo_redacted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # Due time of the open response clock (a projection of sla_clocks kept by the SLA reactions),
    # so the OPD queue walks one index in deadline order.
    response_due_at: Mapped[datetime | None]
    # The application sets the version (= number of events); the ORM puts the old value
    # in the UPDATE's WHERE clause, so a concurrent writer's update matches no row.
    version: Mapped[int] = mapped_column(Integer, nullable=False)
    __mapper_args__ = {"version_id_col": version, "version_id_generator": False}
    __table_args__ = (Index("ix_reports_queue", "opd", "state", "response_due_at", "id", "officer", "category"),)


class EventRow(Base):
    """Append-only history of every report."""

    __tablename__ = "report_events"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    seq: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(40))
    trigger: Mapped[str] = mapped_column(String(16))
    from_state: Mapped[str | None] = mapped_column(String(16))
    to_state: Mapped[str] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(80))
    actor_role: Mapped[str] = mapped_column(String(32))
    actor_opd: Mapped[str | None] = mapped_column(String(32))
    at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    __table_args__ = (
        UniqueConstraint("report_id", "seq", name="uq_report_events_report_seq"),
        Index("ix_report_events_at", "at", "id"),  # the Open311 update feed reads a time window
    )


class OutboxRow(Base):
    """Side effects to run after commit, written in the same transaction as the change."""

    __tablename__ = "outbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    topic: Mapped[str] = mapped_column(String(40))
    report_id: Mapped[int | None] = mapped_column(ForeignKey("reports.id"))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime]
    claimed_until: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(80))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    done_at: Mapped[datetime | None]
    __table_args__ = (
        Index(
            "ix_outbox_pending",
            "topic",
            "id",
            sqlite_where=text("done_at IS NULL"),
            postgresql_where=text("done_at IS NULL"),
        ),
    )


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine with the per-backend settings the service needs."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30}, **kwargs)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg's own executemany pipelines rows; SQLAlchemy's multi-VALUES rewrite of large batches
    # costs more in query conversion than it saves here.
    return create_engine(url, pool_pre_ping=True, use_insertmanyvalues=False, **kwargs)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    # WAL lets the web server read while a flow writes; foreign keys are off by default in SQLite.
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


# --- SLA ---------------------------------------------------------------------------------


class CalendarRow(Base):
    """A named working calendar (spec as in sla.calendar). Clocks snapshot the spec they start with."""

    __tablename__ = "sla_calendars"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    updated_by: Mapped[str] = mapped_column(String(80))
    updated_at: Mapped[datetime]


class RuleRow(Base):
    """One version of an SLA rule. Editing adds a version; rows are never updated."""

    __tablename__ = "sla_rules"
    id: Mapped[int] = mapped_column(primary_key=True)
    rule_id: Mapped[int] = mapped_column(Integer)
    version: Mapped[int] = mapped_column(Integer)
    metric: Mapped[str] = mapped_column(String(16))
    opd: Mapped[str | None] = mapped_column(ForeignKey("opds.code"))
    category: Mapped[str | None] = mapped_column(ForeignKey("categories.code"))
    priority: Mapped[str | None] = mapped_column(String(16))
    target_amount: Mapped[float] = mapped_column(Float)
    target_unit: Mapped[str] = mapped_column(String(16))
    calendar: Mapped[str] = mapped_column(ForeignKey("sla_calendars.name"))
    warn_at: Mapped[list[float]] = mapped_column(JSON)
    pause_on: Mapped[list[str]] = mapped_column(JSON)
    effective_from: Mapped[datetime]
    retired: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (UniqueConstraint("rule_id", "version", name="uq_sla_rules_rule_version"),)


class ClockRow(Base):
    __tablename__ = "sla_clocks"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    metric: Mapped[str] = mapped_column(String(16))
    opd: Mapped[str | None] = mapped_column(String(32))
    state: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int] = mapped_column(Integer)
    rule_version: Mapped[int] = mapped_column(Integer)
    calendar_spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    target_seconds: Mapped[float] = mapped_column(Float)
    warn_at: Mapped[list[float]] = mapped_column(JSON)
    started_at: Mapped[datetime]
    run_from: Mapped[datetime]
    used_seconds: Mapped[float] = mapped_column(Float, default=0)
    paused_seconds: Mapped[float] = mapped_column(Float, default=0)
    paused_at: Mapped[datetime | None]
    pause_reason: Mapped[str | None] = mapped_column(String(32))
    due_at: Mapped[datetime]
    next_alert_at: Mapped[datetime | None]
    pending: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    recorded: Mapped[list[str]] = mapped_column(JSON)
    holders: Mapped[list[list[Any]]] = mapped_column(JSON)
    stopped_at: Mapped[datetime | None]
    outcome: Mapped[str | None] = mapped_column(String(16))
    late: Mapped[bool] = mapped_column(Boolean, default=False)
    overdue_seconds: Mapped[float] = mapped_column(Float, default=0)
    __table_args__ = (
        Index("ix_sla_clocks_report_metric", "report_id", "metric"),
        # The sweep reads only clocks with an alert ahead: its cost follows what falls due.
        Index(
            "ix_sla_clocks_next_alert",
            "next_alert_at",
            sqlite_where=text("next_alert_at IS NOT NULL"),
            postgresql_where=text("next_alert_at IS NOT NULL"),
        ),
        Index(
            "ix_sla_clocks_running_due",
            "due_at",
            sqlite_where=text("state = 'running'"),
            postgresql_where=text("state = 'running'"),
        ),
    )


class AlertRow(Base):
    """A warning recorded once per clock and threshold."""

    __tablename__ = "sla_alerts"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id"))
    report_id: Mapped[int] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(16))
    at: Mapped[datetime]
    opd: Mapped[str | None] = mapped_column(String(32))
    officer: Mapped[str | None] = mapped_column(String(80))
    recorded_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("clock_id", "kind", name="uq_sla_alerts_clock_kind"),)


class ChainedRow:
    """Columns every ledger row carries: its place in the chain and the hashes that link it."""

    chain_seq: Mapped[int] = mapped_column(Integer, unique=True)
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class BreachRow(ChainedRow, Base):
    """A breach, stamped with its due time and attributed to the holder at that moment. Never edited."""

    __tablename__ = "sla_breaches"
    id: Mapped[int] = mapped_column(primary_key=True)
    clock_id: Mapped[int] = mapped_column(ForeignKey("sla_clocks.id"), unique=True)
    report_id: Mapped[int] = mapped_column(Integer, index=True)
    opd: Mapped[str | None] = mapped_column(String(32))
    officer: Mapped[str | None] = mapped_column(String(80))
    metric: Mapped[str] = mapped_column(String(16))
    rule_id: Mapped[int] = mapped_column(Integer)
    rule_version: Mapped[int] = mapped_column(Integer)
    calendar_spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    started_at: Mapped[datetime]
    due_at: Mapped[datetime] = mapped_column(index=True)
    working_seconds: Mapped[float] = mapped_column(Float)
    paused_seconds: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime]


class FulfilmentRow(ChainedRow, Base):
    """When a breached clock was finally met, and by how much working time it was overdue."""

    __tablename__ = "sla_fulfilments"
    id: Mapped[int] = mapped_column(primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("sla_breaches.id"), unique=True)
    fulfilled_at: Mapped[datetime]
    outcome: Mapped[str] = mapped_column(String(16))
    overdue_seconds: Mapped[float] = mapped_column(Float)
    recorded_at: Mapped[datetime]


class WaiverRow(ChainedRow, Base):
    __tablename__ = "sla_waivers"
    id: Mapped[int] = mapped_column(primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("sla_breaches.id"), unique=True)
    reason: Mapped[str] = mapped_column(Text)
    waived_by: Mapped[str] = mapped_column(String(80))
    waived_at: Mapped[datetime]


class ObjectionRow(ChainedRow, Base):
    """An objection (keberatan) to a breach, filed by its officer or the OPD head. Never edited:
    the supervisor's decision is a row of its own."""

    __tablename__ = "objections"
    id: Mapped[int] = mapped_column(primary_key=True)
    breach_id: Mapped[int] = mapped_column(ForeignKey("sla_breaches.id"), index=True)
    officer: Mapped[str | None] = mapped_column(String(80))  # whose breach: the breach's officer
    filed_by: Mapped[str] = mapped_column(String(80))
    reason_code: Mapped[str] = mapped_column(String(32))
    text: Mapped[str] = mapped_column(Text)
    # What each evidence file was when filed: name, type, size and sha256 (the bytes live in
    # objection_evidence); hashed with the row, so a swapped file shows.
    evidence: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    window_ends_at: Mapped[datetime]
    filed_at: Mapped[datetime]


class ObjectionDecisionRow(ChainedRow, Base):
    """A supervisor's decision on one objection; an accepted one points at the waiver it made."""

    __tablename__ = "objection_decisions"
    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), unique=True)
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str] = mapped_column(Text)
    waiver_id: Mapped[int | None] = mapped_column(ForeignKey("sla_waivers.id"))
    decided_by: Mapped[str] = mapped_column(String(80))
    decided_at: Mapped[datetime]


class ObjectionEvidenceRow(Base):
    """An evidence file's bytes, kept in the database with the objection it supports."""

    __tablename__ = "objection_evidence"
    id: Mapped[int] = mapped_column(primary_key=True)
    objection_id: Mapped[int] = mapped_column(ForeignKey("objections.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(64))
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class ClosedMonthRow(Base):
    """A month HR closed: its allowance is final, and the files below are what it was."""

    __tablename__ = "closed_months"
    month: Mapped[str] = mapped_column(String(7), primary_key=True)
    closed_by: Mapped[str] = mapped_column(String(80))
    closed_at: Mapped[datetime]


class ClosedMonthFileRow(Base):
    """One export of a closed month, byte for byte (allowance.json, pelanggaran-sla-YYYY-MM.csv and .xlsx)."""

    __tablename__ = "closed_month_files"
    month: Mapped[str] = mapped_column(ForeignKey("closed_months.month"), primary_key=True)
    name: Mapped[str] = mapped_column(String(64), primary_key=True)
    sha256: Mapped[str] = mapped_column(String(64))
    data: Mapped[bytes] = mapped_column(LargeBinary)


class LedgerHeadRow(Base):
    """The chain's last row: locked while appending so concurrent writers stay in one line."""

    __tablename__ = "ledger_head"
    id: Mapped[int] = mapped_column(primary_key=True)
    seq: Mapped[int] = mapped_column(Integer)
    hash: Mapped[str] = mapped_column(String(64))


class AllowancePolicyRow(Base):
    """HR's cut policy; a new version applies from its month on."""

    __tablename__ = "allowance_policies"
    id: Mapped[int] = mapped_column(primary_key=True)
    spec: Mapped[dict[str, Any]] = mapped_column(JSON)
    effective_month: Mapped[str] = mapped_column(String(7))
    created_by: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]


# --- tagging, duplicates, labels, notifications ----------------------------------------------


class ReportTagRow(Base):
    """What the tagger saw in a report's photo: hints for staff, checks, and the embedding."""

    __tablename__ = "report_tags"
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), primary_key=True)
    status: Mapped[str] = mapped_column(String(16))
    model_sha: Mapped[str | None] = mapped_column(String(64))
    head_version: Mapped[int | None] = mapped_column(Integer)
    hints: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    analysis: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    decision: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    phash: Mapped[str | None] = mapped_column(String(16))
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime]


class DuplicateLinkRow(Base):
    """A possible duplicate, for staff to confirm or reject; never acted on silently."""

    __tablename__ = "duplicate_links"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    original_id: Mapped[int] = mapped_column(ForeignKey("reports.id"))
    evidence: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    status: Mapped[str] = mapped_column(String(16), default="pending")
    decided_by: Mapped[str | None] = mapped_column(String(80))
    decided_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    __table_args__ = (UniqueConstraint("report_id", "original_id", name="uq_duplicate_links_pair"),)


class TrainingLabelRow(Base):
    """A category a person confirmed or corrected for a report: what the head learns from."""

    __tablename__ = "training_labels"
    id: Mapped[int] = mapped_column(primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("reports.id"), index=True)
    category: Mapped[str] = mapped_column(ForeignKey("categories.code"))
    source: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))
    created_at: Mapped[datetime]


class TaggerHeadRow(Base):
    """A trained category head; the active one classifies new reports."""

    __tablename__ = "tagger_heads"
    id: Mapped[int] = mapped_column(primary_key=True)
    artefact: Mapped[bytes] = mapped_column(LargeBinary)
    model_sha: Mapped[str] = mapped_column(String(64))
    method: Mapped[str] = mapped_column(String(32))
    label_count: Mapped[int] = mapped_column(Integer)
    metrics: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    trained_at: Mapped[datetime]


class InboxRow(Base):
    """An in-app notification; one per outbox message and recipient."""

    __tablename__ = "inbox"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    recipient: Mapped[str] = mapped_column(String(200), index=True)
    report_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    email: Mapped[str | None] = mapped_column(String(200))
    email_status: Mapped[str | None] = mapped_column(String(16))
    email_attempts: Mapped[int] = mapped_column(Integer, default=0)
    email_error: Mapped[str | None] = mapped_column(Text)
    email_next_at: Mapped[datetime | None]
    email_claimed_at: Mapped[datetime | None]  # handed to the mailer; long ago while `sending` = stuck
    emailed_at: Mapped[datetime | None]
    created_at: Mapped[datetime]
    read_at: Mapped[datetime | None]
    __table_args__ = (UniqueConstraint("outbox_id", "recipient", name="uq_inbox_outbox_recipient"),)


# --- configuration audit trail -----------------------------------------------------------------


class ConfigChangeRow(Base):
    """One changed field of routing or a working calendar: who, when, from what to what.

    Append-only: rows are inserted in the transaction of the change they describe and never
    updated or deleted, so the configuration behind a breach (and an allowance cut) stays
    explainable after later edits."""

    __tablename__ = "config_changes"
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime]
    actor: Mapped[str] = mapped_column(String(80))
    subject_kind: Mapped[str] = mapped_column(String(32))
    subject_key: Mapped[str] = mapped_column(String(64))
    field: Mapped[str] = mapped_column(String(64))
    # JSON null stands for "absent": the field had no value before, e.g. a new calendar.
    old_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    new_value: Mapped[Any] = mapped_column(JSON, nullable=True)
    note: Mapped[str | None] = mapped_column(Text)
    __table_args__ = (Index("ix_config_changes_subject", "subject_kind", "subject_key", "at"),)
