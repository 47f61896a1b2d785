"""The unit of work as handlers see it: one transaction per use case, rolled back unless
committed. The SQLAlchemy implementation is in tanggap/persistence.py; handlers never import it."""

from __future__ import annotations

from types import TracebackType
from typing import TYPE_CHECKING, Protocol, Self

if TYPE_CHECKING:  # types only: each feature's repository port sits in that feature's package
    from tanggap.appeals.repository import AbstractAppealsRepository
    from tanggap.enforcement.repository import AbstractSlaRepository
    from tanggap.intake.repository import AbstractIntakeRepository
    from tanggap.payroll.repository import AbstractPayrollRepository
    from tanggap.pipeline.repository import AbstractPipelineRepository
    from tanggap.reports.repository import AbstractOutbox, AbstractReferenceData, AbstractReportRepository
    from tanggap.staff.repository import AbstractStaffRepository


class AbstractUnitOfWork(Protocol):
    """Handlers reach the database only through these repositories: the session is the SQLAlchemy
    implementation's own (tanggap/persistence.py), not part of the port. They are read-only
    properties here, so a fake unit of work may put any implementation of each there
    (tests/fakes.py)."""

    @property
    def reports(self) -> AbstractReportRepository: ...
    @property
    def reference(self) -> AbstractReferenceData: ...
    @property
    def outbox(self) -> AbstractOutbox: ...
    @property
    def sla(self) -> AbstractSlaRepository: ...
    @property
    def intake(self) -> AbstractIntakeRepository: ...
    @property
    def staff(self) -> AbstractStaffRepository: ...
    @property
    def pipeline(self) -> AbstractPipelineRepository: ...
    @property
    def payroll(self) -> AbstractPayrollRepository: ...
    @property
    def appeals(self) -> AbstractAppealsRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
    def commit(self) -> None: ...
