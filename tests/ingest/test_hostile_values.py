"""The files an outside tester sent (issue 13): extreme intervals, deep nesting, huge numbers,
NUL and control characters. Each must be an IngestError that says what is wrong, never another
exception (the API's 500) and never a sample with a rate of 0 or infinity."""

from __future__ import annotations

import json

import cbor2
import pytest

from backend.ingest import (
    IngestError,
    encode_acquisition_cbor,
    encode_acquisition_json,
    parse_upload,
)
from backend.ingest.errors import MAX_REASON_CHARS
from backend.ingest.sample import MAX_INTERVAL_MS, MIN_INTERVAL_MS
from tests.ingest.factories import make_csv

RULE = "between 0.001 ms and 1000000 ms (a rate between 0.001 Hz and 1 MHz)"


def _acquisition(**payload: object) -> dict:
    obj = json.loads(encode_acquisition_json([1.0, 2.0, 3.0], interval_ms=10, sensors=["x"]))
    obj["payload"].update(payload)
    return obj


def _json(obj: object) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize("text", ["1e308", "1e-320", "5e-324", "1e7", "0.0009", "inf"])
def test_csv_interval_comment_outside_the_valid_range(assert_rejected, text: str) -> None:
    data = f"# interval_ms={text}\nx\n1\n2\n".encode()
    assert_rejected("far.csv", data, "line 1", f"interval_ms={text}", RULE)


@pytest.mark.parametrize(
    ("times", "shown"),
    [
        ([0, 1e306], "1e+306 ms"),
        ([0, 1e-7], "1e-07 ms"),
        ([-1e308, 1e308], "more than any number can hold"),
    ],
)
def test_csv_time_column_outside_the_valid_range(
    assert_rejected, times: list[float], shown: str
) -> None:
    data = make_csv(["timestamp", "x"], [[t, 1] for t in times])
    assert_rejected("far.csv", data, "time column 'timestamp' steps by", shown, RULE)


@pytest.mark.parametrize("interval_ms", [1e308, 5e-324, 1e-320, 2e6, 10**400, -(10**400)])
@pytest.mark.parametrize("extension", ["json", "cbor"])
def test_acquisition_interval_outside_the_valid_range(
    assert_rejected, interval_ms: float, extension: str
) -> None:
    obj = _acquisition(interval_ms=interval_ms)
    data = _json(obj) if extension == "json" else cbor2.dumps(obj)
    error = assert_rejected(f"far.{extension}", data, "payload.interval_ms is", RULE)
    assert "ids are at most" not in str(error)


def test_the_interval_limits_themselves_are_accepted() -> None:
    for interval_ms in (MIN_INTERVAL_MS, MAX_INTERVAL_MS):
        data = encode_acquisition_json([1.0, 2.0], interval_ms=interval_ms, sensors=["x"])
        sample = parse_upload("edge.json", data)
        assert sample.interval_ms == interval_ms
        assert sample.sample_rate_hz is not None and 0.001 <= sample.sample_rate_hz <= 1e6


def test_json_nested_ten_thousand_levels_deep(assert_rejected) -> None:
    data = b'{"a":' * 10_000 + b"1" + b"}" * 10_000
    assert_rejected("deep.json", data, "nested too deeply")


def test_deep_nesting_inside_the_values(assert_rejected) -> None:
    deep: object = 1.0
    for _ in range(300):
        deep = [deep]
    error = assert_rejected("deep.json", _json(_acquisition(values=[deep])), "payload.values[0]")
    assert len(str(error)) < 400


def test_cbor_nested_deeply(assert_rejected) -> None:
    assert_rejected("deep.cbor", b"\xa1\x61a" * 10_000 + b"\x01", "not valid CBOR", "nesting depth")


def test_a_100_kb_cbor_bignum_is_named_in_a_short_message(assert_rejected) -> None:
    bignum = 1 << (8 * 100_000)
    obj = _acquisition(values=[1.0, bignum, 3.0])
    error = assert_rejected(
        "big.cbor", cbor2.dumps(obj), "payload.values[1]", "an integer of about"
    )
    assert len(str(error)) < 400
    obj = _acquisition(interval_ms=bignum)
    error = assert_rejected("big.cbor", cbor2.dumps(obj), "payload.interval_ms is an integer of")
    assert len(str(error)) < 400


def test_a_huge_text_value_is_cut_in_the_message(assert_rejected) -> None:
    error = assert_rejected("v.json", _json(_acquisition(values=[1.0, "x" * 1_000_000])), "xxx...")
    assert len(str(error)) < 400
    error = assert_rejected("v.csv", b"x\n" + b"y" * 100_000 + b"\n", "is not a number")
    assert len(str(error)) < 400


@pytest.mark.parametrize("field", ["device_name", "device_type", "label"])
@pytest.mark.parametrize("character", ["\x00", "\x1b", "\n", "\ud800"])
def test_control_characters_in_acquisition_text(
    assert_rejected, field: str, character: str
) -> None:
    obj = _acquisition(**{field: f"dev{character}1"})
    data = json.dumps(obj, ensure_ascii=True).encode()
    expected = "NUL character" if character == "\x00" else "position 4"
    assert_rejected("nul.json", data, f"payload.{field}", expected)


def test_control_characters_in_sensor_names_and_units(assert_rejected) -> None:
    obj = _acquisition(sensors=[{"name": "x\x00", "units": "g"}])
    assert_rejected("s.json", _json(obj), "payload.sensors[0].name", "NUL character")
    obj = _acquisition(sensors=[{"name": "x", "units": "g\x07"}])
    assert_rejected("s.cbor", cbor2.dumps(obj), "payload.sensors[0].units", "control character")
    assert_rejected(
        "long.json",
        _json(_acquisition(device_name="d" * 256)),
        "payload.device_name",
        "limit is 255",
    )


def test_control_characters_in_csv_headers(assert_rejected) -> None:
    assert_rejected("h.csv", b"# interval_ms=10\nx\x00,y\n1,2\n", "column 1 name", "NUL character")
    assert_rejected("h.csv", b"# interval_ms=10\nx,y (g\x1b)\n1,2\n", "column 2 units", "\\x1b")


def test_image_errors_do_not_print_python_objects(assert_rejected) -> None:
    for name, data in [("a.png", b"\x89PNG\r\n\x1a\ngarbage"), ("a.jpg", b"\xff\xd8\xffgarbage")]:
        error = assert_rejected(name, data, "image")
        assert "object at 0x" not in str(error) and "BytesIO" not in str(error)


def test_signed_files_with_odd_structures_are_judged_not_crashed() -> None:
    deep: object = 1
    for _ in range(400):
        deep = {"a": deep}
    obj = _acquisition(extra=deep)
    for name, data in [
        ("deep.json", json.dumps(obj).encode()),
        ("deep.cbor", encode_acquisition_cbor([1.0], interval_ms=10, sensors=["x"])[:-1] + b"\x00"),
    ]:
        with pytest.raises(IngestError):
            parse_upload(name, data, hmac_key="key")


def test_no_reason_is_longer_than_the_limit() -> None:
    error = IngestError("f.csv", "x" * 100_000)
    assert len(error.reason) == MAX_REASON_CHARS and error.reason.endswith("...")
    assert len(str(error)) < MAX_REASON_CHARS + 100
