"""Working-time calendar: when a target of working hours falls due, and how much
working time lies between two instants.

Every instant is handled as integer microseconds since the Unix epoch (UTC), so
arithmetic is exact and independent of the zone a caller used. For each local
date the wall-clock windows are converted to such instants once, and per year a
running total of working time per day is kept. Working time up to an instant is
then a lookup plus O(windows), and `add` inverts it with a bisect: its cost does
not grow with the length of the target.
"""

from __future__ import annotations

import copy
import re
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from itertools import accumulate, pairwise
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holiday_data

__all__ = [
    "DAY_NAMES",
    "HORIZON_DAYS",
    "CalendarExhaustedError",
    "CalendarSpecError",
    "NaiveDatetimeError",
    "NegativeDurationError",
    "WorkingCalendar",
]

HORIZON_DAYS = 3660
DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALWAYS = "always"
DEFAULT_HOLIDAY_CATEGORIES = ("public",)

_SPEC_FIELDS = ("timezone", "hours", "holidays", "extra_holidays", "extra_working_days")
_HOLIDAY_FIELDS = ("country", "categories")
_WINDOW_PATTERN = re.compile(r"(\d\d):(\d\d)-(\d\d):(\d\d)")
_DATE_PATTERN = re.compile(r"\d{4}-\d\d-\d\d")
_SECONDS_PER_DAY = 86_400
_UTC_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_SUBTRACT = datetime.__sub__
_EPOCH_ORDINAL = date(1970, 1, 1).toordinal()
_DAY_US = _SECONDS_PER_DAY * 1_000_000


def _fixed_offset_us(zone: ZoneInfo) -> int | None:
    """The zone's UTC offset in µs when it never changes from 1970 to 2100 (WIB, WITA and WIT
    have had none since the 1960s), else None. A date then comes from arithmetic, not a zone
    conversion: finding an instant's local date is what replays of a year spend most time on."""
    offsets = {zone.utcoffset(datetime(year, month, 1)) for year in range(1970, 2101) for month in range(1, 13)}
    if len(offsets) != 1:
        return None
    [offset] = offsets
    return None if offset is None else _timedelta_us(offset)

WallWindow = tuple[int, int]
"""[open, close) in seconds after local midnight; close may be 86400 (24:00)."""
Window = tuple[int, int]
"""[open, close) as UTC microseconds since the epoch."""
DayHours = tuple[WallWindow, ...]
HolidaySource = tuple[str, tuple[str, ...]]
"""(country code, categories) for the `holidays` package."""


class CalendarSpecError(ValueError):
    """A field of a calendar spec is invalid."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(field, message)  # args stay constructor-shaped, so it pickles
        self.field = field
        self.message = message

    def __str__(self) -> str:
        return f"{self.field}: {self.message}"


class NaiveDatetimeError(ValueError):
    """A datetime without a UTC offset was given where an instant is needed."""

    def __init__(self, argument: str, value: datetime) -> None:
        super().__init__(argument, value)
        self.argument = argument
        self.value = value

    def __str__(self) -> str:
        return f"{self.argument} must be timezone-aware, got naive datetime {self.value.isoformat()}"


class NegativeDurationError(ValueError):
    """`add` only counts forward."""

    def __init__(self, duration: timedelta) -> None:
        super().__init__(duration)
        self.duration = duration

    def __str__(self) -> str:
        return f"duration must not be negative, got {self.duration}"


class CalendarExhaustedError(ValueError):
    """The calendar has too little working time ahead to reach a target."""

    def __init__(self, start: datetime, duration: timedelta, horizon_days: int) -> None:
        super().__init__(start, duration, horizon_days)
        self.start = start
        self.duration = duration
        self.horizon_days = horizon_days

    def __str__(self) -> str:
        return (
            f"fewer than {self.duration} of working time in the {self.horizon_days} days after {self.start.isoformat()}"
        )


# --- spec parsing -------------------------------------------------------------


@dataclass(frozen=True)
class _Rules:
    """A validated spec, in the shapes the arithmetic needs."""

    zone: ZoneInfo
    weekly: tuple[DayHours, ...] | None  # None means 24/7
    holidays: HolidaySource | None
    extra_holidays: frozenset[date]
    extra_working_days: Mapping[date, DayHours]

    def hours_on(self, day: date, closed: frozenset[date]) -> DayHours:
        """Wall-clock windows of one local date; a make-up day beats a holiday."""
        if self.weekly is None:
            return ((0, _SECONDS_PER_DAY),)
        if day in self.extra_working_days:
            return self.extra_working_days[day]
        return () if day in closed else self.weekly[day.weekday()]

    def closed_days(self, year: int) -> frozenset[date]:
        """Package holidays of `year` plus the supervisor's extra closures."""
        if self.holidays is None:
            return self.extra_holidays
        country, categories = self.holidays
        found = holiday_data.country_holidays(country, years=year, categories=categories)
        return frozenset(found) | self.extra_holidays


