"""The seal of a closed month: the ledger's head, the month's totals per OPD and the time, signed
with HR's Ed25519 key. The key lives in a file outside the database and the public key is filed
with the Inspektorat, so whoever can write to the database cannot rewrite a sealed month unseen."""

from __future__ import annotations

import base64
import hashlib
import json
import os
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from sla.ledger import Verdict, canonical, verify, verify_sealed
from states.errors import InvalidInput
from tanggap.payroll.service import BreachLine, month_bounds, month_lines
from tanggap.uow import AbstractUnitOfWork

FORMAT = "tanggap-seal/1"
KEY_PREFIX = "ed25519:"


class SealError(ValueError):
    """A seal or a key that cannot be used, with what is wrong with it."""


@dataclass(frozen=True)
class Sealed:
    path: Path
    fingerprint: str
    head_seq: int


def generate_key(output: Path) -> str:
    """A new private key, readable by its owner only (never overwrites one); returns the public key."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                            serialization.NoEncryption())
    try:
        fd = os.open(output, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise SealError(f"{output} already exists: a seal key is never overwritten") from None
    with os.fdopen(fd, "wb") as stream:
        stream.write(pem)
    return public_text(key.public_key())


def public_text(key: Ed25519PublicKey) -> str:
    raw = key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    return KEY_PREFIX + base64.b64encode(raw).decode()


def parse_public(text: str) -> Ed25519PublicKey:
    body = text.strip().removeprefix(KEY_PREFIX)
    try:
        return Ed25519PublicKey.from_public_bytes(base64.b64decode(body, validate=True))
    except ValueError:
        raise SealError(f"public key {text.strip()!r} is not an Ed25519 key like {KEY_PREFIX}BASE64") from None


def load_private(path: Path | None) -> Ed25519PrivateKey:
    if path is None:
        raise SealError("TANGGAP_SEAL_KEY is not set: name the private key file made by `tanggap seal keygen`")
    try:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    except FileNotFoundError:
        raise SealError(f"TANGGAP_SEAL_KEY: no key file at {path}") from None
    except ValueError:
        raise SealError(f"TANGGAP_SEAL_KEY: {path} is not a PEM private key") from None
    if not isinstance(key, Ed25519PrivateKey):
        raise SealError(f"TANGGAP_SEAL_KEY: {path} is not an Ed25519 key")
    return key


def fingerprint(payload: dict[str, Any], signature: bytes) -> str:
    """Short enough to type into an official letter, long enough that no other seal shares it."""
    digest = hashlib.sha256(canonical(payload) + signature).hexdigest()[:16].upper()
    return "-".join(digest[i : i + 4] for i in range(0, 16, 4))


def month_totals(lines: Iterable[BreachLine]) -> dict[str, dict[str, int]]:
    totals: dict[str, dict[str, int]] = defaultdict(lambda: {"breaches": 0, "waived": 0, "unwaived": 0})
    for line in lines:
        opd = totals[line.opd or "-"]
        opd["breaches"] += 1
        opd["waived" if line.waived else "unwaived"] += 1
    return dict(sorted(totals.items()))


def seal_month(uow: AbstractUnitOfWork, month: str, key_path: Path | None, folder: Path, now: datetime) -> Sealed:
    """Sign the ledger's head and the month's totals; the seal file goes beside the month's exports.
    A broken ledger is never sealed: the seal would vouch for rows already altered."""
    month_bounds(month)
    key = load_private(key_path)
    with uow:
        verdict = verify(uow.sla.ledger())
        head = uow.sla.ledger_head()
        assert head is not None, "the ledger head row is created by the migrations"
        head_seq, head_hash = head.seq, head.hash
        totals = month_totals(month_lines(uow, month))
    if not verdict.intact:
        raise InvalidInput("ledger", f"cannot seal {month}: {verdict}")
    payload = {
        "format": FORMAT,
        "month": month,
        "sealed_at": now,
        "ledger_head": {"seq": head_seq, "hash": head_hash},
        "totals": totals,
        "public_key": public_text(key.public_key()),
    }
    signature = key.sign(canonical(payload))
    folder.mkdir(parents=True, exist_ok=True)
    path = seal_path(folder, month)
    document = {"payload": json.loads(canonical(payload)), "signature": base64.b64encode(signature).decode()}
    path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return Sealed(path, fingerprint(document["payload"], signature), head_seq)


@dataclass(frozen=True)
class Seal:
    month: str
    head_seq: int
    head_hash: str
    fingerprint: str
    payload: dict[str, Any]


def read_seal(path: Path, trusted: Ed25519PublicKey) -> Seal:
    """The seal, once its signature checks out against the key filed with the Inspektorat."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        payload, signature = document["payload"], base64.b64decode(document["signature"], validate=True)
        head = payload["ledger_head"]
        seq, digest, month = int(head["seq"]), str(head["hash"]), str(payload["month"])
    except FileNotFoundError:
        raise SealError(f"no seal file at {path}") from None
    except (ValueError, KeyError, TypeError):
        raise SealError(f"{path} is not a Tanggap seal") from None
    try:
        trusted.verify(signature, canonical(payload))
    except InvalidSignature:
        raise SealError(f"{path}: the signature does not verify with the public key "
                        f"{public_text(trusted)}: the seal was altered or signed by another key") from None
    return Seal(month, seq, digest, fingerprint(payload, signature), payload)


def seal_path(folder: Path, month: str) -> Path:
    return folder / f"seal-{month}.json"


def shown_fingerprint(path: Path) -> str | None:
    """The fingerprint printed in the seal file, for the allowance page and the official letter;
    None when the month has no seal file. Showing it vouches for nothing: `tanggap ledger verify
    --seal` checks the signature with the key on file."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
        return fingerprint(document["payload"], base64.b64decode(document["signature"], validate=True))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def verify_against_seal(uow: AbstractUnitOfWork, seal: Seal) -> Verdict:
    with uow:
        return verify_sealed(uow.sla.ledger(), seal.head_seq, seal.head_hash)


def trusted_key(given: str | None, configured: str, key_path: Path | None) -> Ed25519PublicKey:
    """The key a seal must be signed with: given on the command line, configured, or derived
    from the private key on this machine."""
    if given or configured:
        return parse_public(given or configured)
    if key_path is not None:
        return load_private(key_path).public_key()
    raise SealError("checking a seal needs the public key filed with the Inspektorat: "
                    "pass --public-key or set TANGGAP_SEAL_PUBLIC_KEY")
