"""The category head learns from staff labels, abstains when unsure and survives a round trip."""

from __future__ import annotations

import json

import numpy as np
import numpy.typing as npt
import pytest

from cv.errors import HeadFormatError, HeadModelMismatch, HeadTrainingError
from cv.head import (
    ARTEFACT_VERSION,
    CategoryHead,
    HeadMethod,
    HeadParams,
    choose_method,
    evaluate,
    stratified_split,
    train_head,
)

MODEL = "75f2414d" + "0" * 56
CATEGORIES = ("banjir-genangan", "jalan-rusak", "pohon-tumbang", "sampah-menumpuk")
DIM = 48


def centres(k: int = len(CATEGORIES), seed: int = 3) -> npt.NDArray[np.float64]:
    return np.abs(np.random.default_rng(seed).normal(size=(k, DIM)))


def cluster(centre: npt.NDArray[np.float64], n: int, seed: int, noise: float = 0.6) -> npt.NDArray[np.float32]:
    """Non-negative points around a centre, like pooled ReLU features."""
    rng = np.random.default_rng(seed)
    return np.maximum(0, centre + noise * rng.normal(size=(n, DIM))).astype(np.float32)


def labelled(n_per: int, seed: int = 0, noise: float = 0.6) -> tuple[npt.NDArray[np.float32], list[str]]:
    rows = [cluster(c, n_per, seed * 100 + i, noise) for i, c in enumerate(centres())]
    return np.vstack(rows), [c for c in CATEGORIES for _ in range(n_per)]


def accuracy(head: CategoryHead, x: npt.NDArray[np.float32], y: list[str]) -> float:
    return float(np.mean([p.category == t for p, t in zip(head.predict_many(x), y, strict=True)]))


def test_with_few_labels_it_starts_with_nearest_centroids() -> None:
    x, y = labelled(3)
    head = train_head(x, y, MODEL)
    assert head.method is HeadMethod.NEAREST_CENTROID
    assert head.label_counts == {c: 3 for c in CATEGORIES}
    assert accuracy(head, *labelled(20, seed=1)) > 0.9


def test_with_enough_labels_it_fits_a_logistic_regression() -> None:
    x, y = labelled(25)
    head = train_head(x, y, MODEL)
    assert head.method is HeadMethod.LOGISTIC_REGRESSION
    assert accuracy(head, *labelled(20, seed=1)) > 0.9


@pytest.mark.parametrize(
    ("counts", "method"),
    [
        ({"a": 4, "b": 100}, HeadMethod.NEAREST_CENTROID),  # one category below 5
        ({"a": 10, "b": 10}, HeadMethod.NEAREST_CENTROID),  # 20 in all, below 40
        ({"a": 5, "b": 35}, HeadMethod.LOGISTIC_REGRESSION),
    ],
)
def test_the_method_follows_the_label_counts(counts: dict[str, int], method: HeadMethod) -> None:
    assert choose_method(counts) is method


def test_it_records_held_out_precision_and_recall_above_chance() -> None:
    x, y = labelled(25, noise=1.4)  # overlapping clusters: a real test of the fit
    head = train_head(x, y, MODEL)
    assert set(head.holdout) == set(CATEGORIES)
    for metrics in head.holdout.values():
        assert metrics.support == 5
        assert metrics.recall is not None and metrics.recall > 1 / len(CATEGORIES)
        assert metrics.precision is not None and metrics.precision > 1 / len(CATEGORIES)


def test_the_hold_out_split_is_stratified_and_deterministic() -> None:
    labels = np.array(["a"] * 10 + ["b"] * 5 + ["c"] * 4)
    train, test = stratified_split(labels, 0.2, seed=0)
    assert sorted(labels[test].tolist()) == ["a", "a", "b"]  # 20% of 10, of 5, none of 4
    assert sorted(np.concatenate([train, test]).tolist()) == list(range(19))
    again = stratified_split(labels, 0.2, seed=0)
    assert np.array_equal(again[1], test)
    assert not np.array_equal(stratified_split(labels, 0.2, seed=1)[1], test)


def test_a_new_category_moves_no_other_categorys_hold_out() -> None:
    labels = np.array(["b"] * 10 + ["c"] * 10)
    with_new = np.array(["b"] * 10 + ["c"] * 10 + ["a"] * 10)  # "a" sorts first
    assert np.array_equal(stratified_split(labels, 0.2, 0)[1], stratified_split(with_new, 0.2, 0)[1][:4])


def test_it_abstains_between_two_categories() -> None:
    x, y = labelled(25)
    head = train_head(x, y, MODEL)
    a, b = (x[np.array(y) == c].mean(axis=0) for c in CATEGORIES[:2])
    halfway = head.predict(head_space_midpoint(head, a, b))
    assert halfway.category is None
    assert halfway.confidence < head.abstain_below
    assert halfway.best in CATEGORIES[:2]
    assert sum(halfway.scores.values()) == pytest.approx(1.0)


