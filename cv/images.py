"""Decoding uploaded photos safely, and the two views the rest of the pipeline uses.

``load_image`` turns bytes into an upright RGB ``Image`` or raises an ``ImageError`` that names the
problem. Limits are per call (an ``ImageLimits`` value), never Pillow's process-wide settings:

* ``max_bytes`` is checked before Pillow sees the data;
* ``max_pixels`` is checked on the header's size, before any pixel is decoded. The default, 64 MP
  (a 50 MP phone photo passes, a 108 MP one does not), is below Pillow's own
  ``MAX_IMAGE_PIXELS`` (89.5 MP), so every file for which Pillow emits a
  ``DecompressionBombWarning`` is refused here: the warning is, in effect, an error (Pillow still
  emits it, through the ``warnings`` module, before we refuse the file). Above twice
  that, Pillow raises ``DecompressionBombError`` while opening, which is mapped to the same
  ``DecompressionBomb``. We do not install a warnings filter: ``warnings.catch_warnings`` mutates
  process-wide state and is not thread-safe on Python 3.11, and decoding runs in a thread pool.
* a truncated or corrupt stream fails ``load()`` (Pillow's ``LOAD_TRUNCATED_IMAGES`` stays False).

JPEGs are decoded with ``Image.draft("RGB", draft_size)``: libjpeg scales by 1/2, 1/4 or 1/8 in
the IDCT, which is most of the cost of a 12 MP photo, and the pipeline never needs more than
``draft_size`` pixels. EXIF orientation is applied (``ImageOps.exif_transpose``) before anything
looks at the pixels.

``analysis_view`` is the photo scaled so that its shorter side is 256 (bicubic), as the model's
contract says; quality and pHash are measured on it. ``model_input`` centre-crops it to 224x224,
or letterboxes photos longer than 2:1 (panoramas, tall screenshots) so their subject is not
cropped away.
"""

from __future__ import annotations

import io
import re
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from PIL import Image, ImageOps, UnidentifiedImageError
from PIL.JpegImagePlugin import JpegImageFile

from cv.errors import DecompressionBomb, FileTooLarge, NotAnImage, TruncatedImage
from cv.exif import ExifInfo, read_exif

U8Array = npt.NDArray[np.uint8]

# MPO (multi-picture JPEG from some phones) opens through the JPEG entry.
ALLOWED_FORMATS = ("JPEG", "PNG", "WEBP")
MODEL_SIZE = 224
RESIZE_SHORT = 256
# Longer than this ratio, a centre crop would keep under half the photo: letterbox instead.
LETTERBOX_RATIO = 2.0
# Long side of the analysis view of a letterboxed photo; a short side of 256 could mean a huge image.
EXTREME_VIEW_LONG = 512
# The graph computes (x - 127) / 128, so 127 is a zero input: padding adds no signal.
PAD_VALUE = 127
# Box-reduce by an integer factor before the bicubic pass when shrinking by 2x or more:
# about half the cost of a plain bicubic on this machine, visually the same at 256 px.
REDUCING_GAP = 1.0
_BOMB_PIXELS = re.compile(r"\((\d+) pixels\)")


@dataclass(frozen=True)
class ImageLimits:
    """Per-call decoding limits. Defaults suit phone uploads (12-50 MP, a few MB)."""

    max_bytes: int = 20 * 1024 * 1024
    max_pixels: int = 64_000_000
    draft_size: tuple[int, int] = (512, 512)

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_pixels <= 0:
            raise ValueError(f"limits must be positive, got {self.max_bytes} bytes and {self.max_pixels} pixels")
        if min(self.draft_size) < RESIZE_SHORT:
            raise ValueError(f"draft_size {self.draft_size} is below the model's {RESIZE_SHORT} px shorter side")


DEFAULT_LIMITS = ImageLimits()


@dataclass(frozen=True)
class LoadedImage:
    """An upright RGB photo (possibly reduced by the JPEG draft) and what its EXIF said."""

    image: Image.Image
    exif: ExifInfo
    format: str
    original_size: tuple[int, int]


