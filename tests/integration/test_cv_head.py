"""The category head on real embeddings: staff-labelled photos, held-out photos, corrections."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from PIL import Image, ImageEnhance, ImageOps

from cv.export_model import reference_image
from cv.head import HeadMethod, evaluate, train_head
from cv.tagger import OnnxTagger

PHOTOS = Path(__file__).resolve().parents[2] / "tests" / "fixtures" / "photos"
# Three stand-in "categories", one per fixture photo; each example is a different shot of it.
CATEGORIES = {"chelsea.jpg": "kucing", "coffee.jpg": "kopi", "opencv_ela_original.jpg": "buku"}
TRAIN_PER_CATEGORY, TEST_PER_CATEGORY = 14, 4


def another_shot(name: str, seed: int) -> bytes:
    """The photo as another citizen might take it: cropped, mirrored, lighter or darker, tilted."""
    rng = np.random.default_rng(seed)
    image = Image.open(PHOTOS / name).convert("RGB")
    w, h = image.size
    f = rng.uniform(0.7, 0.95)
    x, y = int(rng.integers(0, w - int(w * f) + 1)), int(rng.integers(0, h - int(h * f) + 1))
    image = image.crop((x, y, x + int(w * f), y + int(h * f)))
    image = ImageOps.mirror(image) if rng.random() < 0.5 else image
    image = ImageEnhance.Brightness(image).enhance(rng.uniform(0.7, 1.3)).rotate(rng.uniform(-10, 10))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=int(rng.integers(50, 90)))
    return out.getvalue()


Embedded = tuple[npt.NDArray[np.float32], list[str]]


@pytest.fixture(scope="module")
def tagger() -> OnnxTagger:
    return OnnxTagger()


def embedded(tagger: OnnxTagger, per_category: int, first_seed: int) -> Embedded:
    shots = [
        (another_shot(name, first_seed + 100 * i + s), category)
        for i, (name, category) in enumerate(CATEGORIES.items())
        for s in range(per_category)
    ]
    results = tagger.tag([data for data, _ in shots])
    vectors = [r.embedding for r in results]
    assert all(v is not None for v in vectors)
    return np.stack(vectors), [c for _, c in shots]  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def labelled(tagger: OnnxTagger) -> Embedded:
    return embedded(tagger, TRAIN_PER_CATEGORY, first_seed=0)


@pytest.fixture(scope="module")
def held_out(tagger: OnnxTagger) -> Embedded:
    return embedded(tagger, TEST_PER_CATEGORY, first_seed=10_000)


def test_three_labels_per_category_already_classify_new_shots(
    tagger: OnnxTagger, labelled: Embedded, held_out: Embedded
) -> None:
    x, y = labelled
    first_three = [i for i in range(len(y)) if i % TRAIN_PER_CATEGORY < 3]
    head = train_head(x[first_three], [y[i] for i in first_three], tagger.model_sha256)
    assert head.method is HeadMethod.NEAREST_CENTROID
    metrics = evaluate(head, *held_out)
    assert all(m.recall is not None and m.recall > 1 / 3 for m in metrics.values()), metrics


def test_enough_labels_fit_a_regression_with_honest_held_out_figures(
    tagger: OnnxTagger, labelled: Embedded, held_out: Embedded
) -> None:
    head = train_head(*labelled, model_sha256=tagger.model_sha256)
    assert head.method is HeadMethod.LOGISTIC_REGRESSION
    assert {m.support for m in head.holdout.values()} == {2}  # 20% of 14, per category
    assert all(m.recall is not None and m.recall > 1 / 3 for m in head.holdout.values())
    metrics = evaluate(head, *held_out)
    assert all(m.precision is not None and m.precision > 1 / 3 for m in metrics.values()), metrics
    head.ensure_model(tagger.model_sha256)


def test_a_photo_of_none_of_the_categories_is_left_for_triage(tagger: OnnxTagger, labelled: Embedded) -> None:
    head = train_head(*labelled, model_sha256=tagger.model_sha256)
    out = io.BytesIO()
    Image.fromarray(reference_image()).save(out, "PNG")
    (result,) = tagger.tag([out.getvalue()])
    assert result.embedding is not None
    assert head.predict(result.embedding).category is None


def test_correcting_mislabelled_photos_changes_the_next_prediction(
    tagger: OnnxTagger, labelled: Embedded, held_out: Embedded
) -> None:
    x, y = labelled
    mislabelled = ["kopi" if c == "buku" else c for c in y]  # a dispatcher filed every notebook as kopi
    book = held_out[0][held_out[1].index("buku")]
    before = train_head(x, mislabelled, tagger.model_sha256).predict(book)
    after = train_head(x, y, tagger.model_sha256).predict(book)
    assert before.best == "kopi"
    assert after.category == "buku"
