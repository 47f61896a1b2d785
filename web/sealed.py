"""Secrets that must ride in the browser's session for one redirect, sealed: Flask's session
cookie is signed, not encrypted, so anything put there plainly can be read from the cookie."""

from __future__ import annotations

import base64
import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from flask import current_app

MAX_AGE_SECONDS = 300  # time enough for the redirect; a cookie copied later opens nothing


def _fernet() -> Fernet:
    """A key of its own, derived from the app's SECRET_KEY: signing and sealing never share one."""
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"tanggap sealed session values").derive(secret)
    return Fernet(base64.urlsafe_b64encode(key))


def seal(value: dict[str, Any]) -> str:
    return _fernet().encrypt(json.dumps(value).encode()).decode()


def unseal(token: str | None) -> dict[str, Any] | None:
    """The sealed value, or None when absent, tampered with, sealed under another key or too old."""
    if not token:
        return None
    try:
        found: dict[str, Any] = json.loads(_fernet().decrypt(token.encode(), ttl=MAX_AGE_SECONDS))
    except (InvalidToken, ValueError):
        return None
    return found
