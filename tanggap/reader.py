"""The read side's port: a session to read with, rolled back and closed on exit, never committed.
Queries take a reader, not the unit of work: what they return is plain data that outlives the
session. The SQLAlchemy implementation is in tanggap/persistence.py."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol

from sqlalchemy.orm import Session


class AbstractReader(Protocol):
    def __enter__(self) -> Session: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...
