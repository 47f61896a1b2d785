"""How times, durations and figures read to people: WITA wall time, durations in words, numbers
with the language's separators. Every page, export and message formats through here.

Bahasa Indonesia durations use pendulum's Indonesian locale ("4 hari 10 jam"); English ones are
short ("4 d 10 h"), since "4h" reads as four hours to Indonesian staff and four days nowhere."""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import cache
from typing import Any, Literal

from babel.numbers import format_decimal
from pendulum.locales.locale import Locale

from tanggap.wita import in_wita

Lang = Literal["id", "en"]
TIME_FORMAT = "%d-%m-%Y %H:%M"
UNITS = (("day", 86400), ("hour", 3600), ("minute", 60))
ENGLISH_UNITS = {"day": "{0} d", "hour": "{0} h", "minute": "{0} min"}
PHRASES: dict[str, dict[str, str]] = {
    "id": {"left": "{0} lagi", "late": "terlambat {0}", "under_a_minute": "kurang dari 1 menit"},
    "en": {"left": "{0} left", "late": "{0} late", "under_a_minute": "under 1 min"},
}


# The SLA's metrics as people call them; pages translate these, exports keep them in Bahasa.
METRIC_NAMES = {"dispatch": "Disposisi", "response": "Tanggapan", "resolution": "Penyelesaian"}


def language(code: str | None) -> Lang:
    return "en" if code == "en" else "id"


def local_iso(at: datetime | None) -> str | None:
    """A machine-readable time with its offset, for the API and the command line (never a page)."""
    return in_wita(at).isoformat(timespec="seconds") if at else None


def wall_time(at: datetime | str | None, lang: Lang = "id", with_day: bool = False) -> str:
    """'09-10-2026 16:30 WITA', or with the day named: 'Jumat, 09-10-2026 16:30 WITA'."""
    if at is None or at == "":
        return "-"
    local = in_wita(datetime.fromisoformat(at) if isinstance(at, str) else at)
    text = local.strftime(TIME_FORMAT) + " WITA"
    return f"{day_name(local, lang)}, {text}" if with_day else text


def day_name(at: datetime, lang: Lang = "id") -> str:
    return weekday(DAYS[at.weekday()], lang)


def weekday(day: str, lang: Lang = "id") -> str:
    """'fri' as 'Jumat' or 'Friday'."""
    names: dict[int, str] = _locale(lang).get("translations.days.wide")
    return names[DAYS.index(day)]


def duration_words(span: timedelta, lang: Lang = "id", working: bool = False) -> str:
    """The two largest whole units: '4 hari 10 jam', '3 jam 5 menit', '12 menit' ('4 d 10 h').
    Working time counts no days ('28 jam'): a working day is not 24 hours, and calendars differ."""
    seconds = int(abs(span).total_seconds())
    parts: list[tuple[str, int]] = []
    for unit, size in UNITS[1:] if working else UNITS:
        amount, seconds = divmod(seconds, size)
        if amount or parts:
            parts.append((unit, amount))
    shown = [(unit, amount) for unit, amount in parts[:2] if amount]
    if not shown:
        return _unit("minute", 0, lang) if not span else PHRASES[lang]["under_a_minute"]
    return " ".join(_unit(unit, amount, lang) for unit, amount in shown)


def countdown_words(left: timedelta, lang: Lang = "id") -> str:
    """'3 jam lagi' before the deadline, 'terlambat 2 hari' after it ('3 h left', '2 d late')."""
    phrase = PHRASES[lang]["late" if left < timedelta(0) else "left"]
    return phrase.format(duration_words(left, lang))


def duration_vocabulary(lang: Lang = "id") -> dict[str, Any]:
    """The words duration_words uses, for the page's script that keeps countdowns live."""
    return {"units": {unit: _unit_template(unit, lang) for unit, _size in UNITS}, **PHRASES[lang]}


def figure(value: float | int | None, lang: Lang = "id", decimals: int = 0) -> str:
    """30000 as '30.000' in Bahasa and '30,000' in English; 3.456 with one decimal: '3,5'."""
    if value is None:
        return "-"
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return str(format_decimal(value, format=pattern, locale=lang))


def amount(value: float, lang: Lang = "id") -> str:
    """A quantity as typed: 8.0 as '8', 1.5 as '1,5' in Bahasa and '1.5' in English."""
    return str(format_decimal(value, format="#,##0.##", locale=lang))


def percent(rate: float | None, lang: Lang = "id", decimals: int = 0) -> str:
    """0.873 as '87%'; with one decimal '87,3%' in Bahasa."""
    return "-" if rate is None else figure(rate * 100, lang, decimals) + "%"


DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
CALENDAR_WORDS: dict[str, dict[str, str]] = {
    "id": {"always": "24 jam, 7 hari", "public": "libur nasional", "government": "cuti bersama",
           "holidays": "tutup pada {0} ({1})", "and": " dan ", "extra_holidays": "libur tambahan {0}",
           "extra_working_days": "hari kerja pengganti {0}", "closed": "tidak ada jam kerja", "ID": "Indonesia"},
    "en": {"always": "24 hours, 7 days", "public": "public holidays", "government": "cuti bersama (joint leave)",
           "holidays": "closed on {0} ({1})", "and": " and ", "extra_holidays": "extra holidays {0}",
           "extra_working_days": "make-up working days {0}", "closed": "no working hours", "ID": "Indonesia"},
}


def calendar_words(spec: dict[str, Any], lang: Lang = "id") -> str:
    """A working calendar in a sentence: 'Senin-Kamis 07:30-12:00, 13:00-16:00; Jumat ...; tutup
    pada libur nasional dan cuti bersama (Indonesia)'."""
    words = CALENDAR_WORDS[lang]
    hours = spec.get("hours")
    parts = [words["always"] if hours == "always" else weekly_hours(hours or {}, lang) or words["closed"]]
    holidays = spec.get("holidays") or {}
    if holidays.get("country"):
        chosen = sorted(holidays.get("categories") or ["public"], key=lambda k: (k != "public", k))
        kinds = words["and"].join(words.get(k, k) for k in chosen)
        parts.append(words["holidays"].format(kinds, words.get(holidays["country"], holidays["country"])))
    if spec.get("extra_holidays"):
        parts.append(words["extra_holidays"].format(", ".join(_date(d) for d in spec["extra_holidays"])))
    if spec.get("extra_working_days"):
        days = ", ".join(f"{_date(d)} {', '.join(w)}" for d, w in sorted(spec["extra_working_days"].items()))
        parts.append(words["extra_working_days"].format(days))
    return "; ".join(parts)


def weekly_hours(hours: dict[str, list[str]], lang: Lang = "id") -> str:
    """Days with the same windows run together: 'Senin-Kamis 08:00-16:00; Jumat 08:00-11:30'."""
    names: dict[int, str] = _locale(lang).get("translations.days.wide")
    runs: list[tuple[int, int, list[str]]] = []
    for index, day in enumerate(DAYS):
        windows = hours.get(day) or []
        if windows and runs and runs[-1][1] == index - 1 and runs[-1][2] == windows:
            runs[-1] = (runs[-1][0], index, windows)
        elif windows:
            runs.append((index, index, windows))
    return "; ".join(
        f"{names[first]}{'-' + names[last] if last > first else ''} {', '.join(windows)}"
        for first, last, windows in runs
    )


def calendar_field(field: str, value: Any, lang: Lang = "id") -> str:
    """One field of a calendar's spec as its change history shows it: words, never JSON."""
    if value in (None, [], {}):
        return "-"
    if field == "hours":
        return CALENDAR_WORDS[lang]["always"] if value == "always" else weekly_hours(value, lang)
    if field in ("holidays", "extra_holidays", "extra_working_days"):
        return calendar_words({"hours": "always", field: value}, lang).partition("; ")[2]
    return str(value)


def month_text(month: str, lang: Lang = "id") -> str:
    """'2026-09' as 'September 2026'; anything else as it is."""
    year, _sep, number = month.partition("-")
    names: dict[int, str] = _locale(lang).get("translations.months.wide")
    return f"{names[int(number)]} {year}" if number.isdigit() and 1 <= int(number) <= 12 else month


def day_text(iso_day: str, lang: Lang = "id", with_day: bool = False) -> str:
    """A date as people write it: '24-12-2026', or 'Kamis, 24-12-2026'."""
    text = _date(iso_day)
    return f"{day_name(datetime.fromisoformat(iso_day), lang)}, {text}" if with_day else text


def _date(iso_day: str) -> str:
    year, month, day = iso_day.split("-")
    return f"{day}-{month}-{year}"


def _unit(unit: str, amount: int, lang: Lang) -> str:
    return _unit_template(unit, lang).format(amount)


def _unit_template(unit: str, lang: Lang) -> str:
    if lang == "en":
        return ENGLISH_UNITS[unit]
    template: str = _locale(lang).get("translations.units")[unit]["other"]
    return template


@cache
def _locale(lang: Lang) -> Locale:
    return Locale.load(lang)
