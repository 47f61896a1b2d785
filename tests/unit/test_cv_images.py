"""Decoding uploads: every bad file fails with an error naming its problem; good ones come out upright."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cv import errors
from cv.analysis import analyse
from cv.errors import DecompressionBomb, FileTooLarge, ImageError, NotAnImage, TruncatedImage
from cv.export_model import preprocess
from cv.images import (
    MODEL_SIZE,
    PAD_VALUE,
    ImageLimits,
    analysis_view,
    load_image,
    model_input,
)

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"


def photo(name: str) -> bytes:
    return (PHOTOS / name).read_bytes()


def encoded(image: Image.Image, fmt: str = "JPEG", **params: object) -> bytes:
    out = io.BytesIO()
    image.save(out, fmt, **params)
    return out.getvalue()


def png_header_claiming(width: int, height: int) -> bytes:
    """A PNG whose IHDR declares width x height, with a few bytes of real (tiny) image data."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 64)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def jpeg_claiming(width: int, height: int) -> bytes:
    """A real small JPEG whose SOF header is rewritten to declare width x height."""
    data = bytearray(encoded(Image.new("RGB", (16, 16), (90, 90, 90)), quality=50))
    sof = data.index(b"\xff\xc0")
    struct.pack_into(">HH", data, sof + 5, height, width)
    return bytes(data)


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"Laporan: jalan berlubang di Jl. El Tari\n" * 20, NotAnImage, "not a supported image"),
        (b"", NotAnImage, "not a supported image"),
        (photo("chelsea.jpg")[:6000], TruncatedImage, "truncated"),
        (png_header_claiming(20_000, 20_000), DecompressionBomb, "decompression bomb"),
        (jpeg_claiming(20_000, 20_000), DecompressionBomb, "400000000 pixels"),
        (jpeg_claiming(9_000, 8_000), DecompressionBomb, "72000000 pixels, over the limit of 64000000"),
    ],
    ids=["text-posing-as-jpeg", "empty", "truncated-jpeg", "png-huge-ihdr", "jpeg-20000x20000", "jpeg-72mp"],
)
def test_it_refuses_a_bad_upload_with_an_error_naming_the_problem(data: bytes, error: type, words: str) -> None:
    with pytest.raises(error, match=words) as caught:
        load_image(data, source="laporan-17.jpg")
    assert isinstance(caught.value, ValueError)
    assert "laporan-17.jpg" in str(caught.value)


def test_it_refuses_what_pillow_only_warns_about_as_a_bomb() -> None:
    # 100 MP sits between Pillow's warning (89.5 MP) and its error (179 MP): Pillow warns, we refuse.
    with pytest.warns(Image.DecompressionBombWarning), pytest.raises(DecompressionBomb, match="100000000 pixels"):
        load_image(jpeg_claiming(10_000, 10_000))


def test_a_pixel_limit_is_per_call_and_leaves_pillow_global_untouched() -> None:
    before = Image.MAX_IMAGE_PIXELS
    with pytest.raises(DecompressionBomb, match="limit of 100000"):
        load_image(photo("chelsea.jpg"), ImageLimits(max_pixels=100_000))
    assert before == Image.MAX_IMAGE_PIXELS
    assert load_image(photo("chelsea.jpg")).original_size == (451, 300)


def test_it_refuses_a_file_over_the_byte_limit_before_decoding() -> None:
    with pytest.raises(FileTooLarge, match=r"34306 bytes; the limit is 30000"):
        load_image(photo("chelsea.jpg"), ImageLimits(max_bytes=30_000), source="chelsea.jpg")


def test_it_refuses_formats_outside_jpeg_png_webp() -> None:
    gif = encoded(Image.new("P", (20, 20)), "GIF")
    with pytest.raises(NotAnImage, match="expected one of JPEG, PNG, WEBP"):
        load_image(gif)


