"""Evidence files for an objection: photos checked as citizens' uploads are, or PDF documents."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from states.errors import InvalidInput
from tanggap.appeals.commands import EvidenceFile
from tanggap.infrastructure.storage import prepare_photo

FIELD = "evidence"
MAX_FILES = 5
MAX_BYTES = 10 * 1024 * 1024  # as a citizen's photo
MAX_PIXELS = 40_000_000
PDF_MAGIC = b"%PDF-"
PDF_END = b"%%EOF"


@dataclass(frozen=True)
class CheckedEvidence:
    name: str
    content_type: str
    sha256: str
    data: bytes

    def summary(self) -> dict[str, object]:
        """What the ledger row keeps of the file: enough to tell a swapped file."""
        return {"name": self.name, "content_type": self.content_type, "sha256": self.sha256, "size": len(self.data)}


def check_evidence(files: tuple[EvidenceFile, ...]) -> list[CheckedEvidence]:
    if len(files) > MAX_FILES:
        raise InvalidInput(FIELD, f"at most {MAX_FILES} files, got {len(files)}")
    return [_checked(f) for f in files]


def _checked(file: EvidenceFile) -> CheckedEvidence:
    name = (file.name or "bukti").strip()[-200:]
    if len(file.data) > MAX_BYTES:
        raise InvalidInput(FIELD, f"{name} is {len(file.data):,} bytes; the limit is {MAX_BYTES:,}")
    if file.data.startswith(PDF_MAGIC):
        return CheckedEvidence(name, "application/pdf", _sha(file.data), _pdf(name, file.data))
    try:
        photo = prepare_photo(file.data, MAX_BYTES, MAX_PIXELS)  # by content, never by the name
    except InvalidInput as err:
        raise InvalidInput(FIELD, f"{name} is neither a photo (JPEG, PNG, WebP) nor a PDF: {err.problem}") from err
    return CheckedEvidence(name, photo.content_type, _sha(photo.original), photo.original)


def _pdf(name: str, data: bytes) -> bytes:
    if PDF_END not in data[-1024:]:
        raise InvalidInput(FIELD, f"{name} is not a complete PDF (no end-of-file marker)")
    return data


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
