"""EXIF: where and when a photo was taken, from real phone files and from files we write."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from cv.exif import NAIVE_TIME_NOTE, read_exif
from cv.geo import GeoPoint
from cv.images import load_image

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"
KUPANG = {1: "S", 2: (10.0, 9.0, 36.0), 3: "E", 4: (123.0, 36.0, 0.0)}


def with_exif(gps: dict[int, Any] | None = None, taken: str | None = None, offset: str | None = None) -> bytes:
    exif = Image.Exif()
    if gps is not None:
        exif.get_ifd(0x8825).update(gps)
    sub = exif.get_ifd(0x8769)
    if taken is not None:
        sub[0x9003] = taken
    if offset is not None:
        sub[0x9011] = offset
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (100, 120, 140)).save(out, "JPEG", exif=exif)
    return out.getvalue()


def test_it_reads_the_signed_gps_of_a_real_phone_photo() -> None:
    # A Motorola XT1635-02 photo from OpenCV's samples: 23°31'21.37"S 47°30'16.19"W.
    info = load_image((PHOTOS / "opencv_ela_original.jpg").read_bytes()).exif
    assert info.gps is not None
    assert info.gps.lat == pytest.approx(-(23 + 31 / 60 + 21.3706 / 3600), abs=1e-9)
    assert info.gps.lon == pytest.approx(-(47 + 30 / 60 + 16.1946 / 3600), abs=1e-9)


def test_a_capture_time_without_offset_is_returned_naive_with_a_note() -> None:
    info = load_image((PHOTOS / "opencv_ela_original.jpg").read_bytes()).exif
    assert info.captured_at == datetime(2018, 6, 6, 22, 20, 11)
    assert info.captured_at_is_naive
    assert NAIVE_TIME_NOTE in info.notes


def test_a_capture_time_with_its_offset_is_aware() -> None:
    info = load_image(with_exif(taken="2026:10:01 08:30:00", offset="+08:00")).exif
    assert info.captured_at == datetime(2026, 10, 1, 0, 30, tzinfo=UTC)
    assert info.captured_at is not None and info.captured_at.utcoffset() == timedelta(hours=8)
    assert info.notes == ()


def test_it_reads_kupang_in_the_southern_and_eastern_hemispheres() -> None:
    assert load_image(with_exif(KUPANG)).exif.gps == GeoPoint(-10.16, 123.6)


@pytest.mark.parametrize(
    ("gps", "note"),
    [
        ({1: "N", 2: (0.0, 0.0, 0.0), 3: "E", 4: (0.0, 0.0, 0.0)}, "exactly (0, 0)"),
        ({2: (10.0, 9.0, 36.0), 4: (123.0, 36.0, 0.0)}, "hemisphere references are missing"),
        ({1: "S", 2: (95.0, 0.0, 0.0), 3: "E", 4: (123.0, 0.0, 0.0)}, "out of range"),
        ({1: "S", 2: (10.0, 9.0, 36.0), 3: "X", 4: (123.0, 36.0, 0.0)}, "malformed"),
    ],
    ids=["null-island", "no-references", "latitude-95", "bad-reference"],
)
def test_unusable_gps_is_ignored_with_a_note_saying_why(gps: dict[int, Any], note: str) -> None:
    info = load_image(with_exif(gps)).exif
    assert info.gps is None
    assert any(note in n for n in info.notes)


def test_a_photo_without_exif_has_no_facts_and_no_notes() -> None:
    info = load_image((PHOTOS / "chelsea.jpg").read_bytes()).exif
    assert (info.gps, info.captured_at, info.orientation, info.notes) == (None, None, 1, ())


@pytest.mark.parametrize("raw", ["0000:00:00 00:00:00", "kemarin sore", "2026-10-01 08:30:00"])
def test_an_unparseable_capture_time_is_ignored_with_a_note(raw: str) -> None:
    info = load_image(with_exif(taken=raw)).exif
    assert info.captured_at is None
    assert any(raw in n for n in info.notes)


def test_exif_facts_serialise_to_json_types() -> None:
    import json

    info = load_image(with_exif(KUPANG, taken="2026:10:01 08:30:00")).exif
    assert json.loads(json.dumps(info.to_dict())) == {
        "gps": {"lat": -10.16, "lon": 123.6},
        "captured_at": "2026-10-01T08:30:00",
        "captured_at_is_naive": True,
        "orientation": 1,
        "notes": [NAIVE_TIME_NOTE],
    }


def test_read_exif_reads_orientation_from_a_pillow_exif() -> None:
    exif = Image.Exif()
    exif[0x0112] = 8
    assert read_exif(exif).orientation == 8