def _parse_spec(spec: Mapping[str, Any]) -> _Rules:
    if not isinstance(spec, Mapping):
        raise CalendarSpecError("spec", "expected a mapping")
    _reject_unknown_fields(spec, _SPEC_FIELDS, prefix="")
    for required in ("timezone", "hours"):
        if required not in spec:
            raise CalendarSpecError(required, "is required")
    rules = _Rules(
        zone=_parse_timezone(spec["timezone"]),
        weekly=_parse_hours(spec["hours"]),
        holidays=_parse_holidays(spec.get("holidays")),
        extra_holidays=_parse_extra_holidays(spec.get("extra_holidays", [])),
        extra_working_days=_parse_extra_working_days(spec.get("extra_working_days", {})),
    )
    _check_consistency(spec, rules)
    return rules


def _reject_unknown_fields(value: Mapping[str, Any], known: Iterable[str], prefix: str) -> None:
    for key in value:
        if key not in known:
            raise CalendarSpecError(f"{prefix}{key}", f"unknown field; expected one of {list(known)}")


def _check_consistency(spec: Mapping[str, Any], rules: _Rules) -> None:
    if rules.weekly is None:
        # A 24/7 calendar never closes, so any closure or make-up day in it is a
        # mistake we would otherwise silently ignore.
        for field in ("holidays", "extra_holidays", "extra_working_days"):
            if spec.get(field):
                raise CalendarSpecError(field, "not allowed with hours 'always' (24/7 never closes)")
        return
    if not any(rules.weekly) and not rules.extra_working_days:
        raise CalendarSpecError("hours", "no working windows and no extra working days: never due")
    both = rules.extra_holidays & rules.extra_working_days.keys()
    if both:
        raise CalendarSpecError("extra_working_days", f"{min(both)} is also an extra holiday")


def _parse_timezone(value: Any) -> ZoneInfo:
    if not isinstance(value, str) or not value:
        raise CalendarSpecError("timezone", "expected an IANA zone name such as 'Asia/Makassar'")
    try:
        return ZoneInfo(value)
    except (ZoneInfoNotFoundError, ValueError) as error:
        raise CalendarSpecError("timezone", f"unknown time zone {value!r}") from error


def _parse_hours(value: Any) -> tuple[DayHours, ...] | None:
    if value == ALWAYS:
        return None
    if not isinstance(value, Mapping):
        raise CalendarSpecError("hours", f"expected {ALWAYS!r} or a mapping of day names to windows")
    _reject_unknown_fields(value, DAY_NAMES, prefix="hours.")
    return tuple(_parse_windows(f"hours.{day}", value.get(day, [])) for day in DAY_NAMES)


def _parse_windows(field: str, value: Any) -> DayHours:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise CalendarSpecError(field, "expected a list of 'HH:MM-HH:MM' windows")
    windows = sorted(_parse_window(field, text) for text in value)
    for (_, previous_close), (next_open, _) in pairwise(windows):
        if next_open < previous_close:
            raise CalendarSpecError(field, "windows overlap")
    return tuple(windows)


