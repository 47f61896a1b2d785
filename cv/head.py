"""A category head that learns complaint categories from staff labels. Pure numpy, no I/O.

The ImageNet model knows cats and espresso, not "jalan-rusak". Staff label reports as they
triage them; ``train_head`` turns (embedding, category) pairs into a small classifier.

Features. Every embedding is L2-normalised, centred on the mean of the training embeddings and
L2-normalised again. EfficientNet's pooled features are all non-negative, so raw cosines between
unrelated photos sit around 0.5-0.8; centring spreads them out and is what makes a
nearest-centroid classifier work with a handful of examples (Wang et al. 2019, "SimpleShot").

Methods (``HeadMethod``):

* Cold start, ``NEAREST_CENTROID``: used while any category has fewer than ``min_per_class``
  labels or there are fewer than ``min_total`` in all. Scores are cosine similarities to each
  category's mean feature; probabilities are ``softmax(cosine / temperature)``.
* ``LOGISTIC_REGRESSION``: multinomial (softmax) regression with L2 regularisation on the
  weights, fitted by Nesterov-accelerated gradient descent with the step 1/L, where L bounds the
  loss's curvature for unit-length inputs (features plus the bias input: 0.5 * 2 + l2).

Both give a probability per category; ``predict`` abstains (``category=None``) when the best is
below ``abstain_below``.

Hold-out. Labels are split per category, deterministically (a seeded permutation of each
category's labels, ``holdout_fraction`` of them, none from a category with fewer than
``1 / holdout_fraction`` labels). A head is fitted on the rest and its per-category precision and
recall on the held-out labels are recorded; the head returned is then refitted on all labels.
So the recorded figures are an honest estimate for the head that is deployed.

Artefact. ``to_bytes`` is UTF-8 JSON (versioned: ``format`` and ``version``) with the arrays as
base64 little-endian float32. It records the sha256 of the model whose embeddings it was trained
on (``ensure_model`` refuses another), the classes, the method, the label counts and the held-out
metrics. For 10 categories it is about 76 KB.
"""

from __future__ import annotations

import base64
import dataclasses
import json
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

import numpy as np
import numpy.typing as npt

from cv.errors import HeadFormatError, HeadModelMismatch, HeadTrainingError
from cv.vectors import F32Array, l2_normalise

ARTEFACT_FORMAT = "tanggap.category-head"
ARTEFACT_VERSION = 1
F64Array = npt.NDArray[np.float64]


class HeadMethod(StrEnum):
    NEAREST_CENTROID = "nearest_centroid"
    LOGISTIC_REGRESSION = "logistic_regression"


@dataclass(frozen=True)
class HeadParams:
    min_per_class: int = 5
    min_total: int = 40
    l2: float = 1e-3
    iterations: int = 300
    temperature: float = 0.1
    holdout_fraction: float = 0.2
    seed: int = 0
    abstain_below: float = 0.6


DEFAULT_PARAMS = HeadParams()


@dataclass(frozen=True)
class ClassMetrics:
    """``precision`` is None when the head never chose the class, ``recall`` when it had no examples."""

    precision: float | None
    recall: float | None
    support: int
    predicted: int

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Prediction:
    """``category`` is None when the head abstains; ``scores`` are probabilities summing to 1."""

    category: str | None
    confidence: float
    scores: dict[str, float]
    threshold: float

    @property
    def best(self) -> str:
        return max(self.scores, key=self.scores.__getitem__)


@dataclass(frozen=True, eq=False)
class CategoryHead:
    classes: tuple[str, ...]
    method: HeadMethod
    model_sha256: str
    mean: F32Array
    weights: F32Array
    bias: F32Array
    scale: float
    abstain_below: float
    label_counts: dict[str, int]
    holdout: dict[str, ClassMetrics] = field(default_factory=dict)

    @property
    def label_count(self) -> int:
        return sum(self.label_counts.values())

    @property
    def dim(self) -> int:
        return int(self.mean.shape[0])

    def probabilities(self, embeddings: npt.ArrayLike) -> F64Array:
        features = _features(np.atleast_2d(np.asarray(embeddings, dtype=np.float32)), self.mean)
        logits = self.scale * (features.astype(np.float64) @ self.weights.T.astype(np.float64) + self.bias)
        return _softmax(logits)

    def predict_many(self, embeddings: npt.ArrayLike) -> list[Prediction]:
        array = np.atleast_2d(np.asarray(embeddings, dtype=np.float32))
        if array.shape[1] != self.dim:
            raise ValueError(f"the head expects {self.dim}-dimensional embeddings, got {array.shape[1]}")
        return [self._prediction(row) for row in self.probabilities(array)]

    def predict(self, embedding: npt.ArrayLike) -> Prediction:
        return self.predict_many(embedding)[0]

    def _prediction(self, probabilities: F64Array) -> Prediction:
        best = int(np.argmax(probabilities))
        confidence = float(probabilities[best])
        category = self.classes[best] if confidence >= self.abstain_below else None
        scores = {c: float(p) for c, p in zip(self.classes, probabilities, strict=True)}
        return Prediction(category, confidence, scores, self.abstain_below)

    def ensure_model(self, model_sha256: str | None) -> None:
        if model_sha256 != self.model_sha256:
            raise HeadModelMismatch(self.model_sha256, str(model_sha256))

    def summary(self) -> dict[str, Any]:
        """Everything but the arrays: what a supervisor's page shows."""
        return {
            "format": ARTEFACT_FORMAT,
            "version": ARTEFACT_VERSION,
            "model_sha256": self.model_sha256,
            "method": self.method.value,
            "classes": list(self.classes),
            "label_count": self.label_count,
            "label_counts": dict(self.label_counts),
            "holdout": {c: m.to_dict() for c, m in self.holdout.items()},
            "abstain_below": self.abstain_below,
            "scale": self.scale,
            "dim": self.dim,
        }

    def to_bytes(self) -> bytes:
        arrays = {"mean": _b64(self.mean), "weights": _b64(self.weights), "bias": _b64(self.bias)}
        return json.dumps({**self.summary(), **arrays}, sort_keys=True).encode("utf-8")

    @classmethod
    def from_bytes(cls, data: bytes) -> CategoryHead:
        return _parse_artefact(_load_json(data))


