"""The intake unit of work: the database plus what intake needs beyond it, photo storage and
the intake rules."""

from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session, sessionmaker

from tanggap.config import IntakeSettings
from tanggap.infrastructure.storage import AbstractPhotoStorage, PreparedPhoto
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
        self.new_photos: list[str] = []  # stored by this unit of work: removed again if it fails

    def keep_photo(self, photo: PreparedPhoto) -> str:
        stored = self.photos.put(photo)
        if stored.created:
            self.new_photos.append(stored.original_key)
        return stored.original_key

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        super().__exit__(exc_type, exc, tb)
        if exc_type is not None:
            # Nothing refers to a photo of a submission that failed (validation, a lost race, a
            # crash): remove it rather than leave an orphan. One another request stored is kept.
            for key in self.new_photos:
                self.photos.discard(key)
        self.new_photos = []


def _intake(uow: AbstractUnitOfWork) -> IntakeUnitOfWork:
    if not isinstance(uow, IntakeUnitOfWork):
        raise TypeError("intake commands need an IntakeUnitOfWork (photo storage, intake rules): use IntakeService")
    return uow
