"""Pipeline persistence: outbox leases, inbox entries and their e-mails, the tagger's view of
photos, duplicate links and the category heads."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from sqlalchemy import ColumnElement, and_, or_, select, update
from sqlalchemy.orm import Session

from states.model import Role
from tanggap.commands import Claim
from tanggap.db import (
    CategoryRow,
    ClockRow,
    DuplicateLinkRow,
    InboxRow,
    OutboxRow,
    ReportRow,
    ReportTagRow,
    TaggerHeadRow,
    TrainingLabelRow,
    UserRow,
)

UNSYNCHRONISED = {"synchronize_session": False}


@dataclass(frozen=True)
class NearbyReport:
    """An open report near another, with what its photo looked like to the tagger."""

    report_id: int
    lat: float | None
    lon: float | None
    category: str | None
    phash: str | None
    embedding: bytes | None


class AbstractPipelineRepository(Protocol):
    # --- outbox leases
    def lease(self, topics: Sequence[str], worker: str, until: datetime, now: datetime, limit: int) -> list[Claim]: ...
    def held_by(self, worker: str, outbox_ids: Sequence[int]) -> set[int]: ...
    def give_up(self, outbox_id: int, payload: dict[str, Any], now: datetime) -> None: ...
    def mark_done(self, outbox_ids: Sequence[int], now: datetime) -> None: ...
    def release(self, outbox_ids: Sequence[int]) -> None: ...
    def pending_reports(self, topic: str, report_ids: Sequence[int]) -> set[int]: ...
    def pending_topics(self, topics: Sequence[str], now: datetime) -> set[str]: ...

    # --- notifications
    def claim_notifications(self, topics: Sequence[str], now: datetime, limit: int) -> list[OutboxRow]: ...
    def add_inbox(self, entry: InboxRow) -> None: ...
    def active_users(self, role: Role | None = None, opd: str | None = None,
                     usernames: Sequence[str] | None = None) -> list[UserRow]: ...
    def clock(self, clock_id: int | None) -> ClockRow | None: ...
    def claim_emails(self, now: datetime, limit: int) -> list[InboxRow]: ...
    def inbox_entry(self, inbox_id: int) -> InboxRow | None: ...

    # --- tagging, duplicates and the category head
    def active_head(self) -> TaggerHeadRow | None: ...
    def duplicate_radii(self) -> dict[str, float]: ...
    def open_reports_near(self, report_id: int, lat: tuple[float, float], lon: tuple[float, float],
                          states: Sequence[str], since: datetime, limit: int) -> list[NearbyReport]: ...
    def linked_originals(self, report_id: int) -> set[int]: ...
    def add_duplicate_link(self, link: DuplicateLinkRow) -> None: ...
    def store_tag(self, tag: ReportTagRow) -> None: ...
    def labelled_embeddings(self, model_sha: str) -> list[tuple[int, str, bytes | None]]: ...
    def activate_head(self, head: TaggerHeadRow) -> None: ...


def claimable(topics: Sequence[str], now: datetime) -> ColumnElement[bool]:
    """Rows of these topics not done, and not leased or leased to a worker whose lease ran out."""
    return and_(
        OutboxRow.topic.in_(topics), OutboxRow.done_at.is_(None),
        or_(OutboxRow.claimed_until.is_(None), OutboxRow.claimed_until < now),
    )


class SqlAlchemyPipelineRepository:
    def __init__(self, session: Session) -> None:
        self.session = session

    # --- outbox leases
    def lease(self, topics: Sequence[str], worker: str, until: datetime, now: datetime, limit: int) -> list[Claim]:
        """Lease up to `limit` claimable rows, oldest first. Concurrent workers on PostgreSQL skip
        each other's rows; on SQLite the write lock serialises them."""
        pending = (select(OutboxRow.id).where(claimable(topics, now)).order_by(OutboxRow.id)
                   .limit(limit).with_for_update(skip_locked=True))
        claimed = (update(OutboxRow).where(OutboxRow.id.in_(pending.scalar_subquery()))
                   .values(claimed_by=worker, claimed_until=until, attempts=OutboxRow.attempts + 1)
                   .returning(OutboxRow.id, OutboxRow.topic, OutboxRow.report_id, OutboxRow.payload,
                              OutboxRow.attempts))
        rows = self.session.execute(claimed, execution_options=UNSYNCHRONISED)
        return sorted((Claim(*row) for row in rows), key=lambda claim: claim.outbox_id)

    def held_by(self, worker: str, outbox_ids: Sequence[int]) -> set[int]:
        """Which of these rows the worker still holds, locked: an expired lease may have passed on."""
        return set(self.session.scalars(select(OutboxRow.id).where(
            OutboxRow.id.in_(outbox_ids), OutboxRow.claimed_by == worker, OutboxRow.done_at.is_(None)
        ).with_for_update()))

    def give_up(self, outbox_id: int, payload: dict[str, Any], now: datetime) -> None:
        self.session.execute(update(OutboxRow).where(OutboxRow.id == outbox_id)
                             .values(done_at=now, claimed_until=None, payload=payload),
                             execution_options=UNSYNCHRONISED)

    def mark_done(self, outbox_ids: Sequence[int], now: datetime) -> None:
        self._update(outbox_ids, done_at=now)

    def release(self, outbox_ids: Sequence[int]) -> None:
        self._update(outbox_ids, claimed_by=None, claimed_until=None)

    def _update(self, outbox_ids: Sequence[int], **values: Any) -> None:
        if outbox_ids:
            self.session.execute(update(OutboxRow).where(OutboxRow.id.in_(outbox_ids)).values(**values),
                                 execution_options=UNSYNCHRONISED)

    def pending_reports(self, topic: str, report_ids: Sequence[int]) -> set[int]:
        if not report_ids:
            return set()
        return {rid for rid in self.session.scalars(select(OutboxRow.report_id).where(
            OutboxRow.topic == topic, OutboxRow.report_id.in_(report_ids), OutboxRow.done_at.is_(None)))
            if rid is not None}

    def pending_topics(self, topics: Sequence[str], now: datetime) -> set[str]:
        """One query on the pending-rows index."""
        return set(self.session.scalars(select(OutboxRow.topic).where(claimable(topics, now)).distinct()))

    # --- notifications
    def claim_notifications(self, topics: Sequence[str], now: datetime, limit: int) -> list[OutboxRow]:
        """Pending messages, oldest first, locked for this transaction; other senders skip them."""
        return list(self.session.scalars(select(OutboxRow).where(claimable(topics, now))
                                         .order_by(OutboxRow.id).limit(limit).with_for_update(skip_locked=True)))

    def add_inbox(self, entry: InboxRow) -> None:
        self.session.add(entry)

    def active_users(self, role: Role | None = None, opd: str | None = None,
                     usernames: Sequence[str] | None = None) -> list[UserRow]:
        """Active users by name, narrowed to an OPD, a role and some names when given."""
        conditions: list[ColumnElement[bool]] = [UserRow.active.is_(True)]
        if opd is not None:
            conditions.append(UserRow.opd_code == opd)
        if role is not None:
            conditions.append(UserRow.role == role.value)
        if usernames is not None:
            conditions.append(UserRow.username.in_(usernames))
        return list(self.session.scalars(select(UserRow).where(*conditions).order_by(UserRow.username)))

    def clock(self, clock_id: int | None) -> ClockRow | None:
        return self.session.get(ClockRow, clock_id) if clock_id is not None else None

    def claim_emails(self, now: datetime, limit: int) -> list[InboxRow]:
        """E-mails due to be sent, oldest first, locked for this transaction."""
        return list(self.session.scalars(select(InboxRow).where(
            InboxRow.email_status == "pending",
            (InboxRow.email_next_at.is_(None)) | (InboxRow.email_next_at <= now),
        ).order_by(InboxRow.id).limit(limit).with_for_update(skip_locked=True)))

    def inbox_entry(self, inbox_id: int) -> InboxRow | None:
        return self.session.get(InboxRow, inbox_id)

    # --- tagging, duplicates and the category head
    def active_head(self) -> TaggerHeadRow | None:
        return self.session.scalar(select(TaggerHeadRow).where(TaggerHeadRow.active.is_(True))
                                   .order_by(TaggerHeadRow.id.desc()).limit(1))

    def duplicate_radii(self) -> dict[str, float]:
        """Each category's duplicate radius as stored; categories without one are left out."""
        rows = self.session.execute(select(CategoryRow.code, CategoryRow.duplicate_radius_m))
        return {code: radius for code, radius in rows if radius is not None}

    def open_reports_near(self, report_id: int, lat: tuple[float, float], lon: tuple[float, float],
                          states: Sequence[str], since: datetime, limit: int) -> list[NearbyReport]:
        """Other reports in these states inside the box and submitted since `since`, newest first."""
        rows = self.session.execute(
            select(ReportRow.id, ReportRow.lat, ReportRow.lon, ReportRow.category, ReportTagRow.phash,
                   ReportTagRow.embedding)
            .outerjoin(ReportTagRow, ReportTagRow.report_id == ReportRow.id)
            .where(ReportRow.id != report_id, ReportRow.state.in_(states),
                   ReportRow.lat.between(*lat), ReportRow.lon.between(*lon), ReportRow.submitted_at >= since)
            .order_by(ReportRow.id.desc()).limit(limit))
        return [NearbyReport(*row) for row in rows]

    def linked_originals(self, report_id: int) -> set[int]:
        return set(self.session.scalars(select(DuplicateLinkRow.original_id).where(
            DuplicateLinkRow.report_id == report_id)))

    def add_duplicate_link(self, link: DuplicateLinkRow) -> None:
        self.session.add(link)

    def store_tag(self, tag: ReportTagRow) -> None:
        """The report's one tag row, replaced whole when its photo is tagged again."""
        self.session.merge(tag)

    def labelled_embeddings(self, model_sha: str) -> list[tuple[int, str, bytes | None]]:
        """(report, label, embedding) for each label in the order given, of reports this model tagged."""
        rows = self.session.execute(
            select(TrainingLabelRow.report_id, TrainingLabelRow.category, ReportTagRow.embedding)
            .join(ReportTagRow, ReportTagRow.report_id == TrainingLabelRow.report_id)
            .where(ReportTagRow.model_sha == model_sha, ReportTagRow.embedding.is_not(None))
            .order_by(TrainingLabelRow.id))
        return [(rid, category, embedding) for rid, category, embedding in rows]

    def activate_head(self, head: TaggerHeadRow) -> None:
        """The new head becomes the only active one."""
        self.session.execute(update(TaggerHeadRow).values(active=False))
        self.session.add(head)