def _parse_window(field: str, text: Any) -> WallWindow:
    match = _WINDOW_PATTERN.fullmatch(text) if isinstance(text, str) else None
    if match is None:
        raise CalendarSpecError(field, f"bad window {text!r}; expected 'HH:MM-HH:MM'")
    open_h, open_m, close_h, close_m = map(int, match.groups())
    opens = _clock_seconds(field, open_h, open_m, allow_midnight_end=False)
    closes = _clock_seconds(field, close_h, close_m, allow_midnight_end=True)
    if closes <= opens:
        raise CalendarSpecError(field, f"window {text!r} ends at or before it starts (split overnight shifts at 24:00)")
    return opens, closes


def _clock_seconds(field: str, hour: int, minute: int, allow_midnight_end: bool) -> int:
    if allow_midnight_end and (hour, minute) == (24, 0):
        return _SECONDS_PER_DAY
    if hour > 23 or minute > 59:
        raise CalendarSpecError(field, f"bad time {hour:02d}:{minute:02d}")
    return hour * 3600 + minute * 60


def _parse_holidays(value: Any) -> HolidaySource | None:
    if value is None:
        return None
    if not isinstance(value, Mapping):
        raise CalendarSpecError("holidays", "expected a mapping with 'country' and 'categories'")
    _reject_unknown_fields(value, _HOLIDAY_FIELDS, prefix="holidays.")
    country = value.get("country")
    if not isinstance(country, str):
        raise CalendarSpecError("holidays.country", "expected an ISO 3166 country code such as 'ID'")
    categories = value.get("categories", list(DEFAULT_HOLIDAY_CATEGORIES))
    return country, _parse_categories(categories, _supported_categories(country))


def _supported_categories(country: str) -> tuple[str, ...]:
    try:
        return tuple(holiday_data.country_holidays(country).supported_categories)
    except NotImplementedError as error:
        raise CalendarSpecError("holidays.country", f"unknown country {country!r}") from error


