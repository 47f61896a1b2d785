"""Photos per second through the whole CV pipeline, and what decoding alone would allow.

End to end means: decode with draft, EXIF, quality, pHash, embedding and ImageNet hints through
the ONNX model (``OnnxTagger.tag``), then the category head's prediction. Two upload kinds:

* ~2 MP JPEGs (1632x1224, what phone apps send after their own resize);
* 12 MP originals (4032x3024).

Test photos are made here from the two small fixture photos (upscaled, with per-photo noise so no
two files are alike, with phone-like EXIF); nothing big is committed. Configurations: one process
with 1 or 2 threads (onnxruntime intra-op threads = decode pool size), in ``tag()`` calls of 1, 8
or 32 photos; and two processes with one thread each (how a 2-core worker host would run it).

For 12 MP the script prints the ratio of end-to-end throughput to decode-only throughput (the
same files through ``Image.draft`` + decode and nothing else, with the same parallelism).

Run: .venv/bin/python bench/cv.py [--rounds N]    (about 4 minutes on 2 cores)

This machine's speed drifts (shared host): configurations are measured in interleaved rounds and
the best round is reported, with the median beside it.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Replace the script folder on the path: bench/calendar.py would shadow the standard library.
sys.path[0] = str(Path(__file__).resolve().parents[1])

import argparse  # noqa: E402
import functools  # noqa: E402
import io  # noqa: E402
import multiprocessing  # noqa: E402
import statistics  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable, Sequence  # noqa: E402
from concurrent.futures import ThreadPoolExecutor  # noqa: E402
from multiprocessing.pool import Pool  # noqa: E402

import numpy as np  # noqa: E402
from PIL import Image  # noqa: E402

from cv.analysis import analyse  # noqa: E402
from cv.head import CategoryHead, train_head  # noqa: E402
from cv.images import DEFAULT_LIMITS  # noqa: E402
from cv.tagger import DEFAULT_MODEL_PATH, OnnxTagger, TaggerConfig  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = [ROOT / "tests" / "fixtures" / "photos" / n for n in ("chelsea.jpg", "coffee.jpg")]
KINDS = {"2 MP": (1632, 1224), "12 MP": (4032, 3024)}
BATCHES = (1, 8, 32)
CATEGORIES = ("jalan-rusak", "sampah-menumpuk", "banjir-genangan", "lampu-jalan-mati", "pohon-tumbang")
# onnxruntime intra-op threads, decode pool size, photos per model run.
CONFIGS = {
    "1t": TaggerConfig(threads=1, decode_workers=1, batch_size=8),
    "2t": TaggerConfig(threads=2, decode_workers=2, batch_size=8),
    "1t+2 decoders": TaggerConfig(threads=1, decode_workers=2, batch_size=8),
}
PROCESSES = "2 processes x 1t"
TARGET_2MP = 150.0
TARGET_RATIO = 0.8


def phone_exif(seed: int) -> Image.Exif:
    exif = Image.Exif()
    exif[0x0112] = 1
    exif.get_ifd(0x8825).update({1: "S", 2: (10.0, 9.0, float(seed % 60)), 3: "E", 4: (123.0, 36.0, 0.0)})
    exif.get_ifd(0x8769)[0x9003] = "2026:10:05 08:30:00"
    return exif


def make_photo(size: tuple[int, int], seed: int) -> bytes:
    base = Image.open(FIXTURES[seed % len(FIXTURES)]).convert("RGB").resize(size, Image.Resampling.BICUBIC)
    noise = np.random.default_rng(seed).integers(-5, 6, size=(size[1], size[0], 3), dtype=np.int16)
    pixels = np.clip(np.asarray(base, dtype=np.int16) + noise, 0, 255).astype(np.uint8)
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG", quality=90, exif=phone_exif(seed))
    return out.getvalue()


def photo_set(size: tuple[int, int], count: int, distinct: int) -> list[bytes]:
    unique = [make_photo(size, seed) for seed in range(distinct)]
    return [unique[i % distinct] for i in range(count)]


def decode_only(data: bytes) -> None:
    image = Image.open(io.BytesIO(data))
    image.draft("RGB", DEFAULT_LIMITS.draft_size)
    image.load()


def timed_rate(work: Callable[[], object], count: int) -> float:
    began = time.perf_counter()
    work()
    return count / (time.perf_counter() - began)


def rate(work: Callable[[], object], count: int) -> float:
    """Photos per second of one run after a warm-up run (for the per-stage costs)."""
    work()
    return timed_rate(work, count)


def decode_work(photos: Sequence[bytes], pool: ThreadPoolExecutor | None) -> Callable[[], object]:
    if pool is None:
        return lambda: [decode_only(p) for p in photos]
    return lambda: list(pool.map(decode_only, photos))


def end_to_end(tagger: OnnxTagger, head: CategoryHead, photos: Sequence[bytes], batch: int) -> None:
    for start in range(0, len(photos), batch):
        results = tagger.tag(photos[start : start + batch])
        embeddings = [r.embedding for r in results if r.embedding is not None]
        head.predict_many(np.stack(embeddings))


def demo_head(model_sha256: str) -> CategoryHead:
    """A logistic-regression head of the production shape (5 categories, 1280 inputs)."""
    rng = np.random.default_rng(0)
    labels = [CATEGORIES[i % len(CATEGORIES)] for i in range(60)]
    return train_head(rng.random((60, 1280), dtype=np.float32), labels, model_sha256)


# ----------------------------------------------------------------------------- worker processes

_WORKER: tuple[OnnxTagger, CategoryHead] | None = None


def _start_worker() -> None:
    global _WORKER
    tagger = OnnxTagger(DEFAULT_MODEL_PATH, CONFIGS["1t"])
    _WORKER = (tagger, demo_head(tagger.model_sha256))


def _worker_batch(photos: list[bytes]) -> int:
    assert _WORKER is not None
    end_to_end(_WORKER[0], _WORKER[1], photos, len(photos))
    return len(photos)


def process_work(pool: Pool, photos: Sequence[bytes], batch: int) -> Callable[[], object]:
    chunks = [list(photos[i : i + batch]) for i in range(0, len(photos), batch)]
    return lambda: pool.map(_worker_batch, chunks, chunksize=1)


# ----------------------------------------------------------------------------- report


def stage_costs(photos: Sequence[bytes]) -> dict[str, float]:
    """Milliseconds per photo for each stage, one thread."""
    tagger = OnnxTagger(DEFAULT_MODEL_PATH, TaggerConfig(threads=1))
    head = demo_head(tagger.model_sha256)
    pixels = np.stack([analyse(p).pixels for p in photos[:8]])
    embeddings = tagger.run_model(pixels)[1]
    return {
        "decode (draft)": 1000 / rate(lambda: [decode_only(p) for p in photos], len(photos)),
        "decode + EXIF + quality + pHash + crop": 1000 / rate(lambda: [analyse(p) for p in photos], len(photos)),
        "model (batch of 8)": 1000 / rate(lambda: tagger.run_model(pixels), len(pixels)),
        "head (batch of 8)": 1000 / rate(lambda: head.predict_many(embeddings), len(embeddings)),
    }


def bench_kind(name: str, photos: list[bytes], rounds: int, pool: Pool) -> dict[str, list[float]]:
    print(f"\n== {name}: {len(photos)} photos, {np.mean([len(p) for p in photos]) / 1e6:.2f} MB each on average")
    for stage, ms in stage_costs(photos).items():
        print(f"  {stage:40s} {ms:7.1f} ms/photo")
    with ThreadPoolExecutor(2) as decoders:
        works = workloads(photos, decoders, pool)
        rates: dict[str, list[float]] = {label: [] for label in works}
        for _ in range(rounds + 1):  # the first round warms up and is not recorded
            for label, work in works.items():
                rates[label].append(timed_rate(work, len(photos)))
    rates = {label: values[1:] for label, values in rates.items()}
    print(f"  {'photos/s, best and median of ' + str(rounds) + ' interleaved rounds':40s}   best  median")
    for label, values in rates.items():
        print(f"  {label:40s} {max(values):6.1f} {statistics.median(values):7.1f}")
    return rates


def workloads(photos: list[bytes], decoders: ThreadPoolExecutor, pool: Pool) -> dict[str, Callable[[], object]]:
    works = {"decode-only 1t": decode_work(photos, None), "decode-only 2t": decode_work(photos, decoders)}
    for label, config in CONFIGS.items():
        tagger = OnnxTagger(DEFAULT_MODEL_PATH, config)
        head = demo_head(tagger.model_sha256)
        for batch in BATCHES:
            works[f"e2e {label} b{batch}"] = functools.partial(end_to_end, tagger, head, photos, batch)
    for batch in BATCHES:
        works[f"e2e {PROCESSES} b{batch}"] = process_work(pool, photos, batch)
    return works


def summary(results: dict[str, dict[str, list[float]]]) -> None:
    print("\n== summary (best of the rounds; ratios are medians of per-round ratios)")
    two = {label: max(values) for label, values in results["2 MP"].items()}
    best = max((label for label in two if label.startswith("e2e")), key=two.__getitem__)
    share = two[best] / TARGET_2MP
    print(f"  2 MP best end to end: {two[best]:.1f} photos/s ({best}); target {TARGET_2MP:.0f}/s, ratio {share:.2f}")
    twelve = results["12 MP"]
    pairs = [
        ("decode-only 1t", "e2e 1t b32"),
        ("decode-only 2t", "e2e 2t b32"),
        ("decode-only 2t", "e2e 1t+2 decoders b32"),
        ("decode-only 2t", f"e2e {PROCESSES} b32"),
    ]
    for decode_key, e2e_key in pairs:
        ratios = [e / d for e, d in zip(twelve[e2e_key], twelve[decode_key], strict=True)]
        e2e, decode = max(twelve[e2e_key]), max(twelve[decode_key])
        print(f"  12 MP {e2e_key} / {decode_key}: {e2e:.1f} / {decode:.1f} photos/s", end="")
        print(f", ratio {statistics.median(ratios):.2f} (target {TARGET_RATIO})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=3, help="timed rounds per configuration (default 3)")
    args = parser.parse_args()
    print(f"model {DEFAULT_MODEL_PATH.name}; {multiprocessing.cpu_count()} CPUs; generating test photos...")
    sets = {"2 MP": photo_set(KINDS["2 MP"], 64, distinct=16), "12 MP": photo_set(KINDS["12 MP"], 32, distinct=8)}
    with multiprocessing.get_context("spawn").Pool(2, initializer=_start_worker) as pool:
        pool.map(_worker_batch, [sets["2 MP"][:1]] * 2, chunksize=1)  # both workers loaded and warm
        results = {name: bench_kind(name, photos, args.rounds, pool) for name, photos in sets.items()}
    summary(results)


if __name__ == "__main__":
    main()
