"""The read side's port: a session to read with, rolled back and closed on exit, never committed.
Queries take a reader, not the unit of work: what they return is plain data that outlives the
session. The SQLAlchemy implementation is in tanggap/persistence.py."""

from __future__ import annotations

from dataclasses import fields
from types import TracebackType
from typing import TYPE_CHECKING, Protocol, TypeVar

from sqlalchemy.orm import Session

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

View = TypeVar("View", bound="DataclassInstance")


class AbstractReader(Protocol):
    def __enter__(self) -> Session: ...
    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None: ...


def plain(view: type[View], row: object) -> View:
    """The fields `view` declares, copied from a row while its session is open: pages and flows
    read the copy, which outlives the session, under the row's own attribute names."""
    return view(**{f.name: getattr(row, f.name) for f in fields(view)})