def _features(embeddings: F32Array, mean: F32Array) -> F32Array:
    return l2_normalise(l2_normalise(embeddings) - mean)


def _softmax(logits: F64Array) -> F64Array:
    exp = np.exp(logits - logits.max(axis=1, keepdims=True))
    return np.asarray(exp / exp.sum(axis=1, keepdims=True), dtype=np.float64)


def _b64(array: F32Array) -> str:
    return base64.b64encode(np.ascontiguousarray(array, dtype="<f4").tobytes()).decode("ascii")


# ----------------------------------------------------------------------------- training


def train_head(
    embeddings: npt.ArrayLike,
    labels: Sequence[str],
    model_sha256: str,
    params: HeadParams = DEFAULT_PARAMS,
) -> CategoryHead:
    """Fit on all labels, with held-out metrics from a fit on a stratified part of them."""
    x, y = _validated(embeddings, labels)
    method = choose_method(Counter(y), params)
    train, test = stratified_split(y, params.holdout_fraction, params.seed)
    holdout: dict[str, ClassMetrics] = {}
    if test.size and len(set(y[train])) >= 2:
        probe = _fit(x[train], y[train], method, model_sha256, params)
        holdout = evaluate(probe, x[test], list(y[test]))
    final = _fit(x, y, method, model_sha256, params)
    return _with_holdout(final, holdout)


def _validated(embeddings: npt.ArrayLike, labels: Sequence[str]) -> tuple[F32Array, npt.NDArray[np.str_]]:
    x = np.asarray(embeddings, dtype=np.float32)
    y = np.asarray(list(labels), dtype=np.str_)
    if x.ndim != 2 or x.shape[0] != y.shape[0]:
        raise HeadTrainingError(f"need one embedding row per label, got {x.shape} for {y.shape[0]} labels")
    if not np.isfinite(x).all():
        raise HeadTrainingError("embeddings contain NaN or infinite values")
    if len(set(y.tolist())) < 2:
        raise HeadTrainingError(f"need labels of at least two categories, got {sorted(set(y.tolist()))}")
    return x, y


def choose_method(counts: Mapping[str, int], params: HeadParams = DEFAULT_PARAMS) -> HeadMethod:
    few = min(counts.values()) < params.min_per_class or sum(counts.values()) < params.min_total
    return HeadMethod.NEAREST_CENTROID if few else HeadMethod.LOGISTIC_REGRESSION


def stratified_split(
    labels: npt.NDArray[np.str_], fraction: float, seed: int
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]:
    """(train, test) indices: per category a seeded permutation, ``fraction`` of it held out.

    Each category's permutation is seeded by its name, so adding a category moves no other's split.
    """
    train: list[int] = []
    test: list[int] = []
    for category in sorted(set(labels.tolist())):
        members = np.flatnonzero(labels == category)
        members = np.random.default_rng([seed, zlib.crc32(category.encode())]).permutation(members)
        n_test = int(len(members) * fraction)
        test += members[:n_test].tolist()
        train += members[n_test:].tolist()
    return np.array(sorted(train), dtype=np.intp), np.array(sorted(test), dtype=np.intp)


def _fit(
    x: F32Array, y: npt.NDArray[np.str_], method: HeadMethod, model_sha256: str, params: HeadParams
) -> CategoryHead:
    classes = tuple(sorted(set(y.tolist())))
    mean = l2_normalise(x).mean(axis=0).astype(np.float32)
    features = _features(x, mean)
    weights, bias, scale = _solve(features, np.searchsorted(np.array(classes), y), len(classes), method, params)
    return CategoryHead(
        classes,
        method,
        model_sha256,
        mean,
        weights.astype(np.float32),
        bias.astype(np.float32),
        float(scale),
        params.abstain_below,
        dict(sorted(Counter(y.tolist()).items())),
    )