@pytest.mark.parametrize(
    "error",
    [
        errors.FileTooLarge("x.jpg", 30_000_000, 20_971_520),
        errors.NotAnImage("x.jpg", "expected one of JPEG, PNG, WEBP"),
        errors.TruncatedImage("x.jpg", "image file is truncated"),
        errors.DecompressionBomb("x.jpg", 400_000_000, 64_000_000),
        errors.DecompressionBomb("x.jpg", None, 178_956_970),
        errors.DecoderFailure("x.jpg", "IndexError: tile"),
        errors.UnreadableFile("x.jpg", "Permission denied"),
        errors.ModelMissing("m.onnx"),
        errors.ModelIntegrityError("m.onnx", "ab" * 32, "cd" * 32),
        errors.ModelIntegrityError("m.onnx", None, "cd" * 32),
        errors.ModelCorrupt("m.onnx", "onnxruntime cannot load it"),
        errors.HeadFormatError("version 2 is not supported"),
        errors.HeadTrainingError("need two categories"),
        errors.HeadModelMismatch("ab" * 32, "cd" * 32),
        errors.KeywordRuleError("lampu/mati", "letters and digits only"),
    ],
    ids=lambda e: type(e).__name__,
)
def test_every_error_is_a_value_error_that_survives_pickling_with_its_message(error: errors.CvError) -> None:
    import pickle

    copy = pickle.loads(pickle.dumps(error))
    assert isinstance(copy, ValueError) and type(copy) is type(error)
    assert str(copy) == str(error) and copy.kind == error.kind != "cv_error"


def test_a_jpeg_is_decoded_in_draft_mode_to_no_less_than_the_draft_size() -> None:
    big = Image.open(io.BytesIO(photo("coffee.jpg"))).convert("RGB").resize((2400, 1600))
    loaded = load_image(encoded(big, quality=85))
    assert loaded.original_size == (2400, 1600)
    # libjpeg scales by 1/1, 1/2, 1/4 or 1/8; 1/4 would make the short side 400 < 512, so 1/2.
    assert loaded.image.size == (1200, 800)


def test_a_png_is_decoded_at_full_size() -> None:
    png = encoded(Image.open(io.BytesIO(photo("coffee.jpg"))).convert("RGB"), "PNG")
    assert load_image(png).image.size == (600, 400)


def rotated_upload(name: str, orientation: int = 6) -> bytes:
    """The photo stored sideways, with the EXIF orientation that tells a viewer to turn it back."""
    upright = Image.open(io.BytesIO(photo(name))).convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # 90 degrees anticlockwise
    exif = Image.Exif()
    exif[0x0112] = orientation
    return encoded(stored, quality=92, exif=exif)


def test_it_turns_a_photo_upright_from_its_exif_orientation_before_anything_else() -> None:
    upright = load_image(photo("chelsea.jpg"))
    turned = load_image(rotated_upload("chelsea.jpg"))
    assert Image.open(io.BytesIO(rotated_upload("chelsea.jpg"))).size == (300, 451)
    assert turned.image.size == upright.image.size == (451, 300)
    assert turned.exif.orientation == 6
    difference = np.abs(np.asarray(turned.image, dtype=int) - np.asarray(upright.image, dtype=int)).mean()
    assert difference < 3


def test_the_model_input_of_a_turned_photo_is_the_upright_one() -> None:
    upright = analyse(photo("chelsea.jpg")).pixels.astype(int)
    turned = analyse(rotated_upload("chelsea.jpg")).pixels.astype(int)
    sideways = np.rot90(upright, k=1)
    assert np.abs(turned - upright).mean() < 3 < np.abs(turned - sideways).mean()


@pytest.mark.parametrize("mode", ["RGBA", "L", "P", "CMYK"])
def test_it_converts_any_colour_mode_to_rgb(mode: str) -> None:
    image = Image.open(io.BytesIO(photo("coffee.jpg"))).convert(mode)
    fmt = "JPEG" if mode in ("L", "CMYK") else "PNG"
    loaded = load_image(encoded(image, fmt))
    assert loaded.image.mode == "RGB"
    assert loaded.format == fmt


