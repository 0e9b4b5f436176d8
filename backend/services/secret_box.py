"""Encrypt the stored secrets that must be read back (a project's HMAC key) with a key derived
from MCUFORGE_SECRET_KEY; the only module that knows how they are sealed.

Secrets we only need to compare (passwords, session tokens, API keys) are hashed instead, in
backend.services.secrets and backend.services.accounts.
"""

from __future__ import annotations

import base64
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from backend.settings import settings

# Fixed context: the derived key serves this purpose only, so reusing MCUFORGE_SECRET_KEY for
# other things (signing...) never yields the same key. Changing it makes every stored token
# unreadable; bump the version only with a migration that re-encrypts.
_KEY_CONTEXT = b"mcuforge stored secrets (Fernet) v1"


class SecretUnreadable(Exception):
    """A stored token that this secret key cannot open (sealed with another key, or corrupt)."""


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_CONTEXT).derive(
        secret_key.encode("utf-8")
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def encrypt(plaintext: str, *, secret_key: str | None = None) -> str:
    """An ASCII token (authenticated encryption, random IV): the same text never gives the same token."""
    box = _fernet(settings.secret_key if secret_key is None else secret_key)
    return box.encrypt(plaintext.encode("utf-8")).decode("ascii")


def decrypt(token: str, *, secret_key: str | None = None) -> str:
    """The text `encrypt` sealed; SecretUnreadable when the secret key is not the one used."""
    box = _fernet(settings.secret_key if secret_key is None else secret_key)
    try:
        return box.decrypt(token.encode("ascii")).decode("utf-8")
    except (InvalidToken, UnicodeError) as error:
        raise SecretUnreadable("the stored secret was sealed with another secret key") from error


def token_length_bound(plaintext_max_bytes: int) -> int:
    """The longest token `encrypt` gives for a text of at most that many UTF-8 bytes (to size a
    column): version, timestamp, IV, AES blocks with PKCS7 padding, HMAC; then base64."""
    raw = 1 + 8 + 16 + (plaintext_max_bytes // 16 + 1) * 16 + 32
    return 4 * -(-raw // 3)
