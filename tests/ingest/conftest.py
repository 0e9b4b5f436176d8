"""Helpers shared by the ingestion tests."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from backend.ingest import IngestError, parse_upload


def _assert_rejected(filename: str, data: bytes, *fragments: str, **options: Any) -> IngestError:
    """parse_upload must raise IngestError whose message names the file and every fragment."""
    with pytest.raises(IngestError) as caught:
        parse_upload(filename, data, **options)
    message = str(caught.value)
    assert filename in message, message
    for fragment in fragments:
        assert fragment in message, f"{fragment!r} not in {message!r}"
    assert caught.value.filename == filename
    return caught.value


@pytest.fixture
def assert_rejected() -> Callable[..., IngestError]:
    return _assert_rejected
