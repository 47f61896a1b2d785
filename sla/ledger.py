"""Tamper evidence: every breach, fulfilment and waiver row is chained by hash. Pure."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, replace
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
    TRUNCATED = "truncated"  # the chain ends before the head a seal recorded
    REWRITTEN = "rewritten"  # the chain is consistent, but not the one that was sealed


PROBLEMS = {
    Break.MISSING: "expected row {seq} here: a row was removed or renumbered",
    Break.RELINKED: "its link to the previous row does not match: a row before it was replaced",
    Break.ALTERED: "its content does not match its hash: the row was altered",
    Break.TRUNCATED: "the sealed ledger reached row {head}, this one ends before it: the newest rows were removed",
    Break.REWRITTEN: "its hash is not the one sealed for row {head}: the chain up to the sealed head was rewritten",
}


@dataclass(frozen=True)
class Verdict:
    intact: bool
    checked: int
    first_bad: LedgerEntry | None = None
    broken: Break | None = None
    expected_seq: int | None = None
    sealed_head: int | None = None

    @property
    def problem(self) -> str | None:
        return PROBLEMS[self.broken].format(seq=self.expected_seq, head=self.sealed_head) if self.broken else None

    def __str__(self) -> str:
        if self.intact:
            sealed = f", up to the sealed row {self.sealed_head} unchanged" if self.sealed_head else ""
            return f"ledger intact: {self.checked} rows verified{sealed}"
        bad = self.first_bad
        if bad is None:  # truncated: the first bad row is one that is no longer there
            return f"ledger broken at row {self.expected_seq} (missing): {self.problem}"
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


def verify_sealed(entries: Iterable[LedgerEntry], head_seq: int, head_hash: str) -> Verdict:
    """The chain checked on its own, then against a head recorded outside the database: a chain
    recomputed after a forged row, or cut short, is consistent but no longer the sealed one."""
    ordered = sorted(entries, key=lambda e: e.seq)
    verdict = verify(ordered)
    if not verdict.intact:
        return replace(verdict, sealed_head=head_seq)
    if verdict.checked < head_seq:
        return Verdict(False, verdict.checked, None, Break.TRUNCATED, verdict.checked + 1, head_seq)
    sealed = ordered[head_seq - 1] if head_seq else None
    if sealed is not None and sealed.hash != head_hash:
        return Verdict(False, verdict.checked, sealed, Break.REWRITTEN, head_seq, head_seq)
    return replace(verdict, sealed_head=head_seq)


def _broken(entry: LedgerEntry, prev: str, expected_seq: int) -> Break | None:
    if entry.seq != expected_seq:
        return Break.MISSING
    if entry.prev_hash != prev:
        return Break.RELINKED
    if chain_hash(prev, entry.content) != entry.hash:
        return Break.ALTERED
    return None
