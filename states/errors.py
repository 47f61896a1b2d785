"""Domain errors of the lifecycle. Each carries what went wrong."""

from __future__ import annotations


class DomainError(Exception):
    """Base of every error a caller can show to a person."""


class InvalidTransition(DomainError):
    def __init__(self, report_id: int | None, state: str, trigger: str) -> None:
        self.report_id, self.state, self.trigger = report_id, state, trigger
        super().__init__(f"report #{report_id} is {state}: '{trigger}' is not possible from there")


class GuardRejected(DomainError):
    """The trigger is valid from this state but its conditions are not met."""

    def __init__(self, report_id: int | None, trigger: str, problems: list[str]) -> None:
        self.report_id, self.trigger, self.problems = report_id, trigger, problems
        super().__init__(f"report #{report_id} cannot {trigger}: {'; '.join(problems)}")


class NotFound(DomainError):
    def __init__(self, kind: str, key: object) -> None:
        self.kind, self.key = kind, key
        super().__init__(f"{kind} {key!r} does not exist")


class InvalidInput(DomainError):
    """A command's data is wrong before any rule is consulted: names the field."""

    def __init__(self, field: str, problem: str) -> None:
        self.field, self.problem = field, problem
        super().__init__(f"{field}: {problem}")


class PermissionDenied(DomainError):
    def __init__(self, actor: str, action: str) -> None:
        self.actor, self.action = actor, action
        super().__init__(f"{actor} may not {action}")


class ConcurrencyConflict(DomainError):
    """Someone else changed the report first; the caller should reload and retry."""

    def __init__(self, report_id: int | None) -> None:
        self.report_id = report_id
        super().__init__(f"report #{report_id} was changed by someone else; reload it and try again")
