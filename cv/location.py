"""Does the photo's EXIF agree with the report? Pure: times and places are passed in.

Flags (advice for the dispatcher, never a reason to refuse a report):

* ``LOCATION_MISMATCH``: the photo's GPS is farther than ``max_distance_m`` (1 km) from the
  location the citizen reported;
* ``OLD_PHOTO``: the photo was taken more than ``max_age`` (30 days) before submission.

A GPS of exactly (0, 0), on either side, is ignored (``cv.exif`` already drops it from EXIF).
A capture time without a UTC offset is the camera's wall clock: it is read in ``city_tz``.
A capture time after the submission (camera clock wrong) gives a note, not a flag.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from enum import StrEnum
from typing import Any

from cv.exif import ExifInfo
from cv.geo import GeoPoint, haversine_m

# A camera clock a little ahead of the server's is normal; beyond this it is worth a note.
CLOCK_SKEW = timedelta(hours=1)


class PhotoFlag(StrEnum):
    LOCATION_MISMATCH = "location_mismatch"
    OLD_PHOTO = "old_photo"


@dataclass(frozen=True)
class PhotoCheckParams:
    max_distance_m: float = 1000.0
    max_age: timedelta = timedelta(days=30)


DEFAULT_PARAMS = PhotoCheckParams()


@dataclass(frozen=True)
class PhotoCheck:
    flags: frozenset[PhotoFlag]
    distance_m: float | None
    age: timedelta | None
    notes: tuple[str, ...] = field(default=())

    def to_dict(self) -> dict[str, Any]:
        return {
            "flags": sorted(flag.value for flag in self.flags),
            "distance_m": None if self.distance_m is None else round(self.distance_m, 1),
            "age_days": None if self.age is None else round(self.age / timedelta(days=1), 2),
            "notes": list(self.notes),
        }


def photo_distance_m(exif: ExifInfo, reported: GeoPoint | None) -> float | None:
    if exif.gps is None or reported is None or reported.is_null_island:
        return None
    return haversine_m(exif.gps, reported)


def photo_age(exif: ExifInfo, submitted_at: datetime, city_tz: tzinfo) -> timedelta | None:
    if submitted_at.tzinfo is None:
        raise ValueError(f"submitted_at must be timezone-aware, got {submitted_at.isoformat()}")
    if exif.captured_at is None:
        return None
    captured = exif.captured_at if exif.captured_at.tzinfo else exif.captured_at.replace(tzinfo=city_tz)
    return submitted_at - captured


def check_photo(
    exif: ExifInfo,
    reported: GeoPoint | None,
    submitted_at: datetime,
    city_tz: tzinfo,
    params: PhotoCheckParams = DEFAULT_PARAMS,
) -> PhotoCheck:
    distance, age = photo_distance_m(exif, reported), photo_age(exif, submitted_at, city_tz)
    flags = set()
    if distance is not None and distance > params.max_distance_m:
        flags.add(PhotoFlag.LOCATION_MISMATCH)
    if age is not None and age > params.max_age:
        flags.add(PhotoFlag.OLD_PHOTO)
    notes = ("capture time is after the submission: the camera's clock is probably wrong",)
    return PhotoCheck(frozenset(flags), distance, age, notes if age is not None and age < -CLOCK_SKEW else ())
