"""Tamper evidence: every breach, fulfilment and waiver row is chained by hash. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

GENESIS = "0" * 64


def canonical(content: Mapping[str, Any]) -> bytes:
    """One byte string per content: sorted keys, no spaces, datetimes as UTC ISO strings."""
    # Top-level datetimes are turned to strings first, exactly as `_plain` would inside the
    # encoder, which saves the encoder a call back into Python per value.
    flat = {k: _plain(v) if isinstance(v, datetime) else v for k, v in content.items()}
    return json.dumps(flat, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_plain).encode()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"ledger content needs aware datetimes, got {value!r}")
        return value.astimezone(UTC).isoformat()
    raise TypeError(f"ledger content cannot hold {type(value).__name__}")


def chain_hash(prev_hash: str, content: Mapping[str, Any]) -> str:
    return hashlib.sha256(prev_hash.encode() + b"\n" + canonical(content)).hexdigest()


@dataclass(frozen=True)
class LedgerEntry:
    seq: int
    table: str
    row_id: int
    content: Mapping[str, Any]
    prev_hash: str
    hash: str


class Break(StrEnum):
    """How the first bad row breaks the chain."""

    MISSING = "missing"
    RELINKED = "relinked"
    ALTERED = "altered"


PROBLEMS = {
    Break.MISSING: "expected row {seq} here: a row was removed or renumbered",
    Break.RELINKED: "its link to the previous row does not match: a row before it was replaced",
    Break.ALTERED: "its content does not match its hash: the row was altered",
}


@dataclass(frozen=True)
class Verdict:
    intact: bool
    checked: int
    first_bad: LedgerEntry | None = None
    broken: Break | None = None
    expected_seq: int | None = None

    @property
    def problem(self) -> str | None:
        return PROBLEMS[self.broken].format(seq=self.expected_seq) if self.broken else None

    def __str__(self) -> str:
        if self.intact:
            return f"ledger intact: {self.checked} rows verified"
        bad = self.first_bad
        assert bad is not None
        return f"ledger broken at row {bad.seq} ({bad.table} id {bad.row_id}): {self.problem}"


def verify(entries: Iterable[LedgerEntry]) -> Verdict:
    """Walk the chain in order and report the first row whose content or link does not check out."""
    prev, expected_seq, checked = GENESIS, 1, 0
    for entry in sorted(entries, key=lambda e: e.seq):
        broken = _broken(entry, prev, expected_seq)
        if broken:
            return Verdict(False, checked, entry, broken, expected_seq)
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return Verdict(True, checked)


def _broken(entry: LedgerEntry, prev: str, expected_seq: int) -> Break | None:
    if entry.seq != expected_seq:
        return Break.MISSING
    if entry.prev_hash != prev:
        return Break.RELINKED
    if chain_hash(prev, entry.content) != entry.hash:
        return Break.ALTERED
    return None
