"""The city's time, WITA (Asia/Makassar), in one place: reading the times people type, and the
WITA calendar boundaries that pay and rankings follow (a payroll month, a ranking week).
pendulum does the parsing and the calendar arithmetic; callers get plain aware datetimes."""

from __future__ import annotations

import re
from datetime import datetime
from zoneinfo import ZoneInfo

import pendulum

from tanggap.config import DISPLAY_TZ

WITA = ZoneInfo(DISPLAY_TZ)
MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")


class TimeInputError(ValueError):
    """A typed time that cannot be read; the message names the field and shows an example."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


def in_wita(at: datetime) -> datetime:
    return at.astimezone(WITA)


def _plain(moment: pendulum.DateTime) -> datetime:
    """pendulum's DateTime as the standard library's, so storage and JSON see nothing unusual."""
    return datetime.fromisoformat(moment.isoformat())


def parse_time(raw: str, field: str, *, naive_is_wita: bool) -> datetime:
    """An ISO 8601 date and time typed by a person. With naive_is_wita a time without a zone is
    read as WITA (a form's datetime-local field); otherwise it is refused, naming the field."""
    text = raw.strip()
    try:
        parsed = pendulum.parse(text, tz=None, exact=True)
    except (ValueError, pendulum.parsing.exceptions.ParserError):
        raise TimeInputError(field, f"{raw!r} is not a date and time like 2026-10-06T09:00+08:00") from None
    if not isinstance(parsed, pendulum.DateTime):
        raise TimeInputError(field, f"{raw!r} is a date without a time, e.g. {text}T09:00+08:00")
    if parsed.tzinfo is None:
        if not naive_is_wita:
            raise TimeInputError(field, f"{raw!r} needs a zone, e.g. {text}+08:00")
        return _plain(parsed).replace(tzinfo=WITA)
    return _plain(parsed)


def month_bounds(month: str) -> tuple[datetime, datetime]:
    """[first instant, first instant of the next month) of a WITA month written 2026-10."""
    found = MONTH.match(month)
    if not found:
        raise TimeInputError("month", f"{month!r} is not a month like 2026-10")
    start = pendulum.datetime(int(found[1]), int(found[2]), 1, tz=DISPLAY_TZ)
    return _wita(start), _wita(start.add(months=1))


def previous_month(now: datetime) -> str:
    """The WITA month before the one `now` falls in, as 2026-10."""
    return pendulum.instance(now).in_tz(DISPLAY_TZ).start_of("month").subtract(months=1).format("YYYY-MM")


def week_starts(now: datetime, weeks: int) -> list[datetime]:
    """Midnight WITA of the Mondays of the last `weeks` ISO weeks, oldest first, this week last."""
    monday = pendulum.instance(now).in_tz(DISPLAY_TZ).start_of("week")
    return [_wita(monday.subtract(weeks=n)) for n in range(weeks - 1, -1, -1)]


def _wita(moment: pendulum.DateTime) -> datetime:
    return datetime(moment.year, moment.month, moment.day, moment.hour, moment.minute, moment.second, tzinfo=WITA)
