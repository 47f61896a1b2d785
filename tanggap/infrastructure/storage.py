"""Photos: checking an upload, making its public copy, and the storage port.

The original is kept private (the tagger and staff may need its EXIF); the public copy, which
`media_url` serves, carries no EXIF, XMP, comments or trailing data, and so no GPS position.
Keys are content addresses (`<sha256 of the original>.<ext>`): storing the same photo twice is
a no-op, and a photo stored by a submission that then failed is an unreferenced file, never a
broken reference.
"""

from __future__ import annotations

import hashlib
import io
import os
import re
import secrets
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from PIL import Image, ImageOps, UnidentifiedImageError

from states.errors import InvalidInput

FIELD = "media"
FORMATS = {"JPEG": ("jpg", "image/jpeg"), "PNG": ("png", "image/png"), "WEBP": ("webp", "image/webp")}
KEY = re.compile(r"^[0-9a-f]{64}\.(jpg|png|webp)$")
CONTENT_TYPES = {ext: mime for ext, mime in FORMATS.values()}

SOI, EOI, SOS, APP0, APP2, APP14 = 0xD8, 0xD9, 0xDA, 0xE0, 0xE2, 0xEE
STANDALONE = {0x01, *range(0xD0, 0xD8)}
ORIENTATION = 0x0112


@dataclass(frozen=True)
class PreparedPhoto:
    """A checked upload: the original bytes and its public copy, ready to store."""

    key: str
    original: bytes
    public: bytes
    content_type: str
    width: int
    height: int


@dataclass(frozen=True)
class StoredPhoto:
    original_key: str
    public_key: str
    created: bool = False  # this call wrote the files (they did not exist before)


# The public copy is for a phone's screen and a FixMyStreet page: its longest side is at most this.
PUBLIC_MAX_SIDE = 2048


def prepare_photo(data: bytes, max_bytes: int, max_pixels: int) -> PreparedPhoto:
    """Check an upload with Pillow and make its public copy. Raises InvalidInput('media', ...).
    The size and the pixel count are checked from the header, before anything is decoded."""
    if not data:
        raise InvalidInput(FIELD, "the photo is empty")
    if len(data) > max_bytes:
        raise InvalidInput(FIELD, f"the photo is {len(data):,} bytes; the limit is {max_bytes:,}")
    image = _open(data, max_pixels)
    ext, content_type = FORMATS[str(image.format)]
    if max(image.size) > PUBLIC_MAX_SIDE:
        public = _reencoded(image, PUBLIC_MAX_SIDE)
    else:
        public = _public_jpeg(data, image) if image.format == "JPEG" else _reencoded(image)
    key = f"{hashlib.sha256(data).hexdigest()}.{ext}"
    return PreparedPhoto(key, data, public, content_type, image.width, image.height)


def _open(data: bytes, max_pixels: int) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            # Only these decoders ever see the bytes: no TGA, PSD, EPS or other parser is reachable.
            image = Image.open(io.BytesIO(data), formats=list(FORMATS))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning):
        raise InvalidInput(FIELD, "the photo declares an enormous size (a decompression bomb)") from None
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        raise InvalidInput(FIELD, "the file is not an image; send a JPEG, PNG or WebP photo") from None
    if image.format not in FORMATS:
        raise InvalidInput(FIELD, f"{image.format} images are not accepted; send a JPEG, PNG or WebP photo")
    if image.width * image.height > max_pixels:
        raise InvalidInput(
            FIELD, f"the photo declares {image.width}x{image.height} pixels; the limit is {max_pixels:,} pixels"
        )
    return image


def _public_jpeg(data: bytes, image: Image.Image) -> bytes:
    """Drop the metadata segments without re-encoding: no quality loss and no decoding cost.

    A photo the camera stored rotated (EXIF orientation) is turned upright and re-encoded
    instead, since dropping the tag alone would show it on its side."""
    kept, scan = _jpeg_parts(data)
    if _orientation(image) not in (0, 1):
        return _reencoded(image)
    return b"\xff\xd8" + b"".join(kept) + scan


def _jpeg_parts(data: bytes) -> tuple[list[bytes], bytes]:
    """The segments worth keeping before the first scan, and the scans up to the end marker."""
    if data[:2] != b"\xff\xd8":
        raise InvalidInput(FIELD, "the JPEG does not start with a JPEG header")
    kept: list[bytes] = []
    pos = 2
    while pos + 4 <= len(data):
        if data[pos] != 0xFF:
            raise InvalidInput(FIELD, f"the JPEG is corrupt at byte {pos}")
        marker = data[pos + 1]
        if marker == 0xFF or marker in STANDALONE:
            pos += 1 if marker == 0xFF else 2
            continue
        end = pos + 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == SOS:
            return kept, _scans(data, pos)
        if _keep_segment(marker, data[pos + 4 : pos + 18]):
            kept.append(data[pos:end])
        pos = end
    raise InvalidInput(FIELD, "the JPEG is truncated: it has no image data")


