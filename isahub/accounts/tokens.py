"""Personal API tokens: random, shown once, stored as a SHA-256 hash.

A token carries 256 bits of randomness, so a fast hash is enough (unlike a password,
it cannot be guessed from a dictionary), and lookup by hash is a single index probe.
"""

import hashlib
import secrets

TOKEN_PREFIX = "isa_"  # noqa: S105 # nosec B105 # a marker, not a secret


def new_token() -> str:
    return TOKEN_PREFIX + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
