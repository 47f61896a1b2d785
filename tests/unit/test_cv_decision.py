"""Which category a report gets: the citizen's choice, the photo's head and the description's keywords."""

from __future__ import annotations

import pytest

from cv.decision import KEYWORD_WEIGHT, Outcome, combine, decide
from cv.head import Prediction

THRESHOLD = 0.6


def photo(**scores: float) -> Prediction:
    named = {k.replace("_", "-"): v for k, v in scores.items()}
    best = max(named, key=named.__getitem__)
    return Prediction(best if named[best] >= THRESHOLD else None, named[best], named, THRESHOLD)


POTHOLE = photo(jalan_rusak=0.9, sampah_menumpuk=0.1)
UNSURE = photo(jalan_rusak=0.5, sampah_menumpuk=0.5)
GARBAGE = photo(jalan_rusak=0.2, sampah_menumpuk=0.8)
LEANS_GARBAGE = photo(jalan_rusak=0.35, sampah_menumpuk=0.65)


@pytest.mark.parametrize(
    ("prediction", "citizen", "keywords", "outcome", "category"),
    [
        # The citizen chose: keep it unless the photo confidently says otherwise.
        (POTHOLE, "jalan-rusak", {}, Outcome.CLASSIFY, "jalan-rusak"),
        (UNSURE, "jalan-rusak", {}, Outcome.CLASSIFY, "jalan-rusak"),
        (None, "jalan-rusak", {}, Outcome.CLASSIFY, "jalan-rusak"),
        (GARBAGE, "jalan-rusak", {}, Outcome.NEEDS_DISPATCHER, None),
        # Keywords agreeing with the citizen pull a confident photo below the threshold.
        (LEANS_GARBAGE, "jalan-rusak", {"jalan-rusak": 1.0}, Outcome.CLASSIFY, "jalan-rusak"),
        (LEANS_GARBAGE, "jalan-rusak", {}, Outcome.NEEDS_DISPATCHER, None),
        # No choice: the evidence decides, or the report waits for triage.
        (POTHOLE, None, {}, Outcome.CLASSIFY, "jalan-rusak"),
        (UNSURE, None, {}, Outcome.TRIAGE, None),
        (UNSURE, None, {"sampah-menumpuk": 1.0}, Outcome.CLASSIFY, "sampah-menumpuk"),
        (photo(jalan_rusak=0.7, sampah_menumpuk=0.3), None, {"sampah-menumpuk": 1.0}, Outcome.TRIAGE, None),
        (None, None, {"banjir-genangan": 1.0}, Outcome.TRIAGE, None),  # words alone never route
        (None, None, {}, Outcome.TRIAGE, None),
    ],
)
def test_it_decides_from_the_evidence(
    prediction: Prediction | None,
    citizen: str | None,
    keywords: dict[str, float],
    outcome: Outcome,
    category: str | None,
) -> None:
    decision = decide(prediction, citizen, keywords)
    assert (decision.outcome, decision.category) == (outcome, category)


def test_a_disagreement_shows_both_categories_to_the_dispatcher() -> None:
    decision = decide(GARBAGE, "jalan-rusak", {})
    assert decision.citizen_category == "jalan-rusak"
    assert decision.suggested_category == "sampah-menumpuk"
    assert decision.confidence == pytest.approx(0.8)
    assert "jalan-rusak" in decision.reason and "sampah-menumpuk" in decision.reason


def test_keywords_mix_in_with_a_fixed_weight_only_when_they_match() -> None:
    photo_scores = {"jalan-rusak": 0.6, "sampah-menumpuk": 0.4}
    assert combine(photo_scores, {}) == photo_scores
    mixed = combine(photo_scores, {"banjir-genangan": 1.0})
    photo_share = 1 - KEYWORD_WEIGHT
    expected = {
        "jalan-rusak": 0.6 * photo_share,
        "sampah-menumpuk": 0.4 * photo_share,
        "banjir-genangan": KEYWORD_WEIGHT,
    }
    assert mixed == pytest.approx(expected)
    assert sum(mixed.values()) == pytest.approx(1.0)


def test_a_decision_serialises_to_json_types() -> None:
    import json

    record = json.loads(json.dumps(decide(POTHOLE, None, {"jalan-rusak": 1.0}).to_dict()))
    assert record["outcome"] == "classify" and record["category"] == "jalan-rusak"
    assert record["evidence"]["jalan-rusak"] == pytest.approx(0.925)
