"""Photo checks against the report: taken elsewhere, or long ago."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from cv.exif import ExifInfo
from cv.geo import GeoPoint
from cv.location import PhotoCheckParams, PhotoFlag, check_photo

WITA = ZoneInfo("Asia/Makassar")
KUPANG = GeoPoint(-10.1772, 123.6070)
M_PER_DEG_LAT = 2 * math.pi * 6_371_008.8 / 360
SUBMITTED = datetime(2026, 10, 6, 1, 0, tzinfo=UTC)  # 09:00 WITA


def north_of(point: GeoPoint, metres: float) -> GeoPoint:
    return GeoPoint(point.lat + metres / M_PER_DEG_LAT, point.lon)


@pytest.mark.parametrize(("metres", "flagged"), [(0, False), (999.99, False), (1000.01, True), (25_000, True)])
def test_it_flags_a_photo_taken_more_than_a_kilometre_away(metres: float, flagged: bool) -> None:
    check = check_photo(ExifInfo(gps=north_of(KUPANG, metres)), KUPANG, SUBMITTED, WITA)
    assert (PhotoFlag.LOCATION_MISMATCH in check.flags) is flagged
    assert check.distance_m == pytest.approx(metres, abs=0.01)


def test_the_distance_threshold_is_configurable() -> None:
    params = PhotoCheckParams(max_distance_m=200)
    check = check_photo(ExifInfo(gps=north_of(KUPANG, 300)), KUPANG, SUBMITTED, WITA, params)
    assert check.flags == {PhotoFlag.LOCATION_MISMATCH}


@pytest.mark.parametrize(
    ("taken", "flagged"),
    [
        (SUBMITTED - timedelta(days=30), False),  # exactly 30 days: not yet old
        (SUBMITTED - timedelta(days=30, minutes=1), True),
        (SUBMITTED - timedelta(hours=2), False),
    ],
    ids=["exactly-30-days", "30-days-and-a-minute", "this-morning"],
)
def test_it_flags_a_photo_taken_more_than_30_days_before_submission(taken: datetime, flagged: bool) -> None:
    check = check_photo(ExifInfo(captured_at=taken), KUPANG, SUBMITTED, WITA)
    assert (PhotoFlag.OLD_PHOTO in check.flags) is flagged


def test_a_naive_capture_time_is_read_in_the_city_zone() -> None:
    # 09:00 on 6 Sep 2026 on the camera's clock in Kupang is 01:00 UTC: exactly 30 days before.
    on_the_boundary = ExifInfo(captured_at=datetime(2026, 9, 6, 9, 0))
    a_minute_earlier = ExifInfo(captured_at=datetime(2026, 9, 6, 8, 59))
    assert check_photo(on_the_boundary, KUPANG, SUBMITTED, WITA).age == timedelta(days=30)
    assert PhotoFlag.OLD_PHOTO in check_photo(a_minute_earlier, KUPANG, SUBMITTED, WITA).flags


def test_an_aware_capture_time_keeps_its_own_offset() -> None:
    taken = datetime(2026, 10, 6, 8, 0, tzinfo=timezone(timedelta(hours=7)))  # 01:00 UTC
    assert check_photo(ExifInfo(captured_at=taken), KUPANG, SUBMITTED, WITA).age == timedelta(0)


def test_a_reported_location_of_zero_zero_is_ignored() -> None:
    check = check_photo(ExifInfo(gps=KUPANG), GeoPoint(0, 0), SUBMITTED, WITA)
    assert (check.flags, check.distance_m) == (frozenset(), None)


def test_without_exif_there_is_nothing_to_flag() -> None:
    check = check_photo(ExifInfo(), KUPANG, SUBMITTED, WITA)
    assert check.to_dict() == {"flags": [], "distance_m": None, "age_days": None, "notes": []}


def test_a_capture_time_after_submission_gets_a_note_not_a_flag() -> None:
    check = check_photo(ExifInfo(captured_at=SUBMITTED + timedelta(days=2)), KUPANG, SUBMITTED, WITA)
    assert check.flags == frozenset()
    assert "clock" in check.notes[0]


def test_it_refuses_a_naive_submission_time() -> None:
    with pytest.raises(ValueError, match="must be timezone-aware"):
        check_photo(ExifInfo(), KUPANG, datetime(2026, 10, 6, 9, 0), WITA)
