"""Everything about one photo that needs no model: EXIF, quality, pHash, and the model's input."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from cv.exif import ExifInfo
from cv.images import DEFAULT_LIMITS, ImageLimits, U8Array, analysis_view, load_image, model_input
from cv.phash import phash, to_hex
from cv.quality import DEFAULT_THRESHOLDS, Quality, QualityThresholds, measure_quality


@dataclass(frozen=True)
class PhotoAnalysis:
    exif: ExifInfo
    quality: Quality
    phash: int
    format: str
    original_size: tuple[int, int]
    pixels: U8Array
    """224x224x3 uint8 RGB, upright: what the model sees."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": self.format,
            "width": self.original_size[0],
            "height": self.original_size[1],
            "exif": self.exif.to_dict(),
            "quality": self.quality.to_dict(),
            "phash": to_hex(self.phash),
        }


def analyse(
    data: bytes,
    limits: ImageLimits = DEFAULT_LIMITS,
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS,
    source: str = "image",
) -> PhotoAnalysis:
    """Decode and measure one photo; raises an ``ImageError`` naming the problem."""
    loaded = load_image(data, limits, source)
    view = analysis_view(loaded.image)
    grey = view.convert("L")
    quality = measure_quality(np.asarray(grey, dtype=np.uint8), thresholds)
    return PhotoAnalysis(loaded.exif, quality, phash(grey), loaded.format, loaded.original_size, model_input(view))
