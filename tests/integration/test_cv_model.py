"""The real model file: its reference outputs, real photos, and every way it can be unusable."""

from __future__ import annotations

import io
import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from cv.cli import main, tag_paths
from cv.errors import ModelCorrupt, ModelIntegrityError
from cv.export_model import DOMESTIC_CAT_IDS, reference_image
from cv.images import ImageLimits
from cv.tagger import DEFAULT_MODEL_PATH, OnnxTagger, TaggerConfig, UnavailableTagger, load_tagger

ROOT = Path(__file__).resolve().parents[2]
PHOTOS = ROOT / "tests" / "fixtures" / "photos"
REFERENCE = json.loads((DEFAULT_MODEL_PATH.parent / "reference.json").read_text())
ESPRESSO, CUP = 967, 968
CHELSEA = (PHOTOS / "chelsea.jpg").read_bytes()
COFFEE = (PHOTOS / "coffee.jpg").read_bytes()


@pytest.fixture(scope="module")
def tagger() -> OnnxTagger:
    return OnnxTagger(DEFAULT_MODEL_PATH)


def sideways(data: bytes, fmt: str) -> bytes:
    """Stored turned 90 degrees anticlockwise, with EXIF orientation 6 (turn clockwise to view)."""
    stored = Image.open(io.BytesIO(data)).transpose(Image.Transpose.ROTATE_90)
    exif = Image.Exif()
    exif[0x0112] = 6
    out = io.BytesIO()
    stored.save(out, fmt, exif=exif)
    return out.getvalue()


def test_the_model_reproduces_its_recorded_reference_outputs(tagger: OnnxTagger) -> None:
    logits, embedding = tagger.run_model(reference_image()[None])
    tolerance = REFERENCE["tolerance"]
    assert tagger.model_sha256 == REFERENCE["sha256"]
    assert np.abs(embedding[0, :16] - REFERENCE["embedding_first16"]).max() <= tolerance
    assert np.abs(logits[0, :16] - REFERENCE["logits_first16"]).max() <= tolerance
    assert float(np.linalg.norm(embedding[0])) == pytest.approx(REFERENCE["embedding_l2_norm"], abs=tolerance)
    assert np.argsort(-logits[0])[:5].tolist() == REFERENCE["top5"]


def test_the_cat_photo_is_hinted_as_a_cat(tagger: OnnxTagger) -> None:
    (result,) = tagger.tag([CHELSEA])
    assert {h.class_id for h in result.hints[:3]} & DOMESTIC_CAT_IDS


def test_the_coffee_photo_is_hinted_as_espresso_or_a_cup(tagger: OnnxTagger) -> None:
    (result,) = tagger.tag([COFFEE])
    assert {h.class_id for h in result.hints[:3]} & {ESPRESSO, CUP}


def test_a_sideways_stored_photo_is_seen_upright(tagger: OnnxTagger) -> None:
    # Losslessly stored (PNG), the turned photo must give exactly the upright photo's input.
    upright, turned = tagger.tag([CHELSEA, sideways(CHELSEA, "PNG")])
    assert turned.analysis is not None and upright.analysis is not None
    assert np.array_equal(turned.analysis.pixels, upright.analysis.pixels)
    assert turned.hints[0].class_id == upright.hints[0].class_id


def test_a_sideways_phone_jpeg_is_still_a_cat(tagger: OnnxTagger) -> None:
    upright, turned = tagger.tag([CHELSEA, sideways(CHELSEA, "JPEG")])
    assert {h.class_id for h in turned.hints[:3]} & DOMESTIC_CAT_IDS
    assert upright.embedding is not None and turned.embedding is not None
    assert float(upright.embedding @ turned.embedding) > 0.9


def test_hints_are_softmax_probabilities_in_descending_order(tagger: OnnxTagger) -> None:
    (result,) = tagger.tag([COFFEE])
    probabilities = [h.probability for h in result.hints]
    assert len(probabilities) == 5 and probabilities == sorted(probabilities, reverse=True)
    assert 0 < sum(probabilities) <= 1 + 1e-9
    assert all(h.label for h in result.hints)


def test_embeddings_are_unit_length_and_do_not_depend_on_the_batch(tagger: OnnxTagger) -> None:
    alone = tagger.tag([COFFEE])[0].embedding
    batch = tagger.tag([CHELSEA, b"junk", COFFEE, CHELSEA])
    assert alone is not None and batch[2].embedding is not None
    assert np.linalg.norm(alone) == pytest.approx(1.0, abs=1e-5)
    assert np.abs(alone - batch[2].embedding).max() < 1e-5
    assert batch[1].error is not None and batch[3].ok


def test_two_threads_give_the_same_embeddings() -> None:
    one = OnnxTagger(config=TaggerConfig(threads=1)).tag([CHELSEA])[0].embedding
    two = OnnxTagger(config=TaggerConfig(threads=2)).tag([CHELSEA])[0].embedding
    assert one is not None and two is not None
    assert np.abs(one - two).max() < 1e-5


