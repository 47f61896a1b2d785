"""What every handler works with."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from states.lifecycle import LifecyclePolicy
from tanggap.config import IntakeSettings
from tanggap.infrastructure.storage import AbstractPhotoStorage, PreparedPhoto
from tanggap.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class Context:
    """The open unit of work, the operation's one `now`, the lifecycle policy, and what intake
    needs beyond the database: photo storage and the city's intake rules."""

    uow: AbstractUnitOfWork
    now: datetime
    policy: LifecyclePolicy
    photos: AbstractPhotoStorage
    intake: IntakeSettings
    # Undone by the bus if the transaction does not commit: files written outside the database.
    on_failure: list[Callable[[], None]] = field(default_factory=list)

    def keep_photo(self, photo: PreparedPhoto) -> str:
        """Store a photo for this operation. If the operation then fails (validation, a lost race,
        a crash), nothing refers to it and it is removed; a copy another request stored is kept."""
        stored = self.photos.put(photo)
        if stored.created:
            self.on_failure.append(lambda: self.photos.discard(stored.original_key))
        return stored.original_key

    def undo(self) -> None:
        for step in reversed(self.on_failure):
            step()
        self.on_failure.clear()
