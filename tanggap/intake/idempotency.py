"""Idempotency: the claims a submission takes, and finding the report an earlier identical one made."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from states.errors import InvalidInput
from tanggap.config import IntakeSettings
from tanggap.intake.commands import Source, SubmitServiceRequest
from tanggap.intake.common import MAX_FIELD
from tanggap.intake.errors import IdempotencyKeyReused, InvalidRequest
from tanggap.intake.repository import AbstractIntakeRepository
from tanggap.intake.tables import ApiKeyRow

MAX_KEY = 255
ORIGIN_ATTRIBUTE = "fixmystreet_id"


@dataclass(frozen=True)
class Claim:
    """An idempotency row this submission takes: an explicit key, or a device's recent content."""

    scope: str
    key: str
    fingerprint: str
    window: timedelta | None = None  # set for device claims, which only count within it


def _claims(cmd: SubmitServiceRequest, client: ApiKeyRow | None, rules: IntakeSettings, now: datetime) -> list[Claim]:
    key = (cmd.idempotency_key or "").strip()
    device = (cmd.contact.get("device_id") or "").strip()[:MAX_FIELD]
    origin = _origin_claims(cmd, client)
    if not (key or device):
        return origin  # nothing else to deduplicate by: skip hashing the content
    if len(key) > MAX_KEY:
        raise InvalidRequest([InvalidInput("Idempotency-Key", f"is {len(key)} characters; the limit is {MAX_KEY}")])
    scope, fingerprint = (f"api_key:{client.id}" if client else cmd.source.value), _fingerprint(cmd)
    if cmd.source is Source.WEB:
        # The web form derives its key from what was typed: a form sent again after the back button
        # comes without its photo (browsers do not refill file fields) and is still the same report.
        fingerprint = key
    claims = [Claim(scope, key, fingerprint)] if key else []
    if device:
        # The bucket gives the unique constraint teeth against simultaneous duplicates; the
        # window query in _replayed catches duplicates that straddle two buckets.
        bucket = int(now.timestamp() // rules.duplicate_window.total_seconds())
        claims.append(
            Claim(f"device:{scope}:{device}"[:160], f"{fingerprint}@{bucket}", fingerprint, rules.duplicate_window)
        )
    return claims + origin


def _origin_claims(cmd: SubmitServiceRequest, client: ApiKeyRow | None) -> list[Claim]:
    """FixMyStreet sends a report again when it lost the answer, without an Idempotency-Key; its
    own report id, when it sends it, names the report across those resends."""
    sent = [v.strip() for v in cmd.attributes.get(ORIGIN_ATTRIBUTE, ()) if v.strip()]
    if client is None or len(sent) != 1 or not sent[0].isdigit() or len(sent[0]) > 18:
        return []
    key = f"{ORIGIN_ATTRIBUTE}:{sent[0]}"
    # The same app report is the same report whatever else changed: the key is its own fingerprint.
    return [Claim(f"origin:{client.id}", key, hashlib.sha256(key.encode()).hexdigest())]


def _fingerprint(cmd: SubmitServiceRequest) -> str:
    content = {
        "service_code": cmd.service_code,
        "description": cmd.description.strip(),
        "lat": cmd.lat,
        "long": cmd.long,
        "address": cmd.address,
        "attributes": sorted((k, sorted(v)) for k, v in cmd.attributes.items()),
        "contact": sorted(cmd.contact.items()),
        "media_url": cmd.media_url,
        # Only when sent, so fingerprints stored before these were kept still match their retries.
        **({"more_media_urls": list(cmd.more_media_urls)} if cmd.more_media_urls else {}),
        "photo": hashlib.sha256(cmd.photo).hexdigest() if cmd.photo else None,
    }
    return hashlib.sha256(json.dumps(content, sort_keys=True).encode()).hexdigest()


def _replayed(intake: AbstractIntakeRepository, claims: list[Claim], now: datetime) -> int | None:
    for claim in claims:
        report_id = _device_match(intake, claim, now) if claim.window else _key_match(intake, claim)
        if report_id is not None:
            return report_id
    return None


def _key_match(intake: AbstractIntakeRepository, claim: Claim) -> int | None:
    row = intake.idempotency_key(claim.scope, claim.key)
    if row is not None and row.fingerprint != claim.fingerprint:
        raise IdempotencyKeyReused(claim.key)
    return row.report_id if row else None


def _device_match(intake: AbstractIntakeRepository, claim: Claim, now: datetime) -> int | None:
    assert claim.window is not None
    return intake.recent_fingerprint(claim.scope, claim.fingerprint, now - claim.window)