def test_it_accepts_webp() -> None:
    image = Image.open(io.BytesIO(photo("coffee.jpg")))
    assert load_image(encoded(image, "WEBP", quality=80)).format == "WEBP"


def test_an_ordinary_photo_is_scaled_to_a_short_side_of_256_and_centre_cropped() -> None:
    image = Image.open(io.BytesIO(photo("coffee.jpg"))).convert("RGB")  # 600x400, 3:2
    view = analysis_view(image)
    assert view.size == (384, 256)
    pixels = model_input(view)
    assert pixels.shape == (MODEL_SIZE, MODEL_SIZE, 3) and pixels.dtype == np.uint8
    assert np.array_equal(pixels, np.asarray(view)[16:240, 80:304])


def test_the_model_input_matches_the_exporters_preprocessing_contract() -> None:
    # Below a 2x reduction the same bicubic resize runs: identical. Above it, a box reduction runs
    # first (twice as fast); the difference stays under one grey level on average.
    image = Image.open(io.BytesIO(photo("coffee.jpg"))).convert("RGB")
    assert np.array_equal(model_input(analysis_view(image)), preprocess(image))
    large = image.resize((1800, 1200), Image.Resampling.BICUBIC)
    difference = np.abs(model_input(analysis_view(large)).astype(int) - preprocess(large).astype(int))
    assert difference.mean() < 1.0


def test_a_panorama_is_letterboxed_not_cropped_away() -> None:
    strip = np.zeros((100, 400, 3), dtype=np.uint8)  # 4:1
    strip[:, :50] = 255  # a white band at the far left that a centre crop would lose
    pixels = model_input(analysis_view(Image.fromarray(strip)))
    assert pixels.shape == (MODEL_SIZE, MODEL_SIZE, 3)
    assert (pixels[:80] == PAD_VALUE).all() and (pixels[-80:] == PAD_VALUE).all()
    assert pixels[112, 5].min() > 200  # the white band survives at the left edge
    assert pixels[112, 150].max() < 20


def test_a_tall_screenshot_is_letterboxed_left_and_right() -> None:
    pixels = model_input(analysis_view(Image.new("RGB", (300, 1000), (10, 200, 10))))
    assert (pixels[:, :70] == PAD_VALUE).all() and (pixels[:, -70:] == PAD_VALUE).all()
    assert tuple(pixels[112, 112]) == (10, 200, 10)


def test_a_two_to_one_photo_is_still_centre_cropped() -> None:
    pixels = model_input(analysis_view(Image.new("RGB", (800, 400), (200, 0, 0))))
    assert (pixels == (200, 0, 0)).all()


def test_a_tiny_photo_is_scaled_up_rather_than_refused() -> None:
    assert analyse(encoded(Image.new("RGB", (8, 6), (120, 120, 120)), "PNG")).pixels.shape == (224, 224, 3)


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "WEBP"])
def test_damaged_files_fail_only_with_image_errors(fmt: str) -> None:
    # Flip a few random bytes or cut the file anywhere: whatever the decoder meets, the caller
    # gets either a photo or an ImageError, never another exception that would sink a batch.
    original = encoded(Image.open(io.BytesIO(photo("chelsea.jpg"))).resize((160, 107)), fmt)
    rng = np.random.default_rng(2026)
    outcomes = {"ok": 0, "error": 0}
    for _ in range(150):
        damaged = bytearray(original)
        for position in rng.integers(0, len(damaged), size=int(rng.integers(1, 6))):
            damaged[position] = int(rng.integers(0, 256))
        data = bytes(damaged[: int(rng.integers(len(damaged) // 2, len(damaged) + 1))])
        try:
            analyse(data)
            outcomes["ok"] += 1
        except ImageError:
            outcomes["error"] += 1
    assert outcomes["error"] > 0
