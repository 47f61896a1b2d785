"""Perceptual hash (pHash): 64 bits that survive re-encoding, resizing and small edits.

The photo's grey view is shrunk to 32x32 (Lanczos), transformed with a 2-D DCT-II, and the 8x8
lowest frequencies are compared with their median: bit i is 1 when coefficient i (row-major,
DC first, most significant bit first) is above the median. This is the classic pHash, the same
construction as the ``imagehash`` package's ``phash``.

The DCT is two small matrix products in numpy (8x32 @ 32x32 @ 32x8); scipy is not needed. Its
scale factors are left out: they multiply every coefficient alike, so the median comparison is
unchanged.

Two photos of the same scene differ in a handful of bits (a JPEG re-encode at quality 40: 0-4);
unrelated photos differ in about 32. ``hamming`` counts the differing bits.
"""

from __future__ import annotations

import functools

import numpy as np
import numpy.typing as npt
from PIL import Image

HASH_SIDE = 8
DCT_SIDE = 32
BITS = HASH_SIDE * HASH_SIDE


@functools.cache
def _dct_rows() -> npt.NDArray[np.float64]:
    """The first 8 rows of the (unscaled) 32-point DCT-II matrix: C[k, n] = cos(pi (2n+1) k / 64)."""
    k = np.arange(HASH_SIDE)[:, None]
    n = np.arange(DCT_SIDE)[None, :]
    return np.cos(np.pi * (2 * n + 1) * k / (2 * DCT_SIDE))


def phash_pixels(pixels: npt.NDArray[np.uint8]) -> int:
    """pHash of a 32x32 grey array."""
    if pixels.shape != (DCT_SIDE, DCT_SIDE):
        raise ValueError(f"pHash needs a {DCT_SIDE}x{DCT_SIDE} grey array, got shape {pixels.shape}")
    c = _dct_rows()
    low = c @ pixels.astype(np.float64) @ c.T
    bits = (low > np.median(low)).ravel()
    return int.from_bytes(np.packbits(bits).tobytes(), "big")


def phash(grey: Image.Image) -> int:
    """pHash of a grey (mode "L") image of any size."""
    small = grey.convert("L").resize((DCT_SIDE, DCT_SIDE), Image.Resampling.LANCZOS)
    return phash_pixels(np.asarray(small, dtype=np.uint8))


def hamming(a: int, b: int) -> int:
    """Number of differing bits between two 64-bit hashes."""
    return (a ^ b).bit_count()


def to_hex(value: int) -> str:
    return f"{value:016x}"


def from_hex(text: str) -> int:
    value = int(text, 16)
    if not 0 <= value < 1 << BITS:
        raise ValueError(f"{text!r} is not a 64-bit pHash")
    return value


def to_signed(value: int) -> int:
    """As a signed 64-bit integer, for a BIGINT column."""
    return value - (1 << BITS) if value >= 1 << (BITS - 1) else value


def from_signed(value: int) -> int:
    return value + (1 << BITS) if value < 0 else value
