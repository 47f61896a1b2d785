"""Which category a report gets from the citizen's choice, the photo and the description.

``decide`` is a pure function of three pieces of evidence:

* the head's ``Prediction`` for the photo (None when there is no photo, the photo was unusable,
  the model is unavailable or no head has been trained yet);
* the category the citizen chose in the app (None when they did not choose);
* the keyword shares from ``cv.keywords.keyword_scores`` (empty when nothing matched).

Evidence. With no keyword match, the evidence is the photo's probabilities as they are. With a
keyword match, it is ``(1 - KEYWORD_WEIGHT) * photo + KEYWORD_WEIGHT * keywords`` per category:
agreeing keywords lift the photo's best category, disagreeing ones pull it down. Without a photo,
the evidence is ``KEYWORD_WEIGHT * keywords``, which never reaches a sensible threshold on its own:
words alone ("bukan banjir") are too easily wrong to route a report. The evidence is "confident"
when its best category reaches the head's threshold (``Prediction.threshold``).

Outcomes:

* the citizen chose a category: ``CLASSIFY`` with it, unless the evidence confidently names a
  different one; then ``NEEDS_DISPATCHER``, with both shown;
* no category chosen: ``CLASSIFY`` with the evidence's category when confident, else ``TRIAGE``
  (the report waits for a dispatcher).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from cv.head import Prediction

KEYWORD_WEIGHT = 0.25


class Outcome(StrEnum):
    CLASSIFY = "classify"
    NEEDS_DISPATCHER = "needs_dispatcher"
    TRIAGE = "triage"


@dataclass(frozen=True)
class Decision:
    outcome: Outcome
    category: str | None
    citizen_category: str | None
    suggested_category: str | None
    confidence: float
    reason: str
    evidence: dict[str, float] = field(default_factory=dict)

    def to_dict(self) -> dict[str, Any]:
        return {
            "outcome": self.outcome.value,
            "category": self.category,
            "citizen_category": self.citizen_category,
            "suggested_category": self.suggested_category,
            "confidence": round(self.confidence, 4),
            "reason": self.reason,
            "evidence": {c: round(v, 4) for c, v in self.evidence.items()},
        }


def combine(photo: Mapping[str, float], keywords: Mapping[str, float]) -> dict[str, float]:
    if not keywords:
        return dict(photo)
    categories = sorted(set(photo) | set(keywords))
    w = KEYWORD_WEIGHT
    return {c: (1 - w) * photo.get(c, 0.0) + w * keywords.get(c, 0.0) for c in categories}


def decide(
    prediction: Prediction | None,
    citizen_category: str | None,
    keyword_hint: Mapping[str, float],
) -> Decision:
    evidence = combine(prediction.scores if prediction else {}, keyword_hint)
    best = max(evidence, key=evidence.__getitem__) if evidence else None
    confidence = evidence[best] if best else 0.0
    confident = prediction is not None and best is not None and confidence >= prediction.threshold
    suggested = best if confident else None

    def verdict(outcome: Outcome, category: str | None, reason: str) -> Decision:
        return Decision(outcome, category, citizen_category, suggested, confidence, reason, evidence)

    if citizen_category and suggested and suggested != citizen_category:
        return verdict(Outcome.NEEDS_DISPATCHER, None, f"citizen chose {citizen_category}, the photo says {suggested}")
    if citizen_category:
        return verdict(Outcome.CLASSIFY, citizen_category, "the citizen's choice, not contradicted")
    if suggested:
        return verdict(Outcome.CLASSIFY, suggested, f"photo evidence {confidence:.2f} for {suggested}")
    return verdict(Outcome.TRIAGE, None, "no category chosen and no confident evidence")
