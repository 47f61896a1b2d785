"""What every staff page reads: the signed-in staff member, and category and OPD names."""

from __future__ import annotations

from sqlalchemy import select

from tanggap.access import StaffUser, staff_user
from tanggap.db import (
    CategoryRow,
    OpdRow,
)
from tanggap.uow import AbstractUnitOfWork


def user(uow: AbstractUnitOfWork, username: str) -> StaffUser:
    with uow:
        return staff_user(uow, username)


def names(uow: AbstractUnitOfWork) -> tuple[dict[str, str], dict[str, str]]:
    """Every category's and OPD's name by its code: pages show names where forms send codes."""
    with uow:
        categories = {code: name for code, name in uow.session.execute(select(CategoryRow.code, CategoryRow.name))}
        opds = {code: name for code, name in uow.session.execute(select(OpdRow.code, OpdRow.name))}
    return categories, opds