def test_health_reports_the_model_in_use(tagger: OnnxTagger) -> None:
    assert tagger.health() == {
        "status": "ok",
        "reason": None,
        "model_path": str(DEFAULT_MODEL_PATH),
        "model_sha256": REFERENCE["sha256"],
        "threads": 1,
    }


@pytest.fixture
def model_copy(tmp_path: Path) -> Path:
    target = tmp_path / DEFAULT_MODEL_PATH.name
    shutil.copy(DEFAULT_MODEL_PATH, target)
    shutil.copy(DEFAULT_MODEL_PATH.with_name(DEFAULT_MODEL_PATH.name + ".sha256"), tmp_path)
    return target


def checksum(model: Path) -> Path:
    return model.with_name(model.name + ".sha256")


def test_a_model_with_one_byte_changed_is_refused_and_reports_go_to_triage(
    model_copy: Path, caplog: pytest.LogCaptureFixture
) -> None:
    data = bytearray(model_copy.read_bytes())
    data[len(data) // 2] ^= 0x01
    model_copy.write_bytes(bytes(data))
    with caplog.at_level(logging.ERROR, logger="cv.tagger"):
        tagger = load_tagger(model_copy)
    assert isinstance(tagger, UnavailableTagger)
    health = tagger.health()
    assert health["status"] == "unavailable"
    assert f"expected {REFERENCE['sha256']}" in health["reason"]
    assert health["model_sha256"] not in (None, REFERENCE["sha256"])
    assert [r.levelno for r in caplog.records] == [logging.ERROR]
    assert "UNAVAILABLE" in caplog.records[0].getMessage()
    assert tagger.tag([CHELSEA])[0].ok  # the report's photo is still accepted and analysed


def test_a_wrong_checksum_file_is_refused(model_copy: Path) -> None:
    checksum(model_copy).write_text("0" * 64 + "  efficientnet_lite0.onnx\n")
    with pytest.raises(ModelIntegrityError, match="expected 0000"):
        OnnxTagger(model_copy)


def test_a_missing_checksum_file_is_refused(model_copy: Path) -> None:
    checksum(model_copy).unlink()
    with pytest.raises(ModelIntegrityError, match="no usable sha256 file"):
        OnnxTagger(model_copy)


def test_a_missing_model_gives_an_unavailable_tagger_saying_so(tmp_path: Path) -> None:
    tagger = load_tagger(tmp_path / "nothing.onnx")
    assert isinstance(tagger, UnavailableTagger)
    assert tagger.health()["reason"] == f"model file {tmp_path / 'nothing.onnx'} cannot be read: no such file"


def test_a_corrupt_model_whose_checksum_matches_is_refused_by_onnxruntime(model_copy: Path) -> None:
    import hashlib

    garbage = b"this is not an onnx graph" * 100
    model_copy.write_bytes(garbage)
    checksum(model_copy).write_text(f"{hashlib.sha256(garbage).hexdigest()}  {model_copy.name}\n")
    with pytest.raises(ModelCorrupt, match="onnxruntime cannot load it"):
        OnnxTagger(model_copy)
    assert "cannot be used" in load_tagger(model_copy).health()["reason"]


def test_tag_paths_gives_json_records_in_order_with_errors_named(tagger: OnnxTagger, tmp_path: Path) -> None:
    text = tmp_path / "laporan.jpg"
    text.write_text("bukan foto")
    paths = [PHOTOS / "opencv_ela_original.jpg", tmp_path / "missing.jpg", text, PHOTOS / "coffee.jpg"]
    records = json.loads(json.dumps(tag_paths(paths, tagger, limits=ImageLimits(max_bytes=100_000))))
    assert [r["path"] for r in records] == [str(p) for p in paths]
    assert [r.get("error", {}).get("kind") for r in records] == [
        "file_too_large",  # 189 038 bytes, refused before reading
        "unreadable_file",
        "not_an_image",
        None,
    ]
    assert records[2]["error"]["message"].startswith(f"{text}: not a supported image")
    assert records[3]["model_sha256"] == REFERENCE["sha256"]
    assert records[3]["imagenet_hints"][0]["label"] == "espresso"


def test_the_command_line_prints_json_and_fails_on_a_bad_photo(capsys: pytest.CaptureFixture[str]) -> None:
    status = main(["tag", str(PHOTOS / "opencv_ela_original.jpg"), "--embedding"])
    (record,) = json.loads(capsys.readouterr().out)
    assert status == 0
    assert record["exif"]["gps"] == pytest.approx({"lat": -23.5226029, "lon": -47.5044985})
    assert len(record["embedding"]) == 1280
    assert main(["tag", str(ROOT / "README.md")]) == 1
