"""The facade web adapters and jobs call for citizens' reports: submissions, apps' updates and the
checks a form runs before it files anything."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from states.errors import ConcurrencyConflict, InvalidInput
from tanggap.config import IntakeSettings
from tanggap.infrastructure.storage import AbstractPhotoStorage
from tanggap.intake.commands import (
    CheckSubmission,
    PostedUpdate,
    PostServiceRequestUpdate,
    Submission,
    SubmitServiceRequest,
)
from tanggap.intake.errors import InvalidRequest

if TYPE_CHECKING:
    from tanggap.bootstrap import Tanggap


# A posted update races whoever else writes to its report (staff, the flows, the app's own retry).
UPDATE_ATTEMPTS = 3


@dataclass
class IntakeService:
    """What the web adapters and jobs call for citizens' reports: the bus, and the reads around it."""

    tanggap: Tanggap

    @property
    def rules(self) -> IntakeSettings:
        return self.tanggap.settings.intake

    @property
    def photos(self) -> AbstractPhotoStorage:
        return self.tanggap.photos

    def now(self) -> datetime:
        return self.tanggap.clock.now()

    def submit(self, cmd: SubmitServiceRequest) -> Submission:
        submission: Submission = self.tanggap.handle(cmd)
        return submission

    def post_update(self, cmd: PostServiceRequestUpdate) -> tuple[str, bool]:
        """Our update id for the app's update, and whether it was already answered. A comment
        does not depend on the version of the report anyone saw, so losing a race to another
        writer just runs it again on the new state; an identical retry then finds the first answer."""
        for _ in range(UPDATE_ATTEMPTS - 1):
            try:
                return self._answer(self.tanggap.handle(cmd))
            except ConcurrencyConflict:
                continue
        return self._answer(self.tanggap.handle(cmd))

    def _answer(self, posted: PostedUpdate) -> tuple[str, bool]:
        """The id of the event the update recorded: the id the update feed gives that event too,
        so the app recognises it there and does not show the citizen's words back as the city's."""
        with self.tanggap.uow() as uow:
            event_id = uow.reports.event_id(posted.report_id, posted.event_seq)
        assert event_id is not None, f"report #{posted.report_id} has no event {posted.event_seq}"
        return str(event_id), posted.replayed

    def problems(self, cmd: SubmitServiceRequest) -> list[InvalidInput]:
        """Everything wrong with a submission, without filing it: for a form that refuses for a
        reason of its own and must still name every other problem at once."""
        try:
            self.tanggap.handle(CheckSubmission(cmd))
        except InvalidRequest as err:
            return err.problems
        return []
