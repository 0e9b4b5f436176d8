"""Damaged files of every format: parse_upload either accepts them or raises IngestError, never
another exception (which the API would turn into a 500 instead of a message for the user)."""

from __future__ import annotations

import zlib

import numpy as np
import pytest

from backend.ingest import (
    IngestError,
    encode_acquisition_cbor,
    encode_acquisition_json,
    parse_upload,
)
from tests.ingest.factories import make_csv, make_image, make_wav

KEY = "k"


def _valid_files() -> dict[str, bytes]:
    rng = np.random.default_rng(7)
    return {
        "stereo.wav": make_wav(rng.integers(-1000, 1000, size=(40, 2))),
        "deep.wav": make_wav(rng.integers(-(2**23), 2**23, size=30), bits=24, extensible=True),
        "acc.csv": make_csv(["timestamp", "x (g)", "y"], [[i * 10, i, -i] for i in range(15)]),
        "acc.json": encode_acquisition_json(
            rng.normal(size=(8, 3)), interval_ms=10, sensors=["x", "y", "z"], hmac_key=KEY
        ),
        "acc.cbor": encode_acquisition_cbor(
            rng.normal(size=(8, 3)), interval_ms=10, sensors=["x", "y", "z"], hmac_key=KEY
        ),
        "rgb.png": make_image(rng.integers(0, 256, size=(12, 12, 3))),
        "rgb.jpg": make_image(rng.integers(0, 256, size=(12, 12, 3)), "JPEG"),
    }


FILES = _valid_files()


def _accepted_or_ingest_error(filename: str, data: bytes) -> None:
    for hmac_key in (None, KEY):
        try:
            parse_upload(filename, data, hmac_key=hmac_key)
        except IngestError as error:
            assert filename in str(error)


@pytest.mark.parametrize("filename", sorted(FILES))
def test_truncated_files(filename: str) -> None:
    data = FILES[filename]
    for end in range(0, len(data), max(1, len(data) // 60)):
        _accepted_or_ingest_error(filename, data[:end])


@pytest.mark.parametrize("filename", sorted(FILES))
def test_corrupted_bytes(filename: str) -> None:
    rng = np.random.default_rng(zlib.crc32(filename.encode()))
    data = FILES[filename]
    for _ in range(150):
        damaged = bytearray(data)
        for position in rng.integers(0, len(data), size=3):
            damaged[position] = rng.integers(0, 256)
        _accepted_or_ingest_error(filename, bytes(damaged))
