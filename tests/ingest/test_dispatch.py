"""parse_upload as the API calls it: size limits, empty files, content that is not what the
extension says, and the content hash behind duplicate detection."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from backend.ingest import (
    IngestError,
    encode_acquisition_cbor,
    encode_acquisition_json,
    parse_upload,
)
from tests.ingest.factories import make_csv, make_image, make_wav

WAV = make_wav(np.arange(100))
PNG = make_image(np.zeros((2, 2, 3)))
JPEG = make_image(np.zeros((2, 2, 3)), "JPEG")
JSON = encode_acquisition_json([1.0, 2.0], interval_ms=10, sensors=["x"])
CBOR = encode_acquisition_cbor([1.0, 2.0], interval_ms=10, sensors=["x"])


@pytest.mark.parametrize("filename", ["a.wav", "a.csv", "a.json", "a.cbor", "a.png", "a.jpg"])
def test_empty_file(assert_rejected, filename: str) -> None:
    assert_rejected(filename, b"", "empty")


def test_size_limit_names_both_sizes(assert_rejected) -> None:
    assert_rejected("big.wav", WAV, f"is {len(WAV)} bytes; the limit is 100 bytes", max_bytes=100)
    assert parse_upload("ok.wav", WAV, max_bytes=len(WAV)).length == 100


@pytest.mark.parametrize(
    ("filename", "data", "expected", "actual", "rename"),
    [
        ("a.wav", PNG, "not a WAV file", "a PNG image", ".png"),
        ("a.csv", WAV, "not a CSV file", "a WAV file", ".wav"),
        ("a.json", CBOR, "not a JSON file", "a CBOR file", ".cbor"),
        ("a.cbor", JSON, "not a CBOR file", "a JSON file", ".json"),
        ("a.jpg", PNG, "not a JPEG image", "a PNG image", ".png"),
        ("a.png", WAV, "not a PNG image", "a WAV file", ".wav"),
    ],
)
def test_content_must_match_the_extension(
    assert_rejected, filename: str, data: bytes, expected: str, actual: str, rename: str
) -> None:
    assert_rejected(filename, data, expected, f"its content is {actual}", f"rename it to {rename}")


@pytest.mark.parametrize(
    ("filename", "problem"),
    [
        ("a.json", "not a JSON acquisition file: it does not start with '{'"),
        ("a.cbor", "not a CBOR acquisition file: it does not start with a CBOR map"),
        ("a.wav", "not a WAV file: it does not start with a RIFF/WAVE header"),
        ("a.png", "not a PNG image"),
    ],
)
def test_text_with_the_wrong_extension(assert_rejected, filename: str, problem: str) -> None:
    assert_rejected(filename, make_csv(["x"], [[1]], interval_ms=1), problem)


def test_bytearray_and_memoryview_are_accepted() -> None:
    assert parse_upload("a.wav", bytearray(WAV)).length == 100
    assert parse_upload("a.wav", memoryview(WAV)).length == 100


def test_identical_bytes_give_the_same_hash_and_different_data_another() -> None:
    assert parse_upload("a.wav", WAV).content_hash == parse_upload("b.wav", WAV).content_hash
    other = make_wav(np.arange(100) + 1)
    assert parse_upload("a.wav", other).content_hash != parse_upload("a.wav", WAV).content_hash
    assert len(parse_upload("a.wav", WAV).content_hash) == 64


def test_same_values_as_wav_csv_and_json_are_duplicates() -> None:
    values = np.arange(-3, 3)
    from_wav = parse_upload("a.wav", make_wav(values, sample_rate_hz=1000))
    from_csv = parse_upload("a.csv", make_csv(["x"], [[v] for v in values], interval_ms=1))
    from_json = parse_upload(
        "a.json", encode_acquisition_json(values, interval_ms=1, sensors=["audio"])
    )
    assert from_wav.content_hash == from_csv.content_hash == from_json.content_hash
    # Same numbers read as an image are not the same content.
    image = parse_upload("a.png", make_image(np.arange(6).reshape(6, 1)))
    assert image.content_hash != from_wav.content_hash


def test_negative_zero_is_the_same_content() -> None:
    plus = parse_upload("a.csv", make_csv(["x"], [[0.0]], interval_ms=1))
    minus = parse_upload("a.csv", make_csv(["x"], [["-0.0"]], interval_ms=1))
    assert plus.content_hash == minus.content_hash


def test_error_is_a_value_error_with_a_sentence_and_survives_pickling() -> None:
    with pytest.raises(IngestError) as caught:
        parse_upload("yes.wav", b"nope")
    error = caught.value
    assert isinstance(error, ValueError)
    assert str(error).startswith('Cannot accept "yes.wav": not a WAV file')
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.filename, copy.reason, str(copy)) == (error.filename, error.reason, str(error))
