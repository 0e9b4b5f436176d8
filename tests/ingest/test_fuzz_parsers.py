"""Property-based fuzzing of every upload parser (issue 13): whatever the bytes, parse_upload
returns a sample that can be stored (finite values, a rate within the valid range, printable
metadata) or raises IngestError with a short message naming the file, never another exception."""

from __future__ import annotations

import math
import re

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from backend.ingest import IngestError, ParsedSample, parse_upload
from tests.ingest import strategies

FUZZ = settings(max_examples=150, deadline=None, derandomize=True)
MAX_MESSAGE_CHARS = 1000
_UNPRINTABLE = re.compile("[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


def _judged(filename: str, data: bytes, hmac_key: str | None = None) -> ParsedSample | None:
    """The sample, or None after checking the rejection is a proper IngestError."""
    try:
        sample = parse_upload(filename, data, hmac_key=hmac_key)
    except IngestError as error:
        message = str(error)
        assert error.filename == filename and f'"{filename}"' in message
        assert len(message) <= MAX_MESSAGE_CHARS, message[:200]
        return None
    assert np.isfinite(sample.values).all()
    if sample.kind == "timeseries":
        # The rule written out, not read from the code under test.
        assert sample.sample_rate_hz is not None and 0.001 <= sample.sample_rate_hz <= 1e6
        assert sample.interval_ms is not None and 0.001 <= sample.interval_ms <= 1e6
        assert sample.duration_ms is not None and math.isfinite(sample.duration_ms)
    for text in (sample.device_name, sample.device_type, *(a.name for a in sample.axes)):
        assert text is None or not _UNPRINTABLE.search(text), repr(text)
    return sample


@FUZZ
@given(strategies.random_files())
def test_random_bytes(file: tuple[str, bytes]) -> None:
    _judged(*file)


@FUZZ
@given(strategies.damaged_files(), st.sampled_from([None, "key"]))
def test_damaged_valid_files(file: tuple[str, bytes], hmac_key: str | None) -> None:
    _judged(*file, hmac_key=hmac_key)


@FUZZ
@given(strategies.acquisition_files(), st.sampled_from([None, "key"]))
def test_acquisition_envelopes_with_odd_fields(
    file: tuple[str, bytes], hmac_key: str | None
) -> None:
    _judged(*file, hmac_key=hmac_key)


@settings(max_examples=40, deadline=None, derandomize=True)
@given(strategies.deeply_nested_files())
def test_deep_nesting(file: tuple[str, bytes]) -> None:
    _judged(*file)


@FUZZ
@given(strategies.csv_files())
def test_csv_with_odd_headers_cells_and_intervals(file: tuple[str, bytes]) -> None:
    _judged(*file)


def test_the_valid_files_the_mutations_start_from_are_valid() -> None:
    for extension, data in strategies.VALID_FILES.items():
        assert _judged(f"ok.1.{extension}", data) is not None
