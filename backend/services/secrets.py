"""Random secrets shown once (session, bearer token, API key, invitation and password reset
links) and the hashes we keep of them."""

from __future__ import annotations

import hashlib
import secrets

# The prefix tells a leaked secret's kind at a glance (and lets secret scanners find it).
SESSION_PREFIX = "mfs_"
TOKEN_PREFIX = "mft_"
API_KEY_PREFIX = "mfk_"
INVITATION_PREFIX = "mfi_"
PASSWORD_RESET_PREFIX = "mfr_"


def new_secret(prefix: str) -> str:
    """256 random bits, URL-safe, after a kind prefix."""
    return prefix + secrets.token_urlsafe(32)


def secret_hash(secret: str) -> str:
    """SHA-256 hex: enough for 256-bit random secrets (no dictionary to attack, unlike
    passwords, which get argon2)."""
    return hashlib.sha256(secret.encode()).hexdigest()


def display_prefix(secret: str) -> str:
    """The first characters, kept to tell secrets apart in listings."""
    return secret[:12]
