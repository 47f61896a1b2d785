"""``tag_paths``: photos on disk to JSON-ready dicts, for ``tanggap cv tag PATH...``."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from cv.errors import FileTooLarge, ImageError, UnreadableFile
from cv.images import DEFAULT_LIMITS, ImageLimits
from cv.tagger import DEFAULT_MODEL_PATH, AbstractTagger, TagResult, load_tagger


def read_photo(path: Path, max_bytes: int) -> bytes:
    """The file's bytes; the size is checked before reading, so a huge file is never loaded."""
    try:
        size = path.stat().st_size
        if size > max_bytes:
            raise FileTooLarge(str(path), size, max_bytes)
        return path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(str(path), exc.strerror or str(exc)) from None


def tag_paths(
    paths: Sequence[str | Path],
    tagger: AbstractTagger | None = None,
    include_embedding: bool = False,
    limits: ImageLimits = DEFAULT_LIMITS,
) -> list[dict[str, Any]]:
    """One dict per path, in order: the photo's facts, or ``{"error": {"kind", "message"}}``.

    Without a tagger, the bundled model is loaded (or an ``UnavailableTagger`` says why not).
    """
    tagger = tagger or load_tagger(DEFAULT_MODEL_PATH)
    loaded: dict[int, bytes] = {}
    records: list[dict[str, Any]] = []
    for i, path in enumerate(paths):
        try:
            loaded[i] = read_photo(Path(path), limits.max_bytes)
            records.append({})
        except ImageError as exc:
            records.append(_error(exc))
    results = tagger.tag(list(loaded.values()), sources=[str(paths[i]) for i in loaded])
    for i, result in zip(loaded, results, strict=True):
        records[i] = _record(result, tagger, include_embedding)
    return [{"path": str(p), **r, "index": i} for i, (p, r) in enumerate(zip(paths, records, strict=True))]


def _error(exc: ImageError) -> dict[str, Any]:
    return {"error": {"kind": exc.kind, "message": str(exc)}}


def _record(result: TagResult, tagger: AbstractTagger, include_embedding: bool) -> dict[str, Any]:
    return {**result.to_dict(include_embedding), "model_sha256": tagger.model_sha256}


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m cv", description="Tag citizens' photos (JSON to stdout).")
    sub = parser.add_subparsers(dest="command", required=True)
    tag = sub.add_parser("tag", help="EXIF, quality, pHash, ImageNet hints for each photo")
    tag.add_argument("paths", nargs="+")
    tag.add_argument("--model", default=str(DEFAULT_MODEL_PATH))
    tag.add_argument("--embedding", action="store_true", help="include the 1280-float embedding")
    args = parser.parse_args(argv)
    records = tag_paths(args.paths, load_tagger(args.model), include_embedding=args.embedding)
    json.dump(records, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")
    return 1 if any("error" in r for r in records) else 0
