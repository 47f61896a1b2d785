"""What every handler works with."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from states.lifecycle import LifecyclePolicy
from tanggap.uow import AbstractUnitOfWork


@dataclass(frozen=True)
class Context:
    """The open unit of work, the operation's one `now`, and the lifecycle policy."""

    uow: AbstractUnitOfWork
    now: datetime
    policy: LifecyclePolicy
