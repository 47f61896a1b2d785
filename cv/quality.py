"""Is the photo usable by a person? Blur and exposure, measured on the grey analysis view.

All numbers are computed on the 8-bit grey ``analysis_view`` (shorter side 256 px), so they do
not depend on the upload's resolution. Thresholds (``QualityThresholds``), calibrated on the test
photos and their degraded copies (see tests/unit/test_cv_quality.py):

* ``laplacian_variance`` is the variance of the 4-neighbour Laplacian, the classic blur score.
  On its own it also falls with exposure: the test cat photo scores 315 sharp, 44 at 40%
  brightness and 40 after a 1-px Gaussian blur. So the flag uses ``sharpness``, the Laplacian
  variance divided by the grey variance (the photo's contrast), which a change of brightness
  does not move: sharp test photos score 0.10-0.37 at any brightness, a 2-px blur 0.003-0.033.
  ``blurry`` below 0.035, or when the photo has no contrast at all (grey standard deviation
  under 4: a lens cap, a white wall), where there is nothing to see either.
* ``dark_fraction`` is the share of pixels at or below grey 35. ``too_dark`` above 0.75: a
  night photo without flash, where staff would see nothing. (A correctly exposed photo of a
  black object, tests/fixtures/photos/opencv_ela_original.jpg, has 0.64.)
* ``clipped_fraction`` is the share of pixels at or above grey 250. ``overexposed`` above 0.25:
  a quarter of the photo burnt to white (sun in the lens, flash on a close wall).

The flags are advice shown to staff and to the citizen's app ("foto buram, kirim ulang?"); no
report is refused because of them.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

U8Array = npt.NDArray[np.uint8]


class QualityFlag(StrEnum):
    BLURRY = "blurry"
    TOO_DARK = "too_dark"
    OVEREXPOSED = "overexposed"


@dataclass(frozen=True)
class QualityThresholds:
    min_sharpness: float = 0.035
    min_contrast_std: float = 4.0
    dark_level: int = 35
    max_dark_fraction: float = 0.75
    bright_level: int = 250
    max_clipped_fraction: float = 0.25


DEFAULT_THRESHOLDS = QualityThresholds()


@dataclass(frozen=True)
class Quality:
    sharpness: float
    laplacian_variance: float
    dark_fraction: float
    clipped_fraction: float
    mean_brightness: float
    flags: frozenset[QualityFlag]

    def to_dict(self) -> dict[str, Any]:
        return {
            "sharpness": round(self.sharpness, 4),
            "laplacian_variance": round(self.laplacian_variance, 2),
            "dark_fraction": round(self.dark_fraction, 4),
            "clipped_fraction": round(self.clipped_fraction, 4),
            "mean_brightness": round(self.mean_brightness, 2),
            "flags": sorted(flag.value for flag in self.flags),
        }


def laplacian_variance(grey: U8Array) -> float:
    """Variance of the 4-neighbour Laplacian over the interior pixels."""
    g = grey.astype(np.float32)
    if g.shape[0] < 3 or g.shape[1] < 3:
        return 0.0
    lap = g[:-2, 1:-1] + g[2:, 1:-1] + g[1:-1, :-2] + g[1:-1, 2:] - 4 * g[1:-1, 1:-1]
    return float(lap.var())


def measure_quality(grey: U8Array, thresholds: QualityThresholds = DEFAULT_THRESHOLDS) -> Quality:
    lap_var, contrast = laplacian_variance(grey), float(grey.std())
    sharpness = lap_var / contrast**2 if contrast >= thresholds.min_contrast_std else 0.0
    dark = float(np.count_nonzero(grey <= thresholds.dark_level)) / grey.size
    clipped = float(np.count_nonzero(grey >= thresholds.bright_level)) / grey.size
    flags = {
        QualityFlag.BLURRY: sharpness < thresholds.min_sharpness,
        QualityFlag.TOO_DARK: dark > thresholds.max_dark_fraction,
        QualityFlag.OVEREXPOSED: clipped > thresholds.max_clipped_fraction,
    }
    raised = frozenset(flag for flag, on in flags.items() if on)
    return Quality(sharpness, lap_var, dark, clipped, float(grey.mean()), raised)
