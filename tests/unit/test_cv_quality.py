"""Quality flags: blurry, too dark and overexposed photos are told apart from usable ones."""

from __future__ import annotations

import io
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageEnhance, ImageFilter

from cv.analysis import analyse
from cv.quality import QualityFlag, QualityThresholds, laplacian_variance, measure_quality

PHOTOS = Path(__file__).resolve().parents[1] / "fixtures" / "photos"


CHANGES: dict[str, Callable[[Image.Image], Image.Image]] = {
    "as-is": lambda im: im,
    "blur-2px": lambda im: im.filter(ImageFilter.GaussianBlur(2)),
    "dark-25%": lambda im: ImageEnhance.Brightness(im).enhance(0.25),
    "dark-40%": lambda im: ImageEnhance.Brightness(im).enhance(0.4),
    "bright-250%": lambda im: ImageEnhance.Brightness(im).enhance(2.5),
}


def variant(name: str, change: str) -> bytes:
    out = io.BytesIO()
    CHANGES[change](Image.open(PHOTOS / name).convert("RGB")).save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.mark.parametrize(
    ("name", "change", "flags"),
    [
        ("chelsea.jpg", "as-is", set()),
        ("coffee.jpg", "as-is", set()),
        ("opencv_ela_original.jpg", "as-is", set()),  # a black notebook, correctly exposed
        ("chelsea.jpg", "blur-2px", {QualityFlag.BLURRY}),
        ("coffee.jpg", "blur-2px", {QualityFlag.BLURRY}),
        ("opencv_ela_original.jpg", "blur-2px", {QualityFlag.BLURRY}),
        ("chelsea.jpg", "dark-25%", {QualityFlag.TOO_DARK}),  # dark, but not called blurry
        ("coffee.jpg", "dark-25%", {QualityFlag.TOO_DARK}),
        ("chelsea.jpg", "dark-40%", set()),
        ("chelsea.jpg", "bright-250%", {QualityFlag.OVEREXPOSED}),
    ],
)
def test_it_flags_only_what_is_wrong_with_the_photo(name: str, change: str, flags: set[QualityFlag]) -> None:
    assert analyse(variant(name, change)).quality.flags == flags


def test_sharpness_does_not_move_with_brightness_but_raw_laplacian_variance_does() -> None:
    normal = analyse(variant("coffee.jpg", "as-is")).quality
    dark = analyse(variant("coffee.jpg", "dark-40%")).quality
    assert dark.laplacian_variance < normal.laplacian_variance / 4
    assert dark.sharpness == pytest.approx(normal.sharpness, rel=0.2)


def test_a_featureless_photo_is_called_blurry() -> None:
    flat = np.full((256, 256), 128, dtype=np.uint8)
    assert measure_quality(flat).flags == {QualityFlag.BLURRY}


def test_the_laplacian_of_a_flat_image_is_zero_and_of_a_checkerboard_large() -> None:
    checker = ((np.indices((64, 64)).sum(axis=0) % 2) * 255).astype(np.uint8)
    assert laplacian_variance(np.full((64, 64), 77, dtype=np.uint8)) == 0.0
    assert laplacian_variance(checker) == pytest.approx(1020.0**2)  # every interior pixel is +-4 x 255


def test_thresholds_are_configurable() -> None:
    grey = np.asarray(Image.open(PHOTOS / "chelsea.jpg").convert("L").resize((384, 256)))
    assert QualityFlag.BLURRY in measure_quality(grey, QualityThresholds(min_sharpness=0.9)).flags


def test_quality_serialises_with_flag_names() -> None:
    record = analyse(variant("chelsea.jpg", "dark-25%")).quality.to_dict()
    assert record["flags"] == ["too_dark"]
    assert 0.75 < record["dark_fraction"] <= 1
