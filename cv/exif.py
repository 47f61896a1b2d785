"""What a photo's EXIF says about where and when it was taken.

Only three facts are kept: GPS position, capture time and orientation. Anything odd is not an
error (citizens' phones write odd EXIF all the time); it becomes ``None`` plus a note saying why.

* GPS: signed decimal degrees. Missing hemisphere references, non-finite or out-of-range values
  are ignored; exactly (0, 0) is ignored too (what broken GPS code writes).
* Capture time: ``DateTimeOriginal``. With ``OffsetTimeOriginal`` it is an aware datetime;
  without one it is returned naive, with a note: it is the camera's wall-clock time, and the
  caller should assume the city's zone (WITA for Kupang).
* Orientation: the EXIF value 1-8 as stored (1 when absent). The pixels are already upright when
  the rest of the pipeline sees them; this is kept for the record.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta, timezone
from typing import Any

from PIL import Image

from cv.geo import GeoPoint

EXIF_IFD = 0x8769
GPS_IFD = 0x8825
ORIENTATION = 0x0112
DATETIME_ORIGINAL = 0x9003
OFFSET_TIME_ORIGINAL = 0x9011
GPS_LAT_REF, GPS_LAT, GPS_LON_REF, GPS_LON = 1, 2, 3, 4
EXIF_TIME_FORMAT = "%Y:%m:%d %H:%M:%S"
_OFFSET = re.compile(r"^([+-])(\d{2}):(\d{2})$")
NAIVE_TIME_NOTE = "capture time has no UTC offset: it is the camera's local time (assume the city's zone)"


@dataclass(frozen=True)
class ExifInfo:
    gps: GeoPoint | None = None
    captured_at: datetime | None = None
    orientation: int = 1
    notes: tuple[str, ...] = field(default=())

    @property
    def captured_at_is_naive(self) -> bool:
        return self.captured_at is not None and self.captured_at.tzinfo is None

    def to_dict(self) -> dict[str, Any]:
        return {
            "gps": None if self.gps is None else {"lat": self.gps.lat, "lon": self.gps.lon},
            "captured_at": None if self.captured_at is None else self.captured_at.isoformat(),
            "captured_at_is_naive": self.captured_at_is_naive,
            "orientation": self.orientation,
            "notes": list(self.notes),
        }


def read_exif(exif: Image.Exif) -> ExifInfo:
    gps, gps_notes = _gps(exif.get_ifd(GPS_IFD))
    captured_at, time_notes = _captured_at(exif)
    return ExifInfo(gps, captured_at, _orientation(exif), gps_notes + time_notes)


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(ORIENTATION, 1)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _gps(ifd: dict[int, Any]) -> tuple[GeoPoint | None, tuple[str, ...]]:
    if GPS_LAT not in ifd or GPS_LON not in ifd:
        return None, ()
    lat = _signed_degrees(ifd.get(GPS_LAT), ifd.get(GPS_LAT_REF), "NS")
    lon = _signed_degrees(ifd.get(GPS_LON), ifd.get(GPS_LON_REF), "EW")
    if lat is None or lon is None:
        return None, ("GPS ignored: coordinates or hemisphere references are missing or malformed",)
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        return None, (f"GPS ignored: ({lat}, {lon}) is out of range",)
    point = GeoPoint(lat, lon)
    if point.is_null_island:
        return None, ("GPS ignored: exactly (0, 0), a placeholder rather than a position",)
    return point, ()


def _signed_degrees(value: Any, ref: Any, hemispheres: str) -> float | None:
    degrees = _dms_to_degrees(value)
    hemisphere = _text(ref).upper()[:1]
    if degrees is None or not hemisphere or hemisphere not in hemispheres:
        return None
    return -degrees if hemisphere == hemispheres[1] else degrees


def _dms_to_degrees(value: Any) -> float | None:
    parts = value if isinstance(value, tuple | list) else (value,)
    try:
        numbers = [float(p) for p in parts[:3]]
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    if not numbers or not all(math.isfinite(n) and n >= 0 for n in numbers):
        return None
    return float(sum(n / 60**i for i, n in enumerate(numbers)))


def _text(value: Any) -> str:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    return str(value or "").strip("\x00 ")


def _captured_at(exif: Image.Exif) -> tuple[datetime | None, tuple[str, ...]]:
    sub = exif.get_ifd(EXIF_IFD)
    raw = _text(sub.get(DATETIME_ORIGINAL) or exif.get(DATETIME_ORIGINAL))
    if not raw:
        return None, ()
    try:
        local = datetime.strptime(raw, EXIF_TIME_FORMAT)
    except ValueError:
        return None, (f"capture time ignored: {raw!r} is not an EXIF date",)
    offset = _offset(_text(sub.get(OFFSET_TIME_ORIGINAL)))
    if offset is None:
        return local, (NAIVE_TIME_NOTE,)
    return local.replace(tzinfo=offset), ()


def _offset(raw: str) -> timezone | None:
    match = _OFFSET.match(raw)
    if not match:
        return None
    sign = -1 if match.group(1) == "-" else 1
    minutes = int(match.group(2)) * 60 + int(match.group(3))
    return timezone(sign * timedelta(minutes=minutes)) if minutes < 24 * 60 else None