def _solve(
    features: F32Array, targets: npt.NDArray[np.intp], k: int, method: HeadMethod, params: HeadParams
) -> tuple[F64Array, F64Array, float]:
    """(weights, bias, logit scale) of the chosen method."""
    if method is HeadMethod.NEAREST_CENTROID:
        return _centroids(features, targets, k), np.zeros(k), 1 / params.temperature
    weights, bias = _logistic(features, targets, k, params)
    return weights, bias, 1.0


def _centroids(features: F32Array, targets: npt.NDArray[np.intp], k: int) -> F64Array:
    sums = np.zeros((k, features.shape[1]), dtype=np.float64)
    np.add.at(sums, targets, features)
    return l2_normalise(sums).astype(np.float64)


def _logistic(
    features: F32Array, targets: npt.NDArray[np.intp], k: int, params: HeadParams
) -> tuple[F64Array, F64Array]:
    """Nesterov-accelerated gradient descent on the L2-regularised softmax cross-entropy."""
    x = features.astype(np.float64)
    onehot = np.eye(k)[targets]
    step = 1.0 / (1.0 + params.l2)
    w, b = np.zeros((k, x.shape[1])), np.zeros(k)
    w_prev, b_prev = w, b
    for t in range(1, params.iterations + 1):
        momentum = (t - 1) / (t + 2)
        w_look, b_look = w + momentum * (w - w_prev), b + momentum * (b - b_prev)
        residual = (_softmax(x @ w_look.T + b_look) - onehot) / len(x)
        w_prev, b_prev = w, b
        w = w_look - step * (residual.T @ x + params.l2 * w_look)
        b = b_look - step * residual.sum(axis=0)
    return w, b


def _with_holdout(head: CategoryHead, holdout: dict[str, ClassMetrics]) -> CategoryHead:
    return dataclasses.replace(head, holdout=holdout)


# ----------------------------------------------------------------------------- evaluation


def evaluate(head: CategoryHead, embeddings: npt.ArrayLike, labels: Sequence[str]) -> dict[str, ClassMetrics]:
    """Per-category precision and recall; an abstention counts against recall, not precision."""
    predicted = [p.category for p in head.predict_many(embeddings)] if len(labels) else []
    categories = sorted(set(head.classes) | set(labels))
    return {c: _metrics(c, predicted, labels) for c in categories}


def _metrics(category: str, predicted: Sequence[str | None], labels: Sequence[str]) -> ClassMetrics:
    hits = sum(1 for p, t in zip(predicted, labels, strict=True) if p == t == category)
    chosen = sum(1 for p in predicted if p == category)
    support = sum(1 for t in labels if t == category)
    return ClassMetrics(hits / chosen if chosen else None, hits / support if support else None, support, chosen)


# ----------------------------------------------------------------------------- artefact parsing


def _load_json(data: bytes) -> dict[str, Any]:
    try:
        document = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as exc:
        raise HeadFormatError(f"not UTF-8 JSON ({exc})") from None
    if not isinstance(document, dict) or document.get("format") != ARTEFACT_FORMAT:
        raise HeadFormatError(f"not a {ARTEFACT_FORMAT} document")
    if document.get("version") != ARTEFACT_VERSION:
        raise HeadFormatError(f"version {document.get('version')!r} is not supported; this code reads version 1")
    return document


def _parse_artefact(doc: dict[str, Any]) -> CategoryHead:
    try:
        classes, dim = tuple(str(c) for c in doc["classes"]), int(doc["dim"])
        mean = _array(doc["mean"], (dim,), "mean")
        weights = _array(doc["weights"], (len(classes), dim), "weights")
        bias = _array(doc["bias"], (len(classes),), "bias")
        return CategoryHead(
            classes,
            HeadMethod(doc["method"]),
            str(doc["model_sha256"]),
            mean,
            weights,
            bias,
            float(doc["scale"]),
            float(doc["abstain_below"]),
            {str(k): int(v) for k, v in doc["label_counts"].items()},
            {c: ClassMetrics(**m) for c, m in doc["holdout"].items()},
        )
    except HeadFormatError:
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise HeadFormatError(f"missing or malformed field: {exc!r}") from None


def _array(text: str, shape: tuple[int, ...], name: str) -> F32Array:
    raw = base64.b64decode(text, validate=True)
    if len(raw) != 4 * int(np.prod(shape)):
        raise HeadFormatError(f"{name} holds {len(raw) // 4} values, expected shape {shape}")
    return np.frombuffer(raw, dtype="<f4").astype(np.float32).reshape(shape)
