"""Errors of the photo pipeline. Each is a ValueError that names what went wrong.

Every constructor passes its own arguments to ``super().__init__`` so the exception pickles
(results cross process boundaries in the bench and in worker pools), and ``__str__`` builds
the message a dispatcher or a log reader sees.
"""

from __future__ import annotations


class CvError(ValueError):
    """Base of every photo-pipeline error; ``kind`` is a stable machine-readable name."""

    kind = "cv_error"


class ImageError(CvError):
    """One uploaded photo cannot be used; the rest of its batch is unaffected."""

    kind = "image_error"


class FileTooLarge(ImageError):
    kind = "file_too_large"

    def __init__(self, source: str, size_bytes: int, limit_bytes: int) -> None:
        super().__init__(source, size_bytes, limit_bytes)
        self.source, self.size_bytes, self.limit_bytes = source, size_bytes, limit_bytes

    def __str__(self) -> str:
        return f"{self.source}: file is {self.size_bytes} bytes; the limit is {self.limit_bytes}"


class NotAnImage(ImageError):
    kind = "not_an_image"

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(source, detail)
        self.source, self.detail = source, detail

    def __str__(self) -> str:
        return f"{self.source}: not a supported image ({self.detail})"


class TruncatedImage(ImageError):
    kind = "truncated_image"

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(source, detail)
        self.source, self.detail = source, detail

    def __str__(self) -> str:
        return f"{self.source}: image data is truncated or corrupt ({self.detail})"


class DecompressionBomb(ImageError):
    kind = "decompression_bomb"

    def __init__(self, source: str, pixels: int | None, limit_pixels: int) -> None:
        super().__init__(source, pixels, limit_pixels)
        self.source, self.pixels, self.limit_pixels = source, pixels, limit_pixels

    def __str__(self) -> str:
        size = "more pixels than" if self.pixels is None else f"{self.pixels} pixels, over"
        return f"{self.source}: header declares {size} the limit of {self.limit_pixels}: a decompression bomb"


class DecoderFailure(ImageError):
    """The decoder raised something unexpected: still this photo's problem, logged with its traceback."""

    kind = "decoder_failure"

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(source, detail)
        self.source, self.detail = source, detail

    def __str__(self) -> str:
        return f"{self.source}: the image decoder failed unexpectedly ({self.detail})"


class UnreadableFile(ImageError):
    kind = "unreadable_file"

    def __init__(self, source: str, detail: str) -> None:
        super().__init__(source, detail)
        self.source, self.detail = source, detail

    def __str__(self) -> str:
        return f"{self.source}: cannot be read ({self.detail})"


class ModelError(CvError):
    """The model file cannot be used; reports still get accepted and go to manual triage."""

    kind = "model_error"


class ModelMissing(ModelError):
    kind = "model_missing"

    def __init__(self, path: str, detail: str = "no such file") -> None:
        super().__init__(path, detail)
        self.path, self.detail = path, detail

    def __str__(self) -> str:
        return f"model file {self.path} cannot be read: {self.detail}"


class ModelIntegrityError(ModelError):
    """The model's bytes do not match its recorded sha256, or the checksum is unusable."""

    kind = "model_integrity"

    def __init__(self, path: str, expected: str | None, actual: str) -> None:
        super().__init__(path, expected, actual)
        self.path, self.expected, self.actual = path, expected, actual

    def __str__(self) -> str:
        if self.expected is None:
            return f"model file {self.path}: no usable sha256 file beside it (actual sha256 {self.actual})"
        return f"model file {self.path}: sha256 is {self.actual}, expected {self.expected}"


class ModelCorrupt(ModelError):
    """The checksum matched (or was not the problem) but onnxruntime or the contract rejects it."""

    kind = "model_corrupt"

    def __init__(self, path: str, detail: str) -> None:
        super().__init__(path, detail)
        self.path, self.detail = path, detail

    def __str__(self) -> str:
        return f"model file {self.path} cannot be used: {self.detail}"


class HeadFormatError(CvError):
    """A category-head artefact is not one this code can read."""

    kind = "head_format"

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem

    def __str__(self) -> str:
        return f"category head artefact: {self.problem}"


class HeadTrainingError(CvError):
    """The labels given cannot train a head (for example fewer than two categories)."""

    kind = "head_training"

    def __init__(self, problem: str) -> None:
        super().__init__(problem)
        self.problem = problem

    def __str__(self) -> str:
        return f"cannot train the category head: {self.problem}"


class HeadModelMismatch(CvError):
    """A head trained on one model's embeddings was asked to judge another model's."""

    kind = "head_model_mismatch"

    def __init__(self, head_sha256: str, model_sha256: str) -> None:
        super().__init__(head_sha256, model_sha256)
        self.head_sha256, self.model_sha256 = head_sha256, model_sha256

    def __str__(self) -> str:
        return (
            f"the category head was trained on model {self.head_sha256[:12]}…, "
            f"but the embeddings come from model {self.model_sha256[:12]}…; retrain the head"
        )


class KeywordRuleError(CvError):
    """A supervisor-edited keyword rule is unusable."""

    kind = "keyword_rule"

    def __init__(self, keyword: str, problem: str) -> None:
        super().__init__(keyword, problem)
        self.keyword, self.problem = keyword, problem

    def __str__(self) -> str:
        return f"keyword rule {self.keyword!r}: {self.problem}"
