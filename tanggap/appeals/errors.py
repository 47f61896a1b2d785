"""What goes wrong with an objection or a month's close, with the facts a page or the CLI names."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from states.errors import DomainError, InvalidInput, PermissionDenied
from tanggap.display import wall_time


class NotYourBreach(PermissionDenied):
    def __init__(self, actor: str, breach_id: int, officer: str | None) -> None:
        self.breach_id, self.officer = breach_id, officer
        super().__init__(actor, f"object to breach #{breach_id}: it is {officer or 'nobody'}'s, not theirs")


class ObjectionWindowClosed(InvalidInput):
    def __init__(self, breach_id: int, ended_at: datetime) -> None:
        self.breach_id, self.ended_at = breach_id, ended_at
        super().__init__("breach_id", f"the objection window for breach #{breach_id} ended on "
                                      f"{wall_time(ended_at, 'en', with_day=True)}")


class ObjectionPending(InvalidInput):
    def __init__(self, breach_id: int, objection_id: int) -> None:
        self.breach_id, self.objection_id = breach_id, objection_id
        super().__init__("breach_id", f"breach #{breach_id} already has objection #{objection_id} "
                                      "waiting for a supervisor's decision")


class AlreadyDecided(InvalidInput):
    def __init__(self, objection_id: int, outcome: str, by: str) -> None:
        self.objection_id, self.outcome, self.by = objection_id, outcome, by
        super().__init__("objection_id", f"objection #{objection_id} was already {outcome} by {by}")


@dataclass(frozen=True)
class Blockers:
    """What keeps a month open: objections waiting, windows still running, or the month itself."""

    month_ends_at: datetime | None  # set while the month has not ended
    pending: tuple[tuple[int, int], ...]  # (objection id, breach id)
    open_breaches: tuple[int, ...]  # breaches whose objection window is still running
    open_until: datetime | None  # the last of those windows to end

    def __bool__(self) -> bool:
        return bool(self.month_ends_at or self.pending or self.open_breaches)


class MonthNotClosable(DomainError):
    def __init__(self, month: str, blockers: Blockers) -> None:
        self.month, self.blockers = month, blockers
        super().__init__(f"{month} cannot be closed yet: {'; '.join(_reasons(blockers))}")


def _reasons(b: Blockers) -> list[str]:
    reasons = []
    if b.month_ends_at:
        reasons.append(f"the month has not ended (it ends {wall_time(b.month_ends_at, 'en', with_day=True)})")
    if b.pending:
        listed = ", ".join(f"breach #{breach} (objection #{objection})" for objection, breach in b.pending)
        reasons.append(f"under objection: {listed}")
    if b.open_breaches:
        listed = ", ".join(f"#{breach}" for breach in b.open_breaches)
        reasons.append(f"the objection window is still open for breach {listed} until "
                       f"{wall_time(b.open_until, 'en', with_day=True)}")
    return reasons
