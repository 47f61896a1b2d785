"""What officers, heads, supervisors and HR ask of the appeals process."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from tanggap.commands import Command


@dataclass(frozen=True)
class EvidenceFile:
    name: str
    data: bytes


@dataclass(frozen=True)
class FileObjection(Command):
    """The breach's officer, or their OPD head on their behalf, contests a breach."""

    breach_id: int
    actor: str
    reason: str
    text: str
    evidence: tuple[EvidenceFile, ...] = ()


@dataclass(frozen=True)
class DecideObjection(Command):
    objection_id: int
    actor: str
    accept: bool
    reason: str


@dataclass(frozen=True)
class CloseMonth(Command):
    """HR closes a payroll month; its files are written under `export_dir/<month>/` when given."""

    month: str
    actor: str
    export_dir: Path | None = None
