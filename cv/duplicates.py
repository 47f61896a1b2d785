"""Is a new report another photo of something already reported? Pure; the query is the caller's.

The caller selects the open reports near the new one (a bounding box is enough) and passes them
in. ``find_duplicates`` returns those that are:

1. within the radius (haversine metres): the larger of the two reports' category radii
   (``radius_m``; ``default_radius_m`` = 50 m for a category not listed: a flood may want 300);
2. of the same or a related category (``related`` is symmetric; an unknown category on either
   side is compatible, since it cannot be ruled out);
3. alike in their photos: pHash Hamming distance <= ``max_hamming`` (10 of 64 bits) OR embedding
   cosine >= ``min_cosine``.

When either report has no photo evidence to compare (no photo, unusable photo, model down), the
candidate is still returned, marked ``MatchBasis.LOCATION_ONLY``: a missing photo never hides a
possible duplicate. Nothing is merged or rejected here: every match carries its evidence
(distance, Hamming, cosine) for a dispatcher to confirm.

Calibration of ``min_cosine`` and ``max_hamming`` on 35 real photos (scikit-image and OpenCV
samples; L2-normalised EfficientNet-Lite0 embeddings):

==============================================  =================  ==============
pair                                            cosine             pHash bits
==============================================  =================  ==============
the same photo re-encoded at JPEG quality 40    0.86 - 0.997       0 - 4
the same photo at a third of its size           0.58 - 0.98        0 - 2
the same photo cropped 5% a side, 15% darker    0.65 - 0.98        4 - 24
the same scene from another viewpoint (3)       0.80, 0.82, 0.93   18 - 32
different photos (592 pairs)                    median 0.18,       18 - 36
                                                max 0.64
==============================================  =================  ==============

So pHash alone catches re-encodes and resizes; the cosine threshold 0.85 also catches every
re-encode on its own, keeps a 0.21 margin over unrelated photos, and catches some re-shoots of the
same scene. The integration tests (tests/integration/test_cv_duplicates.py) hold the fixture
photos to this.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from enum import StrEnum

import numpy as np

from cv.geo import GeoPoint, haversine_m
from cv.phash import hamming
from cv.vectors import F32Array, l2_normalise


class MatchBasis(StrEnum):
    PHOTO = "photo"
    LOCATION_ONLY = "location_only"


@dataclass(frozen=True, eq=False)
class ReportPhoto:
    location: GeoPoint
    category: str | None = None
    phash: int | None = None
    embedding: F32Array | None = None


@dataclass(frozen=True, eq=False)
class Candidate:
    report_id: int
    photo: ReportPhoto


@dataclass(frozen=True)
class DuplicateParams:
    default_radius_m: float = 50.0
    radius_m: Mapping[str, float] = field(default_factory=dict)
    related: Mapping[str, frozenset[str]] = field(default_factory=dict)
    max_hamming: int = 10
    min_cosine: float = 0.85


DEFAULT_PARAMS = DuplicateParams()


@dataclass(frozen=True)
class DuplicateMatch:
    report_id: int
    basis: MatchBasis
    distance_m: float
    hamming: int | None
    cosine: float | None
    same_category: bool


def radius_for(a: str | None, b: str | None, params: DuplicateParams) -> float:
    return max(params.radius_m.get(c, params.default_radius_m) if c else params.default_radius_m for c in (a, b))


def categories_compatible(a: str | None, b: str | None, related: Mapping[str, frozenset[str]]) -> bool:
    if a is None or b is None or a == b:
        return True
    return b in related.get(a, frozenset()) or a in related.get(b, frozenset())


def _cosine(a: F32Array | None, b: F32Array | None) -> float | None:
    if a is None or b is None:
        return None
    return float(np.dot(l2_normalise(a), l2_normalise(b)))


def _hamming(a: int | None, b: int | None) -> int | None:
    return None if a is None or b is None else hamming(a, b)


def compare(new: ReportPhoto, candidate: Candidate, params: DuplicateParams = DEFAULT_PARAMS) -> DuplicateMatch | None:
    old = candidate.photo
    distance = haversine_m(new.location, old.location)
    if distance > radius_for(new.category, old.category, params):
        return None
    if not categories_compatible(new.category, old.category, params.related):
        return None
    bits, cos = _hamming(new.phash, old.phash), _cosine(new.embedding, old.embedding)
    if bits is None and cos is None:
        basis = MatchBasis.LOCATION_ONLY
    elif (bits is not None and bits <= params.max_hamming) or (cos is not None and cos >= params.min_cosine):
        basis = MatchBasis.PHOTO
    else:
        return None
    same = new.category is not None and new.category == old.category
    return DuplicateMatch(candidate.report_id, basis, distance, bits, cos, same)


def find_duplicates(
    new: ReportPhoto, candidates: Iterable[Candidate], params: DuplicateParams = DEFAULT_PARAMS
) -> list[DuplicateMatch]:
    """Every likely duplicate, photo matches first, then nearest first."""
    matches = [m for m in (compare(new, c, params) for c in candidates) if m is not None]
    return sorted(matches, key=lambda m: (m.basis is not MatchBasis.PHOTO, m.distance_m, m.report_id))
