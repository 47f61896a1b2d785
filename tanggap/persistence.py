"""The SQLAlchemy unit of work: a session per use case and the repositories on it; the commit
writes reports, the outbox and SLA clocks in that order and turns lost races into conflicts.
And the reader: a session for queries, never committed."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.orm.exc import StaleDataError

from states.errors import ConcurrencyConflict
from tanggap.enforcement.repository import SqlAlchemySlaRepository
from tanggap.reports.repository import SqlAlchemyOutbox, SqlAlchemyReferenceData, SqlAlchemyReportRepository


class SqlAlchemyUnitOfWork:
    def __init__(self, session_factory: sessionmaker[Session]) -> None:
        self.session_factory = session_factory

    def __enter__(self) -> Self:
        self.session = self.session_factory()
        self.reports = SqlAlchemyReportRepository(self.session)
        self.reference = SqlAlchemyReferenceData(self.session)
        self.outbox = SqlAlchemyOutbox(self.session)
        self.sla = SqlAlchemySlaRepository(self.session)
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
