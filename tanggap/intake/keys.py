"""Client API keys: issuing, revoking, and checking the key a submission carries."""

from __future__ import annotations

import hashlib
import re
import secrets

from states.errors import InvalidInput, NotFound
from tanggap.context import Context
from tanggap.intake.commands import IssueApiKey, RevokeApiKey, Source, SubmitServiceRequest
from tanggap.intake.errors import InvalidApiKey
from tanggap.intake.repository import AbstractIntakeRepository
from tanggap.intake.tables import ApiKeyRow

KEY_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9 ._-]{0,79}$")


def digest(secret: str) -> str:
    """API keys and citizen tokens are 256-bit random, so a fast hash is enough to store them."""
    return hashlib.sha256(secret.encode()).hexdigest()


def issue_api_key(cmd: IssueApiKey, ctx: Context) -> str:
    """Returns the new key; only its hash is kept, so this is the one time anyone sees it."""
    name = cmd.name.strip()
    if not KEY_NAME.match(name):
        raise InvalidInput("name", "use 1-80 letters, digits, spaces, '.', '_' or '-', starting with a letter or digit")
    if ctx.uow.intake.active_key(name) is not None:
        raise InvalidInput("name", f"{name} already has an active key; revoke it first")
    key = f"tgp_{secrets.token_urlsafe(32)}"
    ctx.uow.intake.add(ApiKeyRow(name=name, key_hash=digest(key), created_at=ctx.now))
    return key


def revoke_api_key(cmd: RevokeApiKey, ctx: Context) -> None:
    row = ctx.uow.intake.active_key(cmd.name.strip())
    if row is None:
        raise NotFound("active API key", cmd.name)
    row.revoked_at = ctx.now


def _client(intake: AbstractIntakeRepository, cmd: SubmitServiceRequest) -> ApiKeyRow | None:
    """The calling app's key; the citizen form needs none."""
    if cmd.source is Source.WEB:
        return None
    return client_key(intake, cmd.api_key)


def client_key(intake: AbstractIntakeRepository, api_key: str | None) -> ApiKeyRow:
    """The active key a client app presents, or InvalidApiKey naming what is wrong with it."""
    raw = (api_key or "").strip()
    if not raw:
        raise InvalidApiKey("api_key is required")
    row = intake.key_by_hash(digest(raw))
    if row is None:
        raise InvalidApiKey("api_key is not valid")
    if row.revoked_at is not None:
        raise InvalidApiKey("api_key has been revoked")
    return row
