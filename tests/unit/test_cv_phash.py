"""pHash: the same photo keeps its hash through re-encoding and resizing; different photos do not."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cv.phash import _dct_rows, from_hex, from_signed, hamming, phash, phash_pixels, to_hex, to_signed

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"


def grey(name: str, quality: int | None = None, scale: float = 1.0) -> Image.Image:
    image = Image.open(PHOTOS / name).convert("RGB")
    if scale != 1.0:
        image = image.resize((round(image.width * scale), round(image.height * scale)))
    if quality is not None:
        out = io.BytesIO()
        image.save(out, "JPEG", quality=quality)
        image = Image.open(out)
    return image.convert("L")


def test_the_dct_rows_are_orthogonal_cosines() -> None:
    rows = _dct_rows()
    gram = rows @ rows.T
    assert np.allclose(gram, np.diag(np.diag(gram)))  # orthogonal, unnormalised
    assert np.allclose(np.diag(gram), [32] + [16] * 7)


@pytest.mark.parametrize("name", ["chelsea.jpg", "coffee.jpg", "opencv_ela_original.jpg"])
def test_a_reencoded_or_resized_photo_keeps_its_hash_within_a_few_bits(name: str) -> None:
    original = phash(grey(name))
    assert hamming(original, phash(grey(name, quality=40))) <= 4
    assert hamming(original, phash(grey(name, scale=0.33))) <= 4


def test_different_photos_differ_in_many_bits() -> None:
    hashes = [phash(grey(n)) for n in ["chelsea.jpg", "coffee.jpg", "opencv_ela_original.jpg"]]
    assert min(hamming(a, b) for i, a in enumerate(hashes) for b in hashes[i + 1 :]) > 10


def test_the_hash_is_the_sign_pattern_of_the_low_frequencies_around_their_median() -> None:
    # Build a 32x32 image from chosen low frequencies: 31 AC terms at +2, 32 at -2, plus grey 128.
    # The DCT recovers them (scaled), the median is 0, so the bits are the signs, row-major, DC first.
    rng = np.random.default_rng(7)
    signs = np.array([1] * 31 + [-1] * 32)[rng.permutation(63)]
    amplitudes = np.concatenate([[0], 2.0 * signs]).reshape(8, 8)
    n = np.arange(32)
    basis = np.cos(np.pi * (2 * n[None, :] + 1) * np.arange(8)[:, None] / 64)  # 8 x 32
    pixels = np.rint(128 + basis.T @ amplitudes @ basis).astype(np.uint8)
    expected = int("1" + "".join("1" if s > 0 else "0" for s in signs), 2)
    assert phash_pixels(pixels) == expected


@pytest.mark.parametrize(("a", "b", "distance"), [(0, 0, 0), (0, 1, 1), (0, 2**64 - 1, 64), (0b1010, 0b0101, 4)])
def test_hamming_counts_differing_bits(a: int, b: int, distance: int) -> None:
    assert hamming(a, b) == distance


@pytest.mark.parametrize("value", [0, 1, 2**63 - 1, 2**63, 2**64 - 1])
def test_a_hash_round_trips_through_hex_and_signed_bigint(value: int) -> None:
    assert from_hex(to_hex(value)) == value
    assert -(2**63) <= to_signed(value) < 2**63
    assert from_signed(to_signed(value)) == value


def test_it_refuses_an_array_that_is_not_32_by_32() -> None:
    with pytest.raises(ValueError, match="32x32"):
        phash_pixels(np.zeros((8, 8), dtype=np.uint8))
