"""The tagger port and its adapters: photos in, per-photo facts out.

``AbstractTagger.tag(images)`` takes the uploaded bytes of many photos and returns one
``TagResult`` per photo, in order. A photo that cannot be used carries its ``ImageError`` and
never fails the rest of the batch.

Each ``TagResult`` has:

* ``embedding``: float32[1280], **L2-normalised** (unit length), so cosine similarity is a dot
  product. Only comparable with embeddings from the same model: store ``model_sha256`` with it.
* ``hints``: the top-k ImageNet classes with softmax probabilities. These are **hints shown to
  staff** ("street sign 0.41, manhole cover 0.12"), never complaint categories: the category
  comes from ``cv.head`` (trained on staff labels) and ``cv.decision``.
* ``quality``, ``exif``, ``phash``: computed without the model, so they are present even from the
  ``UnavailableTagger``.

Adapters:

* ``OnnxTagger``: the real model. Its onnxruntime session is built once, in the constructor,
  after the model's bytes have matched their ``.sha256`` file. Decoding runs in a thread pool
  (Pillow releases the GIL) while the session works on the previous batch.
* ``UnavailableTagger``: what ``load_tagger`` returns when the model cannot be used. It records
  why, and still analyses photos, so reports are accepted and go to manual triage.
* ``FakeTagger``: for unit tests of callers. The real analysis, with deterministic embeddings
  instead of the model.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from enum import StrEnum
from functools import cache
from pathlib import Path
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt

from cv.analysis import PhotoAnalysis, analyse
from cv.errors import DecoderFailure, ImageError, ModelCorrupt, ModelError, ModelIntegrityError
from cv.exif import ExifInfo
from cv.images import DEFAULT_LIMITS, MODEL_SIZE, ImageLimits
from cv.modelfile import read_verified
from cv.quality import DEFAULT_THRESHOLDS, Quality, QualityThresholds
from cv.vectors import EMBEDDING_DIM, F32Array, l2_normalise

logger = logging.getLogger(__name__)

CV_DIR = Path(__file__).resolve().parent
DEFAULT_MODEL_PATH = CV_DIR / "models" / "efficientnet_lite0.onnx"
DEFAULT_CLASSES_PATH = CV_DIR / "imagenet_classes.json"
CITY_HINTS_PATH = CV_DIR / "imagenet_city_id.json"
NUM_CLASSES = 1000
OUTPUTS = ("logits", "embedding")


class TaggerStatus(StrEnum):
    OK = "ok"
    UNAVAILABLE = "unavailable"


@dataclass(frozen=True)
class TaggerConfig:
    """How a tagger uses the machine, and the limits and thresholds it applies to every photo.

    ``threads`` is onnxruntime's intra-op pool (inter-op is always 1); ``decode_workers`` is the
    decoding thread pool, the same number unless set. On the 2-core machines measured by
    bench/cv.py, onnxruntime's second thread slowed this model down: prefer ``threads=1`` with
    ``decode_workers=2`` (decoding overlaps the model), or two worker processes with one each.
    ``batch_size`` is photos per model run within one ``tag()`` call.
    """

    threads: int = 1
    batch_size: int = 16
    top_k: int = 5
    decode_workers: int | None = None
    limits: ImageLimits = DEFAULT_LIMITS
    thresholds: QualityThresholds = DEFAULT_THRESHOLDS
    classes_path: Path = DEFAULT_CLASSES_PATH

    def __post_init__(self) -> None:
        sizes = (self.threads, self.batch_size, self.top_k, 1 if self.decode_workers is None else self.decode_workers)
        if min(sizes) < 1:
            raise ValueError(f"threads, batch_size, top_k and decode_workers must be at least 1: {self}")

    @property
    def workers(self) -> int:
        return self.decode_workers or self.threads


DEFAULT_CONFIG = TaggerConfig()


@dataclass(frozen=True)
class Hint:
    """An ImageNet class the photo resembles: a hint for staff, never a complaint category."""

    class_id: int
    label: str
    probability: float


@dataclass(frozen=True)
class TagResult:
    index: int
    embedding: F32Array | None = None
    hints: tuple[Hint, ...] = ()
    quality: Quality | None = None
    exif: ExifInfo | None = None
    phash: int | None = None
    analysis: PhotoAnalysis | None = field(default=None, repr=False)
    error: ImageError | None = None

    @property
    def ok(self) -> bool:
        return self.error is None

    def to_dict(self, include_embedding: bool = False) -> dict[str, Any]:
        if self.error is not None:
            return {"index": self.index, "error": {"kind": self.error.kind, "message": str(self.error)}}
        record: dict[str, Any] = {"index": self.index, **(self.analysis.to_dict() if self.analysis else {})}
        record["imagenet_hints"] = [{"label": h.label, "probability": round(h.probability, 4)} for h in self.hints]
        record["has_embedding"] = self.embedding is not None
        if include_embedding and self.embedding is not None:
            record["embedding"] = [round(float(v), 6) for v in self.embedding]
        return record


class AbstractTagger(Protocol):
    @property
    def model_sha256(self) -> str | None: ...

    def tag(self, images: Sequence[bytes], sources: Sequence[str] | None = None) -> list[TagResult]:
        """One result per photo, in order. ``sources`` name the photos in error messages."""
        ...

    def health(self) -> dict[str, Any]: ...


Analysed = PhotoAnalysis | ImageError


def analyse_all(
    images: Sequence[bytes], config: TaggerConfig, sources: Sequence[str] | None = None
) -> Iterator[tuple[int, Analysed]]:
    """Each photo's analysis or its error, in order; decoded in a thread pool when workers > 1."""
    names = list(sources) if sources is not None else [f"photo #{i}" for i in range(len(images))]
    if len(names) != len(images):
        raise ValueError(f"{len(names)} source names for {len(images)} photos")
    jobs = [(i, data, names[i], config) for i, data in enumerate(images)]
    if config.workers == 1 or len(images) < 2:
        yield from map(_analyse_one, jobs)
        return
    with ThreadPoolExecutor(max_workers=config.workers, thread_name_prefix="cv-decode") as pool:
        yield from pool.map(_analyse_one, jobs)


