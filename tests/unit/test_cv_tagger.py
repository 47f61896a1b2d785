"""The tagger port without the model: the fake for callers, the unavailable fallback, the batch rules."""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from cv.analysis import PhotoAnalysis, analyse
from cv.errors import NotAnImage, TruncatedImage
from cv.tagger import FakeTagger, Hint, TaggerConfig, UnavailableTagger, analyse_all, fake_embedding

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
CHELSEA = (PHOTOS / "chelsea.jpg").read_bytes()
COFFEE = (PHOTOS / "coffee.jpg").read_bytes()
GPS_PHOTO = (PHOTOS / "opencv_ela_original.jpg").read_bytes()


def test_a_bad_photo_in_a_batch_fails_alone() -> None:
    results = FakeTagger().tag([CHELSEA, b"not a photo", COFFEE[:5000], GPS_PHOTO])
    assert [r.index for r in results] == [0, 1, 2, 3]
    assert [r.ok for r in results] == [True, False, False, True]
    assert isinstance(results[1].error, NotAnImage) and isinstance(results[2].error, TruncatedImage)
    assert results[1].embedding is None and results[1].phash is None
    assert results[3].exif is not None and results[3].exif.gps is not None


def test_the_fake_gives_equal_photos_equal_unit_embeddings_and_different_ones_different() -> None:
    a, b, c = FakeTagger().tag([CHELSEA, CHELSEA, COFFEE])
    assert a.embedding is not None and b.embedding is not None and c.embedding is not None
    assert np.array_equal(a.embedding, b.embedding)
    assert np.linalg.norm(a.embedding) == pytest.approx(1.0, abs=1e-6)
    assert abs(float(a.embedding @ c.embedding)) < 0.2


def test_a_callers_test_can_make_two_photos_look_alike() -> None:
    tagger = FakeTagger(embeddings={COFFEE: fake_embedding(CHELSEA)}, hints=[Hint(281, "tabby cat", 0.9)])
    chelsea, coffee = tagger.tag([CHELSEA, COFFEE])
    assert chelsea.embedding is not None and coffee.embedding is not None
    assert float(chelsea.embedding @ coffee.embedding) == pytest.approx(1.0)
    assert coffee.hints == (Hint(281, "tabby cat", 0.9),)
    assert tagger.calls == [2]


def test_the_unavailable_tagger_still_analyses_photos_without_embedding_them() -> None:
    tagger = UnavailableTagger("model file x cannot be read: no such file", "x.onnx")
    (result,) = tagger.tag([GPS_PHOTO])
    assert result.ok and result.embedding is None and result.hints == ()
    assert result.phash is not None and result.quality is not None
    assert result.exif is not None and result.exif.gps is not None
    assert tagger.health() == {
        "status": "unavailable",
        "reason": "model file x cannot be read: no such file",
        "model_path": "x.onnx",
        "model_sha256": None,
    }


def test_results_serialise_to_json_with_errors_named() -> None:
    records = [r.to_dict() for r in FakeTagger().tag([CHELSEA, b"%PDF-1.7"])]
    decoded = json.loads(json.dumps(records))
    assert decoded[0]["phash"] and decoded[0]["width"] == 451 and decoded[0]["has_embedding"] is True
    assert "embedding" not in decoded[0]
    assert decoded[1] == {"index": 1, "error": {"kind": "not_an_image", "message": decoded[1]["error"]["message"]}}
    assert "photo #1" in decoded[1]["error"]["message"]


def test_decoding_in_a_thread_pool_keeps_the_order_and_the_results() -> None:
    photos = [CHELSEA, b"junk", COFFEE, GPS_PHOTO] * 3
    serial = list(analyse_all(photos, TaggerConfig(decode_workers=1)))
    pooled = list(analyse_all(photos, TaggerConfig(decode_workers=3)))
    assert [i for i, _ in pooled] == list(range(12))
    for (_, a), (_, b) in zip(serial, pooled, strict=True):
        assert type(a) is type(b)
        if isinstance(a, PhotoAnalysis) and isinstance(b, PhotoAnalysis):
            assert a.phash == b.phash and np.array_equal(a.pixels, b.pixels)


@pytest.mark.parametrize(
    "make",
    [
        lambda: TaggerConfig(threads=0),
        lambda: TaggerConfig(batch_size=0),
        lambda: TaggerConfig(top_k=0),
        lambda: TaggerConfig(decode_workers=0),
    ],
    ids=["threads", "batch_size", "top_k", "decode_workers"],
)
def test_a_config_refuses_zero_workers_or_sizes(make: Callable[[], TaggerConfig]) -> None:
    with pytest.raises(ValueError, match="must be at least 1"):
        make()


def test_importing_the_cv_package_builds_no_session_and_loads_no_onnxruntime() -> None:
    modules = "cv.tagger, cv.cli, cv.head, cv.duplicates, cv.decision, cv.keywords, cv.location, cv.analysis"
    code = f"import sys, {modules}; print('onnxruntime' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.strip() == "False"


def test_an_unexpected_decoder_crash_fails_only_its_photo_and_is_logged(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    import cv.tagger

    def crashing(data: bytes, *args: Any, **kwargs: Any) -> PhotoAnalysis:
        if data == b"crash":
            raise IndexError("tile index out of range")
        return analyse(data, *args, **kwargs)

    monkeypatch.setattr(cv.tagger, "analyse", crashing)
    results = FakeTagger().tag([CHELSEA, b"crash"])
    assert results[0].ok
    assert results[1].error is not None and results[1].error.kind == "decoder_failure"
    assert "IndexError: tile index out of range" in str(results[1].error)
    assert "photo #1" in caplog.text


def test_errors_name_the_photo_as_the_caller_does() -> None:
    results = FakeTagger().tag([CHELSEA, b"junk"], sources=["report #17", "report #18"])
    assert results[1].error is not None and str(results[1].error).startswith("report #18: not a supported image")
    with pytest.raises(ValueError, match="1 source names for 2 photos"):
        FakeTagger().tag([CHELSEA, b"junk"], sources=["report #17"])
