"""The intake unit of work: the database plus what intake needs beyond it, photo storage and
the intake rules."""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from tanggap.config import IntakeSettings
from tanggap.infrastructure.storage import AbstractPhotoStorage
from tanggap.persistence import SqlAlchemyUnitOfWork
from tanggap.uow import AbstractUnitOfWork


class IntakeUnitOfWork(SqlAlchemyUnitOfWork):
    """The unit of work plus what intake needs beyond the database: photo storage and the rules."""

    def __init__(
        self, session_factory: sessionmaker[Session], photos: AbstractPhotoStorage, rules: IntakeSettings
    ) -> None:
        super().__init__(session_factory)
        self.photos = photos
        self.rules = rules


def _intake(uow: AbstractUnitOfWork) -> IntakeUnitOfWork:
    if not isinstance(uow, IntakeUnitOfWork):
        raise TypeError("intake commands need an IntakeUnitOfWork (photo storage, intake rules): use IntakeService")
    return uow
