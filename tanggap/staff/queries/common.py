"""What every staff page reads: the signed-in staff member, and category and OPD names."""

from __future__ import annotations

from sqlalchemy import select

from tanggap.access import StaffUser, active_staff
from tanggap.db import CategoryRow, OpdRow
from tanggap.reader import AbstractReader
from tanggap.reports.repository import SqlAlchemyReferenceData


def user(reader: AbstractReader, username: str) -> StaffUser:
    with reader as s:
        return active_staff(SqlAlchemyReferenceData(s).user(username))


def names(reader: AbstractReader) -> tuple[dict[str, str], dict[str, str]]:
    """Every category's and OPD's name by its code: pages show names where forms send codes."""
    with reader as s:
        categories = {code: name for code, name in s.execute(select(CategoryRow.code, CategoryRow.name))}
        opds = {code: name for code, name in s.execute(select(OpdRow.code, OpdRow.name))}
    return categories, opds