def load_image(data: bytes, limits: ImageLimits = DEFAULT_LIMITS, source: str = "image") -> LoadedImage:
    if len(data) > limits.max_bytes:
        raise FileTooLarge(source, len(data), limits.max_bytes)
    image = _open(data, source)
    original_size = image.size
    if original_size[0] * original_size[1] > limits.max_pixels:
        raise DecompressionBomb(source, original_size[0] * original_size[1], limits.max_pixels)
    # Read before exif_transpose, which deletes the orientation tag from the same Exif object.
    exif = _read_exif_block(image)
    if isinstance(image, JpegImageFile):
        image.draft("RGB", limits.draft_size)
    _decode(image, source)
    ImageOps.exif_transpose(image, in_place=True)
    return LoadedImage(_as_rgb(image), exif, str(image.format), original_size)


def _open(data: bytes, source: str) -> Image.Image:
    try:
        return Image.open(io.BytesIO(data), formats=ALLOWED_FORMATS)
    except UnidentifiedImageError:
        raise NotAnImage(source, f"expected one of {', '.join(ALLOWED_FORMATS)}") from None
    except Image.DecompressionBombError as exc:
        match = _BOMB_PIXELS.search(str(exc))
        raise DecompressionBomb(source, int(match.group(1)) if match else None, _pillow_hard_limit()) from None
    except (OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage(source, f"unreadable header: {exc}") from None


def _pillow_hard_limit() -> int:
    return 2 * int(Image.MAX_IMAGE_PIXELS or 0)


def _read_exif_block(image: Image.Image) -> ExifInfo:
    # A malformed EXIF block must not cost the citizen their photo: keep the pixels, note the loss.
    try:
        return read_exif(image.getexif())
    except (OSError, SyntaxError, ValueError, TypeError, KeyError) as exc:
        return ExifInfo(notes=(f"EXIF block unreadable and ignored: {exc}",))


def _decode(image: Image.Image, source: str) -> None:
    try:
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise TruncatedImage(source, str(exc)) from None


def _as_rgb(image: Image.Image) -> Image.Image:
    if image.mode == "RGB":
        return image
    if image.mode in ("P", "PA", "LA", "RGBA") or "transparency" in image.info:
        return image.convert("RGBA").convert("RGB")
    return image.convert("RGB")


def is_extreme(size: tuple[int, int]) -> bool:
    return max(size) > LETTERBOX_RATIO * min(size)


def analysis_view(image: Image.Image) -> Image.Image:
    """Shorter side 256 (bicubic); for photos longer than 2:1, longer side 512."""
    w, h = image.size
    if is_extreme((w, h)):
        scale = EXTREME_VIEW_LONG / max(w, h)
        size = (max(1, round(w * scale)), max(1, round(h * scale)))
    else:
        scale = RESIZE_SHORT / min(w, h)
        size = (max(RESIZE_SHORT, round(w * scale)), max(RESIZE_SHORT, round(h * scale)))
    return image.resize(size, Image.Resampling.BICUBIC, reducing_gap=REDUCING_GAP)


def model_input(view: Image.Image) -> U8Array:
    """224x224x3 uint8 RGB from an ``analysis_view``: centre crop, or letterbox when extreme."""
    if is_extreme(view.size):
        return _letterbox(view)
    w, h = view.size
    left, top = round((w - MODEL_SIZE) / 2), round((h - MODEL_SIZE) / 2)
    return np.asarray(view.crop((left, top, left + MODEL_SIZE, top + MODEL_SIZE)), dtype=np.uint8)


def _letterbox(view: Image.Image) -> U8Array:
    w, h = view.size
    scale = MODEL_SIZE / max(w, h)
    size = (max(1, round(w * scale)), max(1, round(h * scale)))
    canvas = Image.new("RGB", (MODEL_SIZE, MODEL_SIZE), (PAD_VALUE, PAD_VALUE, PAD_VALUE))
    offset = ((MODEL_SIZE - size[0]) // 2, (MODEL_SIZE - size[1]) // 2)
    canvas.paste(view.resize(size, Image.Resampling.BICUBIC), offset)
    return np.asarray(canvas, dtype=np.uint8)