def _analyse_one(job: tuple[int, bytes, str, TaggerConfig]) -> tuple[int, Analysed]:
    index, data, source, config = job
    try:
        return index, analyse(data, config.limits, config.thresholds, source=source)
    except ImageError as exc:
        return index, exc
    # Pillow's decoders can raise anything on a crafted file; it must not sink the whole batch.
    except Exception as exc:
        logger.exception("unexpected decoder failure on %s", source)
        return index, DecoderFailure(source, f"{type(exc).__name__}: {exc}")


def _chunks(items: Iterable[tuple[int, Analysed]], size: int) -> Iterator[list[tuple[int, Analysed]]]:
    iterator = iter(items)
    while chunk := list(itertools.islice(iterator, size)):
        yield chunk


def _without_model(index: int, item: Analysed) -> TagResult:
    if isinstance(item, ImageError):
        return TagResult(index, error=item)
    return TagResult(index, quality=item.quality, exif=item.exif, phash=item.phash, analysis=item)


def _with_model(index: int, item: PhotoAnalysis, embedding: F32Array, hints: tuple[Hint, ...]) -> TagResult:
    return TagResult(index, embedding, hints, item.quality, item.exif, item.phash, item)


def softmax(logits: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    shifted = logits.astype(np.float64) - logits.max(axis=-1, keepdims=True)
    exp = np.exp(shifted)
    return np.asarray(exp / exp.sum(axis=-1, keepdims=True), dtype=np.float64)


def top_hints(logits: npt.NDArray[np.float32], classes: Sequence[str], k: int) -> tuple[Hint, ...]:
    probabilities = softmax(logits)
    order = np.argsort(-probabilities)[:k]
    return tuple(Hint(int(i), classes[int(i)], float(probabilities[i])) for i in order)


@cache
def city_hint_names() -> dict[str, str]:
    """The ImageNet classes that tell a dispatcher something about a city complaint, by their
    English label, with their names in Bahasa Indonesia."""
    raw: dict[str, str] = json.loads(CITY_HINTS_PATH.read_text(encoding="utf-8"))
    return {label: name for label, name in raw.items() if not label.startswith("_")}


def load_classes(path: Path) -> list[str]:
    try:
        names = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ModelCorrupt(str(path), f"class names unreadable: {exc}") from None
    if not (isinstance(names, list) and len(names) == NUM_CLASSES and all(isinstance(n, str) for n in names)):
        raise ModelCorrupt(str(path), f"expected a JSON list of {NUM_CLASSES} class names")
    return names


class OnnxTagger:
    """EfficientNet-Lite0 through onnxruntime; raises a ``ModelError`` if the model cannot be used."""

    def __init__(self, model_path: Path | str = DEFAULT_MODEL_PATH, config: TaggerConfig = DEFAULT_CONFIG) -> None:
        self.model_path = Path(model_path)
        self.config = config
        data, self._sha256 = read_verified(self.model_path)
        self.classes = load_classes(config.classes_path)
        self._session = _build_session(data, config.threads, self.model_path)

    @property
    def model_sha256(self) -> str:
        return self._sha256

    def health(self) -> dict[str, Any]:
        return {
            "status": TaggerStatus.OK.value,
            "reason": None,
            "model_path": str(self.model_path),
            "model_sha256": self._sha256,
            "threads": self.config.threads,
        }

    def run_model(self, pixels: npt.NDArray[np.uint8]) -> tuple[npt.NDArray[np.float32], F32Array]:
        """The graph's raw outputs for a uint8 NHWC batch: (logits, embeddings before normalising)."""
        logits, embedding = self._session.run(list(OUTPUTS), {"image": pixels})
        return np.asarray(logits, dtype=np.float32), np.asarray(embedding, dtype=np.float32)

    def tag(self, images: Sequence[bytes], sources: Sequence[str] | None = None) -> list[TagResult]:
        results: list[TagResult] = []
        for chunk in _chunks(analyse_all(images, self.config, sources), self.config.batch_size):
            results.extend(self._tag_chunk(chunk))
        return results

    def _tag_chunk(self, chunk: list[tuple[int, Analysed]]) -> list[TagResult]:
        good = [(i, a) for i, a in chunk if isinstance(a, PhotoAnalysis)]
        tagged: dict[int, TagResult] = {}
        if good:
            logits, raw = self.run_model(np.stack([a.pixels for _, a in good]))
            embeddings = l2_normalise(raw)
            for row, (i, a) in enumerate(good):
                hints = top_hints(logits[row], self.classes, self.config.top_k)
                tagged[i] = _with_model(i, a, embeddings[row], hints)
        return [tagged.get(i) or _without_model(i, a) for i, a in chunk]


def _build_session(data: bytes, threads: int, path: Path) -> Any:
    import onnxruntime as ort  # here, not at module import: importing cv.tagger builds nothing

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.log_severity_level = 3
    if threads > 1:
        # Idle intra-op threads spin by default, taking the CPU the decode pool needs (bench/cv.py).
        options.add_session_config_entry("session.intra_op.allow_spinning", "0")
    try:
        session = ort.InferenceSession(data, sess_options=options, providers=["CPUExecutionProvider"])
    # onnxruntime's pybind errors (InvalidProtobuf, Fail, InvalidGraph...) share no public base class.
    except Exception as exc:
        raise ModelCorrupt(str(path), f"onnxruntime cannot load it: {exc}") from None
    _check_contract(session, path)
    return session


def _check_contract(session: Any, path: Path) -> None:
    inputs = {i.name: i for i in session.get_inputs()}
    outputs = {o.name: o for o in session.get_outputs()}
    image = inputs.get("image")
    if image is None or image.type != "tensor(uint8)" or list(image.shape[1:]) != [MODEL_SIZE, MODEL_SIZE, 3]:
        raise ModelCorrupt(str(path), "expected input 'image' uint8 [N,224,224,3]")
    expected = {"logits": NUM_CLASSES, "embedding": EMBEDDING_DIM}
    for name, width in expected.items():
        if name not in outputs or outputs[name].shape[-1] != width:
            raise ModelCorrupt(str(path), f"expected output {name!r} [N,{width}]")


class UnavailableTagger:
    """The model cannot be used: photos are still analysed, nothing is embedded or hinted."""

    def __init__(
        self,
        reason: str,
        model_path: Path | str,
        model_sha256: str | None = None,
        config: TaggerConfig = DEFAULT_CONFIG,
    ) -> None:
        self.reason, self.model_path, self._sha256, self.config = reason, Path(model_path), model_sha256, config

    @property
    def model_sha256(self) -> str | None:
        return self._sha256

    def health(self) -> dict[str, Any]:
        return {
            "status": TaggerStatus.UNAVAILABLE.value,
            "reason": self.reason,
            "model_path": str(self.model_path),
            "model_sha256": self._sha256,
        }

    def tag(self, images: Sequence[bytes], sources: Sequence[str] | None = None) -> list[TagResult]:
        return [_without_model(i, a) for i, a in analyse_all(images, self.config, sources)]


def load_tagger(model_path: Path | str = DEFAULT_MODEL_PATH, config: TaggerConfig = DEFAULT_CONFIG) -> AbstractTagger:
    """The ONNX tagger, or an ``UnavailableTagger`` saying why not (logged once, at error level)."""
    try:
        return OnnxTagger(model_path, config)
    except ModelError as exc:
        logger.error("photo tagger UNAVAILABLE, reports go to manual triage: %s", exc)
        sha = exc.actual if isinstance(exc, ModelIntegrityError) else None
        return UnavailableTagger(str(exc), model_path, sha, config)


def fake_embedding(data: bytes, dim: int = EMBEDDING_DIM) -> F32Array:
    """A deterministic unit vector derived from the bytes: equal bytes, equal vectors."""
    seed = int.from_bytes(hashlib.sha256(data).digest()[:8], "big")
    return l2_normalise(np.random.default_rng(seed).standard_normal(dim).astype(np.float32))


class FakeTagger:
    """The real photo analysis with a stand-in for the model.

    ``embeddings`` maps a photo's bytes to the vector to return (to make two photos look alike in
    a caller's test); other photos get ``fake_embedding``. ``hints`` are returned for every photo.
    ``calls`` records each batch it was given.
    """

    def __init__(
        self,
        embeddings: Mapping[bytes, npt.ArrayLike] | None = None,
        hints: Sequence[Hint] = (),
        model_sha256: str = "0" * 64,
        config: TaggerConfig = DEFAULT_CONFIG,
    ) -> None:
        self._embeddings = {k: l2_normalise(v) for k, v in (embeddings or {}).items()}
        self._hints, self._sha256, self.config = tuple(hints), model_sha256, config
        self.calls: list[int] = []

    @property
    def model_sha256(self) -> str:
        return self._sha256

    def health(self) -> dict[str, Any]:
        return {"status": TaggerStatus.OK.value, "reason": None, "model_path": "fake", "model_sha256": self._sha256}

    def tag(self, images: Sequence[bytes], sources: Sequence[str] | None = None) -> list[TagResult]:
        self.calls.append(len(images))
        return [self._result(i, a, images[i]) for i, a in analyse_all(images, self.config, sources)]

    def _result(self, index: int, item: Analysed, data: bytes) -> TagResult:
        if isinstance(item, ImageError):
            return _without_model(index, item)
        return _with_model(index, item, self._embed(data), self._hints)

    def _embed(self, data: bytes) -> F32Array:
        known = self._embeddings.get(data)
        return fake_embedding(data) if known is None else known
