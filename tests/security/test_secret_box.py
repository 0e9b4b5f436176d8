"""The sealing of stored secrets: round trip, fresh IV, the wrong secret key refused, token size."""

from __future__ import annotations

import pytest

from backend.db.models import Project
from backend.schemas.project import HMAC_KEY_MAX_CHARS
from backend.services import secret_box


def test_round_trip_with_a_fresh_token_each_time() -> None:
    first = secret_box.encrypt("k€y", secret_key="one")
    second = secret_box.encrypt("k€y", secret_key="one")
    assert first != second and "k€y" not in first
    assert secret_box.decrypt(first, secret_key="one") == "k€y"
    assert secret_box.decrypt(second, secret_key="one") == "k€y"


@pytest.mark.parametrize("token", ["not a token", "gAAAAA", ""])
def test_another_secret_key_or_garbage_is_secret_unreadable(token: str) -> None:
    sealed = secret_box.encrypt("key", secret_key="one")
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.decrypt(sealed, secret_key="two")
    with pytest.raises(secret_box.SecretUnreadable):
        secret_box.decrypt(token, secret_key="one")


def test_the_column_holds_the_token_of_the_longest_key() -> None:
    longest = "\U0001f511" * HMAC_KEY_MAX_CHARS  # 4 UTF-8 bytes a character
    token = secret_box.encrypt(longest, secret_key="one")
    assert len(token) == secret_box.token_length_bound(len(longest.encode()))
    assert len(token) <= Project.__table__.c.hmac_key_encrypted.type.length
