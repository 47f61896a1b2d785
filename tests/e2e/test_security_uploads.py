"""Uploads: a pixel cap read from the header, a downscaled public copy, only the JPEG, PNG and
WebP decoders, submissions limited per address, and no file left behind by a failed submission."""

from __future__ import annotations

import io
import struct
import uuid
import zlib
from pathlib import Path

import pytest
from flask import Flask
from PIL import GifImagePlugin, Image

from states.errors import InvalidInput
from tanggap.bootstrap import Tanggap
from tanggap.config import IntakeSettings
from tanggap.infrastructure.storage import PUBLIC_MAX_SIDE, LocalPhotoStorage, prepare_photo
from tanggap.intake import IssueApiKey
from tests.fixtures.intake import photos
from web.app import create_app

LIMITS = IntakeSettings()
FORM = {"service_code": "sampah-menumpuk", "address_string": "Jl. Soeharto, Naikoten", "description": "Sampah"}


def _chunk(kind: bytes, body: bytes) -> bytes:
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims this size, followed by a few bytes of pixel data: any decoding
    would fail on them as truncated, so only a check made from the header names the size."""
    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", header) + _chunk(b"IDAT", zlib.compress(b"\x00" * 16))
            + _chunk(b"IEND", b""))


def test_more_than_24_megapixels_is_refused_from_the_header_before_any_decoding() -> None:
    with pytest.raises(InvalidInput) as refused:
        prepare_photo(_png_header_only(6000, 4500), LIMITS.max_photo_bytes, LIMITS.max_photo_pixels)
    assert refused.value.field == "media"
    assert "6000x4500 pixels; the limit is 24,000,000 pixels" in refused.value.problem  # not "corrupt": unread
    assert LIMITS.max_photo_pixels == 24_000_000


def test_a_large_photo_gets_a_downscaled_public_copy_and_keeps_its_original() -> None:
    data = photos.jpeg(4000, 3000, gps=True)
    prepared = prepare_photo(data, LIMITS.max_photo_bytes, LIMITS.max_photo_pixels)
    public = Image.open(io.BytesIO(prepared.public))
    assert public.size == (PUBLIC_MAX_SIDE, PUBLIC_MAX_SIDE * 3 // 4) and public.format == "JPEG"
    assert not public.getexif()  # no GPS in the public copy
    assert prepared.original == data and (prepared.width, prepared.height) == (4000, 3000)
    small = prepare_photo(photos.jpeg(640, 480), LIMITS.max_photo_bytes, LIMITS.max_photo_pixels)
    assert Image.open(io.BytesIO(small.public)).size == (640, 480)


def test_only_the_jpeg_png_and_webp_decoders_ever_see_an_upload(monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[str] = []
    original = GifImagePlugin.GifImageFile._open

    def spy(self: GifImagePlugin.GifImageFile) -> None:
        opened.append("gif")
        original(self)

    monkeypatch.setattr(GifImagePlugin.GifImageFile, "_open", spy)
    gif = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(gif, "GIF")
    with pytest.raises(InvalidInput, match="send a JPEG, PNG or WebP photo"):
        prepare_photo(gif.getvalue(), LIMITS.max_photo_bytes, LIMITS.max_photo_pixels)
    assert opened == []  # the GIF parser never ran
    webp = io.BytesIO()
    Image.new("RGB", (32, 32), "red").save(webp, "WEBP")
    assert prepare_photo(webp.getvalue(), LIMITS.max_photo_bytes, LIMITS.max_photo_pixels).content_type == "image/webp"


def _limited(app: Tanggap, tmp_path: Path, limit: str) -> Flask:
    return create_app(app, PHOTO_STORAGE=LocalPhotoStorage(tmp_path / "photos"), TANGGAP_SUBMISSION_RATE_LIMIT_IP=limit,
                      WTF_CSRF_ENABLED=False)


def test_new_reports_are_limited_per_address_across_the_api_and_the_form(app: Tanggap, tmp_path: Path) -> None:
    web = _limited(app, tmp_path, "2 per minute")
    key = web.extensions["tanggap.intake"].tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))
    client = web.test_client()
    here, there = {"REMOTE_ADDR": "198.51.100.40"}, {"REMOTE_ADDR": "198.51.100.41"}
    api = [client.post("/open311/v2/requests.json", data={**FORM, "api_key": key, "description": f"Sampah {n}"},
                       environ_base=here).status_code for n in range(2)]
    form = client.post("/lapor", data={"kategori": "sampah-menumpuk", "deskripsi": "Sampah lagi",
                                       "alamat": "Jl. Soeharto"}, environ_base=here)
    assert api == [201, 201] and form.status_code == 429
    assert "Terlalu banyak laporan dari perangkat ini" in form.text
    other = client.post("/open311/v2/requests.json", data={**FORM, "api_key": key}, environ_base=there)
    assert other.status_code == 201
    assert client.get("/open311/v2/services.json", environ_base=here).status_code == 200  # reading is not a report


def test_the_default_submission_limit_is_ten_a_minute_and_a_hundred_a_day() -> None:
    assert LIMITS.submission_rate_limit_ip == "10 per minute;100 per day"


def test_a_submission_that_fails_after_its_photo_was_stored_leaves_no_file(
    app: Tanggap, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tanggap.intake import submission

    web = _limited(app, tmp_path, "1000 per minute")
    key = web.extensions["tanggap.intake"].tanggap.handle(IssueApiKey(f"app-{uuid.uuid4().hex[:8]}"))

    def crash(*_args: object) -> int:
        raise RuntimeError("the database went away mid-submission")

    monkeypatch.setattr(submission.services, "submit_report", crash)
    client = web.test_client()
    failed = client.post("/open311/v2/requests.json", data={**FORM, "api_key": key,
                                                            "media": (io.BytesIO(photos.jpeg(800, 600)), "foto.jpg")})
    assert failed.status_code == 500
    stored = [p for p in (tmp_path / "photos").rglob("*") if p.is_file()]
    assert stored == []
    monkeypatch.undo()
    kept = client.post("/open311/v2/requests.json", data={**FORM, "api_key": key,
                                                          "media": (io.BytesIO(photos.jpeg(800, 600)), "foto.jpg")})
    assert kept.status_code == 201
    assert len([p for p in (tmp_path / "photos").rglob("*") if p.is_file()]) == 2  # a filed report keeps its photo
