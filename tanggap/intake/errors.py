"""The domain errors intake raises."""

from __future__ import annotations

from collections.abc import Sequence

from states.errors import DomainError, InvalidInput, PermissionDenied


class InvalidRequest(DomainError):
    """Several things are wrong with one request; each problem names its field."""

    def __init__(self, problems: Sequence[InvalidInput]) -> None:
        self.problems = list(problems)
        super().__init__("; ".join(str(p) for p in self.problems))


class InvalidApiKey(PermissionDenied):
    def __init__(self, problem: str) -> None:
        self.problem = problem
        super().__init__("client", f"submit requests: {problem}")


class IdempotencyKeyReused(DomainError):
    def __init__(self, key: str) -> None:
        self.key = key
        super().__init__(f"Idempotency-Key {key!r} was already used for a different request")


class MediaFetchFailed(DomainError):
    def __init__(self, url: str, reason: str, permanent: bool) -> None:
        self.url, self.reason, self.permanent = url, reason, permanent
        super().__init__(f"could not fetch {url}: {reason}")
