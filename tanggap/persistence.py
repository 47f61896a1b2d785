"""The SQLAlchemy unit of work: a session per use case and the repositories on it; the commit
writes reports, the outbox and SLA clocks in that order and turns lost races into conflicts.
And the reader: a session for queries, never committed."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sqlalchemy import event
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from states.errors import ConcurrencyConflict
from tanggap.appeals.repository import SqlAlchemyAppealsRepository
from tanggap.db import OutboxRow
from tanggap.enforcement.repository import SqlAlchemySlaRepository
from tanggap.intake.repository import SqlAlchemyIntakeRepository
from tanggap.payroll.repository import SqlAlchemyPayrollRepository
from tanggap.pipeline.repository import SqlAlchemyPipelineRepository
from tanggap.reports.repository import SqlAlchemyOutbox, SqlAlchemyReferenceData, SqlAlchemyReportRepository
from tanggap.staff.repository import SqlAlchemyStaffRepository


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.reports = SqlAlchemyReportRepository(self.session)
        self.reference = SqlAlchemyReferenceData(self.session)
        self.outbox = SqlAlchemyOutbox(self.session)
        self.sla = SqlAlchemySlaRepository(self.session)
        self.intake = SqlAlchemyIntakeRepository(self.session)
        self.staff = SqlAlchemyStaffRepository(self.session)
        self.pipeline = SqlAlchemyPipelineRepository(self.session)
        self.payroll = SqlAlchemyPayrollRepository(self.session)
        self.appeals = SqlAlchemyAppealsRepository(self.session, self.sla)
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.session.rollback()
        self.session.close()

    def commit(self) -> None:
        changed = self.reports.changed_ids()
        try:
            self.reports.flush_pending(self.sla.response_deadlines())
            self.outbox.flush()
            self.sla.flush()
            self.session.commit()
        except StaleDataError as err:
            self.session.rollback()
            raise ConcurrencyConflict(_single(changed)) from err
        except IntegrityError as err:
            if "report_events" not in str(err.orig):
                raise
            # Two writers appended the same event number: the slower one lost the race.
            self.session.rollback()
            raise ConcurrencyConflict(_single(changed)) from err


# The tables whose unique constraints settle races between identical requests: a loser's
# commit fails on them, and running its command again finds the winner's row.
RACE_TABLES = ("idempotency_keys", "ratings", "client_updates")


def lost_race(err: IntegrityError) -> bool:
    return any(name in str(err.orig) for name in RACE_TABLES)


class SqlAlchemyReader:
    """`with reader as session:` a fresh session for one read, rolled back and closed on exit.
    Each `with` opens its own, so one reader serves nested reads."""

    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory
        self._open: list[Session] = []

    def __enter__(self) -> Session:
        self._open.append(self.session_factory())
        return self._open[-1]

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        session = self._open.pop()
        session.rollback()
        session.close()


def _single(ids: list[int]) -> int | None:
    return ids[0] if len(ids) == 1 else None


def on_new_work(session_factory: sessionmaker[Session], wake: Callable[[set[str]], None]) -> None:
    """Call `wake` with the topics of outbox rows a session has just committed, so the runner in
    the same process starts their work at once instead of at its next poll."""

    def noted(session: Session, _: Any) -> None:
        topics = {obj.topic for obj in session.new if isinstance(obj, OutboxRow)}
        if topics:
            session.info.setdefault("new_topics", set()).update(topics)

    def committed(session: Session) -> None:
        topics = session.info.pop("new_topics", None)
        if topics:
            wake(topics)

    def rolled_back(session: Session) -> None:
        session.info.pop("new_topics", None)

    event.listen(session_factory, "before_flush", lambda s, ctx, _instances: noted(s, ctx))
    event.listen(session_factory, "after_commit", committed)
    event.listen(session_factory, "after_soft_rollback", lambda s, _tx: rolled_back(s))
