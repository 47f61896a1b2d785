"""Checking uploads and making public copies: no database, no server."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image

from states.errors import InvalidInput
from tanggap.infrastructure.storage import FakePhotoStorage, LocalPhotoStorage, prepare_photo
from tests.fixtures.intake import photos

LIMIT, PIXELS = 10 * 1024 * 1024, 50_000_000
GPS_IFD = 0x8825


def exif_of(data: bytes) -> dict[int, object]:
    return dict(Image.open(io.BytesIO(data)).getexif())


def test_the_public_copy_of_a_jpeg_has_no_exif_and_no_gps_but_the_same_picture() -> None:
    original = photos.jpeg(640, 480) + b"SAMSUNG-TRAILER-with-maker-notes"
    prepared = prepare_photo(original, LIMIT, PIXELS)

    assert GPS_IFD in exif_of(original)
    assert exif_of(prepared.public) == {}
    assert b"Kupang Phone" not in prepared.public and b"TRAILER" not in prepared.public
    assert prepared.original == original
    public, source = Image.open(io.BytesIO(prepared.public)), Image.open(io.BytesIO(original))
    assert public.size == (640, 480) and public.tobytes() == source.tobytes()  # metadata dropped, not re-encoded
    assert (prepared.key[-4:], prepared.content_type, prepared.width, prepared.height) == (
        ".jpg", "image/jpeg", 640, 480)


def test_a_photo_the_camera_stored_on_its_side_is_turned_upright_without_metadata() -> None:
    prepared = prepare_photo(photos.jpeg(640, 480, orientation=6), LIMIT, PIXELS)
    public = Image.open(io.BytesIO(prepared.public))
    assert public.size == (480, 640)
    assert dict(public.getexif()) == {}


def test_the_public_copy_of_a_png_has_no_exif() -> None:
    prepared = prepare_photo(photos.png(), LIMIT, PIXELS)
    assert GPS_IFD in exif_of(photos.png())
    assert exif_of(prepared.public) == {} and prepared.key.endswith(".png")


REFUSED = [
    ("text posing as a photo", photos.text_posing_as_photo(), "the file is not an image"),
    ("truncated JPEG", photos.truncated_jpeg(), "the JPEG is truncated"),
    ("JPEG bomb (40000x40000)", photos.jpeg_bomb(), "a decompression bomb"),
    ("over the pixel limit (9000x9000)", photos.jpeg_bomb(9000, 9000), "declares 9000x9000 pixels"),
    ("empty file", b"", "the photo is empty"),
    ("GIF", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", "not an image"),
]


@pytest.mark.parametrize(("case", "data", "problem"), REFUSED, ids=[r[0] for r in REFUSED])
def test_a_bad_upload_is_refused_naming_the_problem(case: str, data: bytes, problem: str) -> None:
    with pytest.raises(InvalidInput) as refused:
        prepare_photo(data, LIMIT, PIXELS)
    assert refused.value.field == "media" and problem in refused.value.problem


def test_a_photo_over_the_byte_limit_is_refused_before_it_is_decoded() -> None:
    with pytest.raises(InvalidInput, match="the photo is 11,003 bytes; the limit is 10,000"):
        prepare_photo(photos.jpeg(), 10_000, PIXELS)


@pytest.mark.parametrize("make", [lambda root: LocalPhotoStorage(root), lambda root: FakePhotoStorage()])
def test_storage_keeps_the_original_private_and_serves_the_public_copy(make: object, tmp_path: Path) -> None:
    storage = make(tmp_path)  # type: ignore[operator]
    prepared = prepare_photo(photos.jpeg(), LIMIT, PIXELS)
    stored = storage.put(prepared)
    storage.put(prepared)  # storing the same photo again changes nothing

    assert storage.original(stored.original_key) == prepared.original
    assert storage.public(stored.public_key) == prepared.public
    assert storage.public("0" * 64 + ".jpg") is None
    with pytest.raises(InvalidInput):
        storage.public("../../etc/passwd")


def test_local_storage_writes_under_the_photo_folder_only(tmp_path: Path) -> None:
    stored = LocalPhotoStorage(tmp_path).put(prepare_photo(photos.jpeg(), LIMIT, PIXELS))
    files = sorted(p.relative_to(tmp_path).parts[0] for p in tmp_path.rglob("*") if p.is_file())
    assert files == ["original", "public"]
    assert stored.public_key == stored.original_key