def head_space_midpoint(
    head: CategoryHead, a: npt.NDArray[np.float32], b: npt.NDArray[np.float32]
) -> npt.NDArray[np.float32]:
    """The input whose probabilities for a and b are equal, found by bisection on the segment."""
    lo, hi = 0.0, 1.0
    ia, ib = head.classes.index(CATEGORIES[0]), head.classes.index(CATEGORIES[1])
    for _ in range(40):
        mid = (lo + hi) / 2
        p = head.probabilities((1 - mid) * a + mid * b)[0]
        lo, hi = (mid, hi) if p[ia] > p[ib] else (lo, mid)
    return (1 - lo) * a + lo * b


def test_a_confident_prediction_names_its_category() -> None:
    x, y = labelled(25)
    head = train_head(x, y, MODEL)
    prediction = head.predict(cluster(centres()[2], 1, seed=999)[0])
    assert prediction.category == "pohon-tumbang"
    assert prediction.confidence >= head.abstain_below


def test_a_staff_correction_changes_the_next_training() -> None:
    # Photos of a new kind (a fourth cluster) were first mislabelled as jalan-rusak.
    x, y = labelled(6)
    new_kind = cluster(centres(k=5)[4], 6, seed=77)
    query = cluster(centres(k=5)[4], 1, seed=78)[0]
    before = train_head(np.vstack([x, new_kind]), y + ["jalan-rusak"] * 6, MODEL)
    corrected = train_head(np.vstack([x, new_kind]), y + ["lampu-jalan-mati"] * 6, MODEL)
    assert before.predict(query).best == "jalan-rusak"
    assert corrected.predict(query).category == "lampu-jalan-mati"


def test_the_artefact_round_trips_and_predicts_the_same() -> None:
    x, y = labelled(12)
    head = train_head(x, y, MODEL)
    copy = CategoryHead.from_bytes(head.to_bytes())
    assert np.allclose(copy.probabilities(x), head.probabilities(x))
    assert copy.summary() == head.summary()
    document = json.loads(head.to_bytes())
    assert document["version"] == ARTEFACT_VERSION
    assert document["model_sha256"] == MODEL
    assert document["method"] == "logistic_regression"
    assert document["label_count"] == 48
    assert set(document["holdout"]["jalan-rusak"]) == {"precision", "recall", "support", "predicted"}


@pytest.mark.parametrize(
    ("mangle", "problem"),
    [
        (lambda d: d.update(version=2), "version 2 is not supported"),
        (lambda d: d.update(format="something-else"), "not a tanggap.category-head"),
        (lambda d: d.update(weights=d["weights"][:40]), "weights holds"),
        (lambda d: d.pop("classes"), "missing or malformed field"),
        (lambda d: d.update(method="random_forest"), "missing or malformed field"),
    ],
    ids=["future-version", "wrong-format", "truncated-weights", "no-classes", "unknown-method"],
)
def test_a_damaged_artefact_is_refused_with_what_is_wrong(mangle, problem: str) -> None:  # type: ignore[no-untyped-def]
    x, y = labelled(3)
    document = json.loads(train_head(x, y, MODEL).to_bytes())
    mangle(document)
    with pytest.raises(HeadFormatError, match=problem):
        CategoryHead.from_bytes(json.dumps(document).encode())


def test_non_json_bytes_are_refused() -> None:
    with pytest.raises(HeadFormatError, match="not UTF-8 JSON"):
        CategoryHead.from_bytes(b"\x89PNG not a head")


def test_a_head_refuses_embeddings_of_another_model() -> None:
    x, y = labelled(3)
    head = train_head(x, y, MODEL)
    head.ensure_model(MODEL)
    with pytest.raises(HeadModelMismatch, match="retrain the head"):
        head.ensure_model("f" * 64)


def test_it_refuses_embeddings_of_the_wrong_width() -> None:
    x, y = labelled(3)
    with pytest.raises(ValueError, match="expects 48-dimensional"):
        train_head(x, y, MODEL).predict(np.ones(1280, dtype=np.float32))


@pytest.mark.parametrize(
    ("x", "y", "problem"),
    [
        (np.ones((3, DIM)), ["a", "a", "a"], "at least two categories"),
        (np.ones((3, DIM)), ["a", "b"], "one embedding row per label"),
        (np.full((2, DIM), np.nan), ["a", "b"], "NaN"),
    ],
)
def test_it_refuses_labels_it_cannot_learn_from(x: npt.NDArray[np.float64], y: list[str], problem: str) -> None:
    with pytest.raises(HeadTrainingError, match=problem):
        train_head(x, y, MODEL)


def test_evaluate_counts_abstentions_against_recall_only() -> None:
    x, y = labelled(6)
    strict = train_head(x, y, MODEL, HeadParams(abstain_below=0.999999))
    metrics = evaluate(strict, x, y)
    assert all(m.predicted == 0 and m.precision is None and m.recall == 0.0 for m in metrics.values())


def test_evaluate_reports_a_category_the_head_never_learned() -> None:
    x, y = labelled(6)
    head = train_head(x, y, MODEL)
    metrics = evaluate(head, x[:2], ["lampu-jalan-mati", "banjir-genangan"])
    assert metrics["lampu-jalan-mati"].recall == 0.0 and metrics["lampu-jalan-mati"].support == 1
    assert metrics["jalan-rusak"].recall is None
