"""Password hashing with argon2id at OWASP's recommended minimum cost (19 MiB, t=2, p=1)."""

from __future__ import annotations

import secrets
from functools import cache

from argon2 import PasswordHasher
from argon2.exceptions import VerificationError


@cache
def _hasher() -> PasswordHasher:
    return PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(stored_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(stored_hash, password)
    except VerificationError:
        return False


@cache
def _dummy_hash() -> str:
    return hash_password(secrets.token_urlsafe(16))


def verify_or_spend(stored_hash: str | None, password: str) -> bool:
    """Verify against `stored_hash`, or spend the same argon2 work on a dummy hash when there is
    none (an unknown or inactive account), so that the answer's timing tells no names apart."""
    if stored_hash is None:
        verify_password(_dummy_hash(), password)
        return False
    return verify_password(stored_hash, password)
