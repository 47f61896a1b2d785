"""The routing page: which OPD each category goes to, and how near a duplicate may be."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from states.model import SUPERVISING
from tanggap.access import StaffUser, require
from tanggap.db import CategoryRow, OpdRow
from tanggap.reader import AbstractReader, plain


@dataclass(frozen=True)
class Category:
    code: str
    name: str
    opd_code: str
    active: bool
    duplicate_radius_m: float


@dataclass(frozen=True)
class Opd:
    code: str
    name: str


def routing(reader: AbstractReader, user: StaffUser) -> tuple[list[Category], list[Opd]]:
    """Every category (retired ones too) with its OPD, and every OPD, by code."""
    require(user, SUPERVISING, "read routing")
    with reader as s:
        categories = [plain(Category, row) for row in s.scalars(select(CategoryRow).order_by(CategoryRow.code))]
        opds = [plain(Opd, row) for row in s.scalars(select(OpdRow).order_by(OpdRow.code))]
    return categories, opds
