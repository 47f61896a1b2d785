"""The intake unit of work and the service facade that web adapters and jobs call."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from types import TracebackType
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from states.errors import ConcurrencyConflict, InvalidInput
from tanggap import commands as c
from tanggap.config import IntakeSettings
from tanggap.db import EventRow
from tanggap.intake.commands import PostedUpdate, PostServiceRequestUpdate, Submission, SubmitServiceRequest
from tanggap.intake.errors import InvalidRequest
from tanggap.storage import AbstractPhotoStorage, PreparedPhoto
from tanggap.uow import AbstractUnitOfWork, SqlAlchemyUnitOfWork

if TYPE_CHECKING:
    from tanggap.bootstrap import Tanggap


# The tables whose unique constraints settle races between identical requests: a loser's
# commit fails on them, and running its command again finds the winner's row.
RACE_TABLES = ("idempotency_keys", "ratings", "client_updates")
# A posted update races whoever else writes to its report (staff, the flows, the app's own retry).
UPDATE_ATTEMPTS = 3


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


@dataclass
class IntakeService:
    """What the web adapters and jobs call: the bus, on an IntakeUnitOfWork."""

    tanggap: Tanggap
    photos: AbstractPhotoStorage

    @property
    def rules(self) -> IntakeSettings:
        return self.tanggap.settings.intake

    def now(self) -> datetime:
        return self.tanggap.clock.now()

    def uow(self) -> IntakeUnitOfWork:
        return IntakeUnitOfWork(self.tanggap.session_factory, self.photos, self.rules)

    def handle(self, cmd: c.Command) -> Any:
        # Imported here: the bus imports this module for its handlers.
        from tanggap import bus

        try:
            return bus.handle(cmd, self.uow(), self.tanggap.clock, self.tanggap.policy)
        except IntegrityError as err:
            if not any(name in str(err.orig) for name in RACE_TABLES):
                raise
            # An identical request committed first. Running again finds its row and answers
            # as it did: one report, one rating.
            return bus.handle(cmd, self.uow(), self.tanggap.clock, self.tanggap.policy)

    def submit(self, cmd: SubmitServiceRequest) -> Submission:
        submission: Submission = self.handle(cmd)
        return submission

    def post_update(self, cmd: PostServiceRequestUpdate) -> tuple[str, bool]:
        """Our update id for the app's update, and whether it was already answered. A comment
        does not depend on the version of the report anyone saw, so losing a race to another
        writer just runs it again on the new state; an identical retry then finds the first answer."""
        for _ in range(UPDATE_ATTEMPTS - 1):
            try:
                return self._answer(self.handle(cmd))
            except ConcurrencyConflict:
                continue
        return self._answer(self.handle(cmd))

    def _answer(self, posted: PostedUpdate) -> tuple[str, bool]:
        """The id of the event the update recorded: the id the update feed gives that event too,
        so the app recognises it there and does not show the citizen's words back as the city's."""
        with self.uow() as uow:
            event_id = uow.session.scalar(select(EventRow.id).where(
                EventRow.report_id == posted.report_id, EventRow.seq == posted.event_seq))
        assert event_id is not None, f"report #{posted.report_id} has no event {posted.event_seq}"
        return str(event_id), posted.replayed

    def problems(self, cmd: SubmitServiceRequest) -> list[InvalidInput]:
        """Everything wrong with a submission, without filing it: for a form that refuses for a
        reason of its own and must still name every other problem at once."""
        from tanggap.intake.validation import _checked

        with self.uow() as uow:
            try:
                _checked(uow, cmd)
            except InvalidRequest as err:
                return err.problems
        return []
