"""Reading the model file only when its bytes match the sha256 recorded beside it."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

from cv.errors import ModelIntegrityError, ModelMissing

_HEX64 = re.compile(r"^[0-9a-f]{64}$")


def checksum_path(model_path: Path) -> Path:
    return model_path.with_name(model_path.name + ".sha256")


def expected_sha256(model_path: Path) -> str | None:
    """The digest in ``<model>.sha256`` (sha256sum format: ``<hex>  <name>``), or None if unusable."""
    try:
        text = checksum_path(model_path).read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    token = text.split(maxsplit=1)[0].lower() if text.strip() else ""
    return token if _HEX64.match(token) else None


def read_verified(model_path: Path) -> tuple[bytes, str]:
    """The model's bytes and their sha256. The bytes hashed are the bytes loaded: no swap in between."""
    try:
        data = model_path.read_bytes()
    except FileNotFoundError:
        raise ModelMissing(str(model_path)) from None
    except OSError as exc:
        raise ModelMissing(str(model_path), exc.strerror or str(exc)) from None
    actual = hashlib.sha256(data).hexdigest()
    expected = expected_sha256(model_path)
    if expected != actual:
        raise ModelIntegrityError(str(model_path), expected, actual)
    return data, actual
