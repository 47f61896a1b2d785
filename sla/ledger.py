"""Tamper evidence: every breach, fulfilment and waiver row is chained by hash. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
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


@dataclass(frozen=True)
class Verdict:
    intact: bool
    checked: int
    first_bad: LedgerEntry | None = None
    problem: str | None = None

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
        problem = _problem(entry, prev, expected_seq)
        if problem:
            return Verdict(False, checked, entry, problem)
        prev, expected_seq, checked = entry.hash, expected_seq + 1, checked + 1
    return Verdict(True, checked)


def _problem(entry: LedgerEntry, prev: str, expected_seq: int) -> str | None:
    if entry.seq != expected_seq:
        return f"expected row {expected_seq} here: a row was removed or renumbered"
    if entry.prev_hash != prev:
        return "its link to the previous row does not match: a row before it was replaced"
    if chain_hash(prev, entry.content) != entry.hash:
        return "its content does not match its hash: the row was altered"
    return None
