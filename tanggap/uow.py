"""The unit of work as handlers see it: one transaction per use case, rolled back unless
committed. The SQLAlchemy implementation is in tanggap/persistence.py; handlers never import it."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

from sqlalchemy.orm import Session

if TYPE_CHECKING:  # types only: the repositories sit below the features that use this port
    from tanggap.appeals.repository import AbstractAppealsRepository
    from tanggap.enforcement.repository import SqlAlchemySlaRepository
    from tanggap.payroll.repository import AbstractPayrollRepository
    from tanggap.pipeline.repository import AbstractPipelineRepository
    from tanggap.reports.repository import SqlAlchemyOutbox, SqlAlchemyReferenceData, SqlAlchemyReportRepository


class AbstractUnitOfWork(Protocol):
    session: Session
    reports: SqlAlchemyReportRepository
    reference: SqlAlchemyReferenceData
    outbox: SqlAlchemyOutbox
    sla: SqlAlchemySlaRepository
    pipeline: AbstractPipelineRepository
    payroll: AbstractPayrollRepository
    appeals: AbstractAppealsRepository

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
