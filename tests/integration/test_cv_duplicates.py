"""Duplicate detection on real photos and real embeddings: the calibrated thresholds hold."""

from __future__ import annotations

import io
import math
from pathlib import Path

import pytest
from PIL import Image

from cv.duplicates import DEFAULT_PARAMS, Candidate, MatchBasis, ReportPhoto, find_duplicates
from cv.geo import GeoPoint
from cv.phash import hamming
from cv.tagger import OnnxTagger, TagResult

PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "photos"
NAMES = ["chelsea.jpg", "coffee.jpg", "opencv_ela_original.jpg"]
KUPANG = GeoPoint(-10.1772, 123.6070)
M_PER_DEG_LAT = 2 * math.pi * 6_371_008.8 / 360


def reencoded(data: bytes, quality: int = 40) -> bytes:
    out = io.BytesIO()
    Image.open(io.BytesIO(data)).save(out, "JPEG", quality=quality)
    return out.getvalue()


@pytest.fixture(scope="module")
def tagged() -> dict[str, tuple[TagResult, TagResult]]:
    """Each fixture photo and its quality-40 re-encode, through the real model."""
    originals = [(PHOTOS / n).read_bytes() for n in NAMES]
    results = OnnxTagger().tag(originals + [reencoded(d) for d in originals])
    return {n: (results[i], results[i + len(NAMES)]) for i, n in enumerate(NAMES)}


def as_report(result: TagResult, metres_north: float = 0.0, category: str = "sampah-menumpuk") -> ReportPhoto:
    where = GeoPoint(KUPANG.lat + metres_north / M_PER_DEG_LAT, KUPANG.lon)
    return ReportPhoto(where, category, result.phash, result.embedding)


@pytest.mark.parametrize("name", NAMES)
def test_the_same_photo_reencoded_at_quality_40_within_50_m_is_flagged(
    tagged: dict[str, tuple[TagResult, TagResult]], name: str
) -> None:
    original, copy = tagged[name]
    (match,) = find_duplicates(as_report(copy), [Candidate(41, as_report(original, metres_north=35))])
    assert match.report_id == 41 and match.basis is MatchBasis.PHOTO
    assert match.hamming is not None and match.hamming <= 4
    assert match.cosine is not None and match.cosine >= DEFAULT_PARAMS.min_cosine  # alone enough, too


@pytest.mark.parametrize("name", NAMES)
def test_the_same_photo_200_m_away_is_not_flagged(tagged: dict[str, tuple[TagResult, TagResult]], name: str) -> None:
    original, copy = tagged[name]
    assert find_duplicates(as_report(copy), [Candidate(41, as_report(original, metres_north=200))]) == []


def test_a_different_photo_at_the_same_place_is_not_flagged(tagged: dict[str, tuple[TagResult, TagResult]]) -> None:
    for i, new in enumerate(NAMES):
        others = [Candidate(j, as_report(tagged[old][0], 10)) for j, old in enumerate(NAMES) if j != i]
        assert find_duplicates(as_report(tagged[new][1]), others) == [], new


def test_different_photos_are_far_apart_in_both_hash_and_embedding(
    tagged: dict[str, tuple[TagResult, TagResult]],
) -> None:
    firsts = [tagged[n][0] for n in NAMES]
    for i, a in enumerate(firsts):
        for b in firsts[i + 1 :]:
            assert a.phash is not None and b.phash is not None
            assert a.embedding is not None and b.embedding is not None
            assert hamming(a.phash, b.phash) > DEFAULT_PARAMS.max_hamming
            assert float(a.embedding @ b.embedding) < DEFAULT_PARAMS.min_cosine - 0.15
