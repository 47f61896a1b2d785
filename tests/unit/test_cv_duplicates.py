"""Duplicate candidates: near, compatible in category, alike in photo; each with its evidence."""

from __future__ import annotations

import math

import numpy as np
import pytest

from cv.duplicates import (
    Candidate,
    DuplicateParams,
    MatchBasis,
    ReportPhoto,
    categories_compatible,
    find_duplicates,
)
from cv.geo import GeoPoint, haversine_m

KUPANG = GeoPoint(-10.1772, 123.6070)
M_PER_DEG_LAT = 2 * math.pi * 6_371_008.8 / 360
HASH = 0xB15FE6465121175E


def north_of(point: GeoPoint, metres: float) -> GeoPoint:
    return GeoPoint(point.lat + metres / M_PER_DEG_LAT, point.lon)


def unit(seed: int) -> np.ndarray:
    v = np.random.default_rng(seed).normal(size=1280).astype(np.float32)
    return v / np.linalg.norm(v)


def report(
    metres: float = 0,
    category: str | None = "jalan-rusak",
    phash: int | None = HASH,
    embedding: np.ndarray | None = None,
) -> ReportPhoto:
    return ReportPhoto(north_of(KUPANG, metres), category, phash, embedding)


def test_haversine_gives_a_degree_of_latitude_as_111_km() -> None:
    assert haversine_m(GeoPoint(0, 0), GeoPoint(1, 0)) == pytest.approx(111_195, rel=1e-4)
    assert haversine_m(KUPANG, north_of(KUPANG, 50)) == pytest.approx(50, rel=1e-6)


@pytest.mark.parametrize(
    ("candidate", "matched"),
    [
        (report(30, phash=HASH ^ 0b111), True),  # 3 bits apart, 30 m away
        (report(30, phash=HASH ^ (2**10 - 1)), True),  # exactly 10 bits
        (report(30, phash=HASH ^ (2**11 - 1)), False),  # 11 bits: a different photo
        (report(49.9), True),
        (report(50.1), False),
        (report(200), False),
        (report(30, category="sampah-menumpuk"), False),
        (report(30, category=None), True),  # an unclassified report cannot be ruled out
    ],
    ids=["3-bits", "10-bits", "11-bits", "49.9m", "50.1m", "200m", "other-category", "unclassified"],
)
def test_it_matches_on_place_category_and_photo_hash(candidate: ReportPhoto, matched: bool) -> None:
    found = find_duplicates(report(), [Candidate(7, candidate)])
    assert [m.report_id for m in found] == ([7] if matched else [])


def test_each_match_carries_its_evidence() -> None:
    (match,) = find_duplicates(report(), [Candidate(7, report(30, phash=HASH ^ 0b11))])
    assert match.distance_m == pytest.approx(30, abs=0.01)
    assert (match.hamming, match.cosine, match.basis, match.same_category) == (2, None, MatchBasis.PHOTO, True)


def test_embeddings_alike_match_when_the_hashes_differ() -> None:
    v = unit(1)
    near = v + 0.2 * unit(2) / math.sqrt(1280) * 10  # cosine about 0.98
    new = report(embedding=v)
    (match,) = find_duplicates(new, [Candidate(3, report(10, phash=~HASH & (2**64 - 1), embedding=near))])
    assert match.cosine is not None and match.cosine > 0.95
    assert match.hamming == 64
    unrelated = find_duplicates(new, [Candidate(4, report(10, phash=~HASH & (2**64 - 1), embedding=unit(3)))])
    assert unrelated == []


def test_a_report_without_photo_evidence_is_still_proposed_on_place_alone() -> None:
    (match,) = find_duplicates(report(phash=None), [Candidate(9, report(20))])
    assert match.basis is MatchBasis.LOCATION_ONLY
    assert (match.hamming, match.cosine) == (None, None)


def test_related_categories_match_both_ways() -> None:
    related = {"banjir-genangan": frozenset({"sampah-menumpuk"})}  # garbage blocking a drain floods it
    params = DuplicateParams(related=related)
    flood, garbage = report(category="banjir-genangan"), report(20, category="sampah-menumpuk")
    assert [m.same_category for m in find_duplicates(flood, [Candidate(1, garbage)], params)] == [False]
    assert len(find_duplicates(garbage, [Candidate(2, flood)], params)) == 1
    assert not categories_compatible("banjir-genangan", "jalan-rusak", related)


def test_the_radius_is_the_larger_of_the_two_categories() -> None:
    params = DuplicateParams(radius_m={"banjir-genangan": 300})
    flood = report(category="banjir-genangan")
    assert len(find_duplicates(flood, [Candidate(1, report(250, category="banjir-genangan"))], params)) == 1
    assert find_duplicates(report(), [Candidate(2, report(250))], params) == []


def test_photo_matches_come_first_then_the_nearest_and_nothing_is_dropped() -> None:
    candidates = [
        Candidate(1, report(40)),
        Candidate(2, report(5, phash=None)),
        Candidate(3, report(10)),
        Candidate(4, report(45, phash=HASH ^ 1)),
    ]
    found = find_duplicates(report(), candidates)
    assert [m.report_id for m in found] == [3, 1, 4, 2]
