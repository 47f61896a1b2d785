"""The routing page: which OPD each category goes to."""

from __future__ import annotations

from sqlalchemy import select

from states.model import SUPERVISING
from tanggap.access import StaffUser, require
from tanggap.db import (
    CategoryRow,
    OpdRow,
)
from tanggap.uow import AbstractUnitOfWork


def routing(uow: AbstractUnitOfWork, user: StaffUser) -> tuple[list[CategoryRow], list[OpdRow]]:
    require(user, SUPERVISING, "read routing")
    with uow:
        categories = list(uow.session.scalars(select(CategoryRow).order_by(CategoryRow.code)))
        opds = list(uow.session.scalars(select(OpdRow).order_by(OpdRow.code)))
    return categories, opds