def _parse_categories(value: Any, supported: tuple[str, ...]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not value:
        raise CalendarSpecError("holidays.categories", "expected a non-empty list of categories")
    for category in value:
        if category not in supported:
            raise CalendarSpecError(
                "holidays.categories", f"unknown category {category!r}; supported: {list(supported)}"
            )
    return tuple(sorted(set(value)))


def _parse_date(field: str, value: Any) -> date:
    if isinstance(value, str) and _DATE_PATTERN.fullmatch(value):
        try:
            return date.fromisoformat(value)
        except ValueError:
            pass
    raise CalendarSpecError(field, f"bad date {value!r}; expected 'YYYY-MM-DD'")


def _parse_extra_holidays(value: Any) -> frozenset[date]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise CalendarSpecError("extra_holidays", "expected a list of 'YYYY-MM-DD' dates")
    return frozenset(_parse_date("extra_holidays", text) for text in value)


def _parse_extra_working_days(value: Any) -> dict[date, DayHours]:
    if not isinstance(value, Mapping):
        raise CalendarSpecError("extra_working_days", "expected a mapping of dates to windows")
    days = {_parse_date("extra_working_days", text): windows for text, windows in value.items()}
    return {day: _parse_make_up_day(day, windows) for day, windows in sorted(days.items())}


def _parse_make_up_day(day: date, value: Any) -> DayHours:
    field = f"extra_working_days.{day.isoformat()}"
    windows = _parse_windows(field, value)
    if not windows:
        raise CalendarSpecError(field, "a make-up day needs at least one window")
    return windows


def _format_windows(windows: DayHours) -> list[str]:
    return [f"{_format_clock(opens)}-{_format_clock(closes)}" for opens, closes in windows]


def _format_clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def _normalised_spec(rules: _Rules) -> dict[str, Any]:
    weekly = rules.weekly
    hours: Any = (
        ALWAYS
        if weekly is None
        else {day: _format_windows(windows) for day, windows in zip(DAY_NAMES, weekly, strict=True) if windows}
    )
    return {
        "timezone": rules.zone.key,
        "hours": hours,
        "holidays": None
        if rules.holidays is None
        else {"country": rules.holidays[0], "categories": list(rules.holidays[1])},
        "extra_holidays": sorted(day.isoformat() for day in rules.extra_holidays),
        "extra_working_days": {
            day.isoformat(): _format_windows(windows) for day, windows in rules.extra_working_days.items()
        },
    }


# --- instants -----------------------------------------------------------------


def _timedelta_us(delta: timedelta) -> int:
    # Field arithmetic, not `//`: timedelta subclasses (pendulum) override division.
    return (delta.days * _SECONDS_PER_DAY + delta.seconds) * 1_000_000 + delta.microseconds


def _instant_us(moment: datetime, argument: str) -> int:
    try:
        # The base class's subtraction: exact, done in C, and a plain timedelta even for
        # pendulum's DateTime (whose own subtraction returns an Interval).
        delta = _SUBTRACT(moment, _UTC_EPOCH)
    except TypeError:
        raise _not_an_instant(moment, argument) from None
    return (delta.days * _SECONDS_PER_DAY + delta.seconds) * 1_000_000 + delta.microseconds


def _not_an_instant(moment: Any, argument: str) -> Exception:
    if not isinstance(moment, datetime):
        return TypeError(f"{argument} must be a datetime, got {type(moment).__name__}")
    return NaiveDatetimeError(argument, moment)


def _real_windows(zone: ZoneInfo, day: date, hours: DayHours) -> tuple[Window, ...]:
    """Wall-clock windows of `day` as UTC instants, so DST days get their real length."""
    midnight = datetime.combine(day, time())
    windows: list[Window] = []
    for opens, closes in hours:
        start = _wall_us(zone, midnight, opens)
        end = _wall_us(zone, midnight, closes)
        if end > start:  # both bounds in one spring-forward gap: nothing left
            windows.append((start, end))
    return tuple(windows)


def _wall_us(zone: ZoneInfo, midnight: datetime, seconds: int) -> int:
    # Naive addition keeps wall time. fold=0 reads an ambiguous (fall-back) time
    # as its first occurrence. A nonexistent (spring-forward) time becomes the
    # instant the clock jumps, when the wall clock first reads past it; fold=0
    # alone would put it the gap's length later, past real times after it.
    wall = (midnight + timedelta(seconds=seconds)).replace(tzinfo=zone)
    offset, offset_after = wall.utcoffset(), wall.replace(fold=1).utcoffset()
    if offset is not None and offset_after is not None and offset < offset_after:
        return _clock_jump_us(zone, wall, offset_after)
    return _instant_us(wall, "wall")


def _clock_jump_us(zone: ZoneInfo, nonexistent: datetime, offset_after: timedelta) -> int:
    """The instant of the spring-forward jump over `nonexistent`, found by bisection."""
    # Invariant: `before` has the old offset, `after` the new; tzdata jumps on whole seconds.
    before = _instant_us(nonexistent.replace(fold=1), "wall") // 1_000_000
    after = _instant_us(nonexistent, "wall") // 1_000_000
    while after - before > 1:
        middle = (before + after) // 2
        if datetime.fromtimestamp(middle, zone).utcoffset() == offset_after:
            after = middle
        else:
            before = middle
    return after * 1_000_000


def _worked_within(windows: tuple[Window, ...], instant: int) -> int:
    """Working microseconds of one day that lie before `instant`."""
    worked = 0
    for start, end in windows:
        if instant <= start:
            break
        worked += (end if end < instant else instant) - start  # not min(): a builtin call per window
    return worked


def _instant_after_work(windows: tuple[Window, ...], work: int) -> int:
    """Earliest instant by which `work` (> 0, <= the day's total) has been done."""
    for start, end in windows:
        if work <= end - start:
            return start + work
        work -= end - start
    raise AssertionError("work exceeds the day's total")


@dataclass(frozen=True)
class _Year:
    """One local calendar year, precomputed."""

    number: int
    first_ordinal: int
    windows: tuple[tuple[Window, ...], ...]
    cumulative: tuple[int, ...]  # cumulative[i]: working µs on the year's days before day i

    @property
    def total(self) -> int:
        return self.cumulative[-1]


def _build_year(rules: _Rules, year: int) -> _Year:
    closed = rules.closed_days(year)
    first = date(year, 1, 1).toordinal()
    days = [date.fromordinal(n) for n in range(first, date(year, 12, 31).toordinal() + 1)]
    windows = tuple(_real_windows(rules.zone, day, rules.hours_on(day, closed)) for day in days)
    totals = (sum(end - start for start, end in day_windows) for day_windows in windows)
    return _Year(year, first, windows, tuple(accumulate(totals, initial=0)))


# --- the calendar -------------------------------------------------------------


class WorkingCalendar:
    """Working hours of one office: weekly windows, holidays and one-off changes.

    - Windows are half-open [open, close); a target that runs out exactly at a
      closing time is due at that closing time.
    - A start outside working time begins counting at the next opening, except
      that `add(start, timedelta(0))` returns `start` itself (in the calendar's
      zone): no work is needed, so nothing waits for an opening.
    - Wall-clock windows are converted to real instants per date, so on a DST
      day a window spanning the change is an hour shorter or longer. A bound in
      a spring-forward gap is the instant the clock jumps; a bound in the
      repeated fall-back hour is its first occurrence.
    - `hours: "always"` is 24/7; holidays and extra days are then rejected as
      contradictory rather than silently ignored.
    - `add` looks at most HORIZON_DAYS ahead before raising CalendarExhaustedError.
    """

    def __init__(self, rules: _Rules) -> None:
        self._rules = rules
        self._spec = _normalised_spec(rules)
        self._years: dict[int, _Year] = {}
        self._offset_us = _fixed_offset_us(rules.zone)
        self._days: dict[int, tuple[int, _Year, int]] = {}  # local date ordinal -> what _day_of returns
        self._working_days: dict[tuple[int, int, int], tuple[datetime, _Year, int]] = {}

    @classmethod
    def from_spec(cls, spec: Mapping[str, Any]) -> WorkingCalendar:
        """Validate `spec`, raising CalendarSpecError naming the bad field."""
        return cls(_parse_spec(spec))

    @property
    def spec(self) -> dict[str, Any]:
        """The normalised, JSON-serialisable spec; from_spec(spec) rebuilds this calendar."""
        return copy.deepcopy(self._spec)

    @property
    def snapshot(self) -> dict[str, Any]:
        """The spec as clocks keep it: one dict shared by every clock started on this calendar,
        so it is never modified (a copy per clock cost more than the clock's arithmetic)."""
        return self._spec

    def __repr__(self) -> str:
        return f"WorkingCalendar.from_spec({self._spec!r})"

    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The instant by which `duration` of working time has elapsed after `start`."""
        instant = _instant_us(start, "start")
        work = _timedelta_us(duration)
        if work < 0:
            raise NegativeDurationError(duration)
        if work == 0:
            return self._datetime(instant)
        ordinal, year, worked = self._locate(instant)
        due = self._instant_at(year.number, worked + work, ordinal + HORIZON_DAYS)
        if due is None:
            raise CalendarExhaustedError(start, duration, HORIZON_DAYS)
        return self._datetime(due)

    def add_working_days(self, start: datetime, days: int) -> datetime:
        """Closing time of the `days`-th working day after `start`'s day.

        The start's own day counts as the first when the start is before its first opening,
        so a report filed at 07:00 on a Monday with 1 working day is due at Monday's close.
        """
        return self.working_days_deadline(start, days)[0]

    def working_days_deadline(self, start: datetime, days: int) -> tuple[datetime, timedelta]:
        """`add_working_days(start, days)`, and the working time from `start` to it (what `between`
        gives): a clock's deadline and target, with `start` located once for both."""
        if days < 1:
            raise ValueError(f"working days must be at least 1, got {days}")
        instant = _instant_us(start, "start")
        ordinal, year, index = self._day_of(instant)
        windows = year.windows[index]
        counted = 1 if windows and instant < windows[0][0] else 0
        # The close depends only on the start's day, whether it counts, and `days`: remembered,
        # since thousands of clocks start on the same few hundred days (a replay of a year).
        key = (ordinal, counted, days)
        close = self._working_days.get(key)
        if close is None:
            close = self._working_days[key] = self._close_located(
                self._close_of_nth_day(start, ordinal, windows, counted, days))
        due, due_year, due_worked = close
        worked = year.cumulative[index] + _worked_within(windows, instant)
        return due, self._span(year, worked, due_year, due_worked)

    def _close_located(self, close: int) -> tuple[datetime, _Year, int]:
        _, year, worked = self._locate(close)
        return self._datetime(close), year, worked

    def _close_of_nth_day(
        self, start: datetime, first: int, windows: tuple[Window, ...], counted: int, days: int
    ) -> int:
        ordinal = first
        while counted < days or not windows:
            ordinal += 1
            if ordinal > first + HORIZON_DAYS:
                raise CalendarExhaustedError(start, timedelta(days=days), HORIZON_DAYS)
            windows = self._windows_on(ordinal)
            counted += 1 if windows else 0
        return windows[-1][1]

    def _windows_on(self, ordinal: int) -> tuple[Window, ...]:
        year = self._year(date.fromordinal(ordinal).year)
        return year.windows[ordinal - year.first_ordinal]

    def between(self, a: datetime, b: datetime) -> timedelta:
        """Working time in [a, b); negative when b is before a."""
        start, end = _instant_us(a, "a"), _instant_us(b, "b")
        if end < start:
            return -self._work_between(end, start)
        return self._work_between(start, end)

    def is_working(self, moment: datetime) -> bool:
        """Whether `moment` lies in a working window (closing time does not)."""
        instant = _instant_us(moment, "moment")
        _, year, index = self._day_of(instant)
        return any(start <= instant < end for start, end in year.windows[index])

    def _work_between(self, start: int, end: int) -> timedelta:
        _, first, worked_a = self._locate(start)
        _, last, worked_b = self._locate(end)
        return self._span(first, worked_a, last, worked_b)

    def _span(self, first: _Year, worked_a: int, last: _Year, worked_b: int) -> timedelta:
        """Working time between two located instants (worked µs since their years' starts)."""
        if last is not first:
            worked_b += sum(self._year(y).total for y in range(first.number, last.number))
        return timedelta(microseconds=worked_b - worked_a)

    def _locate(self, instant: int) -> tuple[int, _Year, int]:
        """Local date of `instant` (an ordinal), its year, and working µs from the year's start to it."""
        ordinal, year, index = self._day_of(instant)
        return ordinal, year, year.cumulative[index] + _worked_within(year.windows[index], instant)

    def _day_of(self, instant: int) -> tuple[int, _Year, int]:
        """Local date of `instant` (an ordinal), its year's tables and the date's index in them."""
        if self._offset_us is not None:
            ordinal = _EPOCH_ORDINAL + (instant + self._offset_us) // _DAY_US
        else:
            ordinal = self._datetime(instant).toordinal()
        found = self._days.get(ordinal)
        if found is None:
            year = self._year(date.fromordinal(ordinal).year)
            found = self._days[ordinal] = (ordinal, year, ordinal - year.first_ordinal)
        return found

    def _instant_at(self, year_number: int, work: int, last_ordinal: int) -> int | None:
        """Earliest instant with `work` done since `year_number` began, or None past the horizon."""
        year = self._year(year_number)
        while work > year.total:
            work -= year.total
            year_number += 1
            if date(year_number, 1, 1).toordinal() > last_ordinal:
                return None
            year = self._year(year_number)
        index = bisect_left(year.cumulative, work) - 1
        if year.first_ordinal + index > last_ordinal:
            return None
        return _instant_after_work(year.windows[index], work - year.cumulative[index])

    def _year(self, year: int) -> _Year:
        # Memoised lazily; a racing duplicate build is harmless (same value).
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = _build_year(self._rules, year)
        return found

    def _datetime(self, instant: int) -> datetime:
        return (_UTC_EPOCH + timedelta(microseconds=instant)).astimezone(self._rules.zone)
