"""The working calendars page: each calendar and the holidays it observes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import holidays as holiday_tables
from sqlalchemy import select

from states.model import SUPERVISING
from tanggap.access import StaffUser, require
from tanggap.db import CalendarRow
from tanggap.reader import AbstractReader, plain


@dataclass(frozen=True)
class Calendar:
    """A working calendar as it is stored: its `spec` is what the calendars page edits."""

    name: str
    spec: dict[str, Any]
    updated_by: str
    updated_at: datetime


def calendars(reader: AbstractReader, user: StaffUser) -> list[Calendar]:
    require(user, SUPERVISING, "read working calendars")
    with reader as s:
        return [plain(Calendar, row) for row in s.scalars(select(CalendarRow).order_by(CalendarRow.name))]


HOLIDAY_LANGUAGES = {"id": "id", "en": "en_US"}


def public_holidays(spec: Mapping[str, Any], year: int, lang: str = "id") -> list[tuple[str, str | None]]:
    """The holidays a calendar observes in a year, cuti bersama included, named in `lang`, and its
    extra ones (no name: the page calls them extra holidays in its own language)."""
    source = spec.get("holidays") or {}
    found: dict[str, str | None] = {}
    if source.get("country"):
        table = holiday_tables.country_holidays(source["country"], years=year, language=HOLIDAY_LANGUAGES[lang],
                                                categories=tuple(source.get("categories", ("public",))))
        found = {day.isoformat(): str(name) for day, name in sorted(table.items())}
    for day in spec.get("extra_holidays", []):
        found.setdefault(str(day), None)
    return sorted(found.items())