def _scans(data: bytes, start: int) -> bytes:
    # Inside entropy-coded data a 0xFF byte is always followed by 0x00 or a restart marker, so
    # the first FFD9 after the scan starts is the end of the image. Bytes after it (phone
    # makers append previews, videos and maker notes there) are left out of the public copy.
    end = data.find(b"\xff\xd9", start)
    if end < 0:
        raise InvalidInput(FIELD, "the JPEG is truncated: its end marker is missing")
    return data[start : end + 2]


def _keep_segment(marker: int, head: bytes) -> bool:
    if marker in (APP0, APP14):  # JFIF and Adobe colour-transform headers decoders rely on
        return True
    if marker == APP2:
        return head.startswith(b"ICC_PROFILE\x00")
    return not (0xE0 <= marker <= 0xEF or marker == 0xFE)  # other APPn (EXIF, XMP, IPTC) and comments


def _orientation(image: Image.Image) -> int:
    try:
        return int(image.getexif().get(ORIENTATION, 1))
    except (ValueError, TypeError, OSError, SyntaxError):
        return 1


def _reencoded(image: Image.Image, max_side: int | None = None) -> bytes:
    """Decode (a truncated file fails here) and write a copy without metadata, at most `max_side`
    pixels on its longest side. A JPEG is decoded at the smallest DCT scale that still covers it."""
    try:
        if max_side and image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))
        image.load()
        upright = ImageOps.exif_transpose(image)
        if max_side:
            upright.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise InvalidInput(FIELD, "the photo is truncated or corrupt") from None
    out = io.BytesIO()
    icc = image.info.get("icc_profile")
    extra = {"icc_profile": icc} if icc else {}
    if image.format == "JPEG":
        upright.convert("RGB").save(out, "JPEG", quality=90, **extra)
    else:
        upright.save(out, str(image.format), **extra)
    return out.getvalue()


class AbstractPhotoStorage(Protocol):
    """Where photos live. A local folder now; an S3-compatible bucket can implement the same."""

    def put(self, photo: PreparedPhoto) -> StoredPhoto: ...
    def discard(self, key: str) -> None: ...
    def public(self, key: str) -> bytes | None: ...
    def original(self, key: str) -> bytes | None: ...


def check_key(key: str) -> str:
    if not KEY.match(key):
        raise InvalidInput("key", f"{key!r} is not a photo key")
    return key


def content_type(key: str) -> str:
    return CONTENT_TYPES[check_key(key).rsplit(".", 1)[1]]


class LocalPhotoStorage:
    """`<root>/original/ab/<key>` (private) and `<root>/public/ab/<key>` (served)."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._folders: set[Path] = set()  # made already: saves a mkdir call per photo

    def _path(self, area: str, key: str) -> Path:
        return self.root / area / check_key(key)[:2] / key

    def put(self, photo: PreparedPhoto) -> StoredPhoto:
        created = self._write_once(self._path("original", photo.key), photo.original)
        self._write_once(self._path("public", photo.key), photo.public)
        return StoredPhoto(photo.key, photo.key, created)

    def discard(self, key: str) -> None:
        """Remove a photo this process stored for a submission that then failed."""
        for area in ("original", "public"):
            self._path(area, key).unlink(missing_ok=True)

    def public(self, key: str) -> bytes | None:
        return _read(self._path("public", key))

    def original(self, key: str) -> bytes | None:
        return _read(self._path("original", key))

    def _write_once(self, path: Path, data: bytes) -> bool:
        if path.exists():
            return False
        if path.parent not in self._folders:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._folders.add(path.parent)
        # Write aside and rename: a reader never sees half a file, and two writers of the same
        # content-addressed key simply replace one complete copy with another.
        tmp = path.with_name(f".tmp-{secrets.token_hex(8)}")
        try:
            tmp.write_bytes(data)
            os.replace(tmp, path)
        except BaseException:
            tmp.unlink(missing_ok=True)
            raise
        return True


def _read(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        return None


class FakePhotoStorage:
    """In memory, for tests."""

    def __init__(self) -> None:
        self.originals: dict[str, bytes] = {}
        self.publics: dict[str, bytes] = {}

    def put(self, photo: PreparedPhoto) -> StoredPhoto:
        created = photo.key not in self.originals
        self.originals[photo.key] = photo.original
        self.publics[photo.key] = photo.public
        return StoredPhoto(photo.key, photo.key, created)

    def discard(self, key: str) -> None:
        self.originals.pop(key, None)
        self.publics.pop(key, None)

    def public(self, key: str) -> bytes | None:
        return self.publics.get(check_key(key))

    def original(self, key: str) -> bytes | None:
        return self.originals.get(check_key(key))
