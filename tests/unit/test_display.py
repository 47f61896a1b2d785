"""How times, durations, figures and calendars read, in Bahasa Indonesia and in English."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from tanggap.display import (
    calendar_field,
    calendar_words,
    countdown_words,
    day_text,
    duration_vocabulary,
    duration_words,
    figure,
    month_text,
    percent,
    wall_time,
)
from tanggap.staff.queries.ticket import useful_hints

H, M = timedelta(hours=1), timedelta(minutes=1)


@pytest.mark.parametrize(("span", "bahasa", "english"), [
    (4 * 24 * H + 10 * H + 42 * M, "4 hari 10 jam", "4 d 10 h"),  # never "4h 10j 42m": that reads as hours
    (3 * H, "3 jam", "3 h"),
    (3 * H + 5 * M, "3 jam 5 menit", "3 h 5 min"),
    (2 * 24 * H + 30 * M, "2 hari", "2 d"),  # the two largest units, a zero one dropped
    (12 * M, "12 menit", "12 min"),
    (timedelta(seconds=20), "kurang dari 1 menit", "under 1 min"),
    (timedelta(0), "0 menit", "0 min"),
])
def test_a_duration_reads_as_its_two_largest_units(span: timedelta, bahasa: str, english: str) -> None:
    assert (duration_words(span), duration_words(span, "en")) == (bahasa, english)


def test_working_time_counts_hours_not_days() -> None:
    assert duration_words(28 * H, working=True) == "28 jam"
    assert duration_words(109 * H + 30 * M, "en", working=True) == "109 h 30 min"


def test_a_countdown_says_what_is_left_or_how_late() -> None:
    assert countdown_words(3 * H) == "3 jam lagi" and countdown_words(3 * H, "en") == "3 h left"
    assert countdown_words(-2 * 24 * H) == "terlambat 2 hari" and countdown_words(-2 * 24 * H, "en") == "2 d late"


def test_the_page_script_gets_the_same_words() -> None:
    assert duration_vocabulary() == {"units": {"day": "{0} hari", "hour": "{0} jam", "minute": "{0} menit"},
                                     "left": "{0} lagi", "late": "terlambat {0}",
                                     "under_a_minute": "kurang dari 1 menit"}


def test_times_are_wita_wall_times_with_the_day_named_when_asked() -> None:
    friday_afternoon = datetime(2026, 10, 9, 8, 30, tzinfo=UTC)
    assert wall_time(friday_afternoon) == "09-10-2026 16:30 WITA"
    assert wall_time(friday_afternoon, "id", with_day=True) == "Jumat, 09-10-2026 16:30 WITA"
    assert wall_time("2026-11-30T05:45:38+08:00", "en", with_day=True) == "Monday, 30-11-2026 05:45 WITA"
    assert wall_time(None) == "-"


def test_figures_use_each_languages_separators() -> None:
    assert (figure(30000), figure(30000, "en")) == ("30.000", "30,000")
    assert (percent(0.873), percent(0.873, "id", 1), percent(None)) == ("87%", "87,3%", "-")
    assert (month_text("2026-09"), month_text("2026-09", "en")) == ("September 2026", "September 2026")
    assert (month_text("2026-08"), day_text("2026-12-24", with_day=True)) == ("Agustus 2026", "Kamis, 24-12-2026")


def test_a_calendar_reads_as_a_sentence() -> None:
    office = {"hours": {d: ["07:30-12:00", "13:00-16:00"] for d in ("mon", "tue", "wed", "thu")}
              | {"fri": ["07:30-11:30", "13:30-16:30"]},
              "holidays": {"country": "ID", "categories": ["government", "public"]},
              "extra_holidays": ["2026-12-24"], "extra_working_days": {"2026-12-19": ["08:00-12:00"]}}
    assert calendar_words(office) == (
        "Senin-Kamis 07:30-12:00, 13:00-16:00; Jumat 07:30-11:30, 13:30-16:30; "
        "tutup pada libur nasional dan cuti bersama (Indonesia); libur tambahan 24-12-2026; "
        "hari kerja pengganti 19-12-2026 08:00-12:00")
    assert calendar_words({"hours": "always"}, "en") == "24 hours, 7 days"
    assert calendar_field("hours", {"mon": ["07:00-15:00"]}) == "Senin 07:00-15:00"
    assert calendar_field("extra_holidays", []) == "-"
    assert calendar_field("holidays", {"country": "ID", "categories": ["public"]}, "en") == (
        "closed on public holidays (Indonesia)")


def test_only_likely_photo_hints_about_city_things_are_shown_once_each_by_their_bahasa_name() -> None:
    hints = [{"label": "sunglasses", "probability": 0.0}, {"label": "sunglasses", "probability": 0.0},
             {"label": "manhole cover", "probability": 0.61}, {"label": "tabby cat", "probability": 0.9},
             {"label": "trash can", "probability": 0.1}, {"label": "manhole cover", "probability": 0.2},
             {"label": "traffic or street sign", "probability": 0.15}]
    assert useful_hints(hints) == [
        {"label": "manhole cover", "name": "tutup saluran (manhole)", "probability": 0.61},
        {"label": "traffic or street sign", "name": "rambu lalu lintas", "probability": 0.15}]
