"""The JSON/CBOR data acquisition format: round trips, HMAC signatures, and malformed envelopes."""

from __future__ import annotations

import hashlib
import hmac
import json
import math

import cbor2
import numpy as np
import pytest

from backend.ingest import Axis, encode_acquisition_cbor, encode_acquisition_json, parse_upload

KEY = "project-hmac-key"
ZEROS = "0" * 64
ACC = [("accX", "m/s2"), ("accY", "m/s2"), ("accZ", "m/s2")]


def _hmac(message: bytes, key: str = KEY) -> str:
    return hmac.new(key.encode(), message, hashlib.sha256).hexdigest()


def _envelope(values: object, alg: str = "HS256", **payload: object) -> dict:
    body = {
        "device_name": "ac:87:a3:0a:2d:1b",
        "device_type": "DISCO-L475VG-IOT01A",
        "interval_ms": 10,
        "sensors": [{"name": n, "units": u} for n, u in ACC],
        "values": values,
    }
    body.update(payload)
    return {
        "protected": {"ver": "v1", "alg": alg, "iat": 1564128599},
        "signature": ZEROS,
        "payload": body,
    }


ROWS = [[-9.81, 0.03, 1.21], [-9.83, 0.04, 1.27], [-9.12, 0.03, 1.23]]


@pytest.mark.parametrize(
    ("encode", "extension"), [(encode_acquisition_json, "json"), (encode_acquisition_cbor, "cbor")]
)
@pytest.mark.parametrize("hmac_key", [None, KEY])
def test_round_trip_keeps_values_and_metadata(encode, extension: str, hmac_key) -> None:
    data = encode(
        ROWS,
        interval_ms=10,
        sensors=ACC,
        device_name="dev-1",
        device_type="NANO33",
        label="wave",
        hmac_key=hmac_key,
        iat=1,
    )
    sample = parse_upload(f"wave.{extension}", data, hmac_key=hmac_key)
    assert sample.kind == "timeseries" and sample.source_format == extension
    np.testing.assert_array_equal(sample.values, np.array(ROWS, dtype=np.float32))
    assert sample.axes == tuple(Axis(n, u) for n, u in ACC)
    assert sample.interval_ms == 10.0 and sample.sample_rate_hz == 100.0
    assert (sample.label, sample.device_name, sample.device_type) == ("wave", "dev-1", "NANO33")


def test_json_and_cbor_of_the_same_values_are_duplicates() -> None:
    as_json = parse_upload("a.json", encode_acquisition_json(ROWS, interval_ms=10, sensors=ACC))
    as_cbor = parse_upload(
        "a.cbor",
        encode_acquisition_cbor(ROWS, interval_ms=10, sensors=ACC, device_name="other", iat=5),
    )
    assert as_json.content_hash == as_cbor.content_hash
    shifted = parse_upload("b.json", encode_acquisition_json(ROWS, interval_ms=20, sensors=ACC))
    assert shifted.content_hash != as_json.content_hash


def test_one_sensor_uses_a_flat_value_list() -> None:
    data = encode_acquisition_json([1.0, 2.0, 3.0], interval_ms=0.0625, sensors=[("audio", "wav")])
    assert json.loads(data)["payload"]["values"] == [1.0, 2.0, 3.0]
    sample = parse_upload("mic.json", data)
    assert sample.values.shape == (3, 1)
    assert sample.sample_rate_hz == pytest.approx(16000.0)


def test_encoder_signs_the_documented_json_message() -> None:
    data = encode_acquisition_json(ROWS, interval_ms=10, sensors=ACC, hmac_key=KEY, iat=7)
    obj = json.loads(data)
    signature = obj["signature"]
    zeroed = json.dumps({**obj, "signature": ZEROS}, separators=(",", ":"), ensure_ascii=False)
    assert obj["protected"]["alg"] == "HS256"
    assert signature == _hmac(zeroed.encode())
    assert data == zeroed.replace(ZEROS, signature).encode()


def test_encoder_signs_the_canonical_cbor_message() -> None:
    data = encode_acquisition_cbor(ROWS, interval_ms=10, sensors=ACC, hmac_key=KEY, iat=7)
    obj = cbor2.loads(data)
    zeroed = cbor2.dumps({**obj, "signature": ZEROS}, canonical=True)
    assert obj["signature"] == _hmac(zeroed)


def test_device_style_json_signed_over_its_own_text_verifies() -> None:
    # A device writes its own layout (indentation, integers without '.0') with a zero
    # placeholder, signs those bytes and patches the signature in.
    text = json.dumps(_envelope([[1, 2, 3], [4, 5, 6]]), indent=2).encode()
    signed = text.replace(ZEROS.encode(), _hmac(text).encode())
    sample = parse_upload("device.json", signed, hmac_key=KEY)
    np.testing.assert_array_equal(sample.values, [[1, 2, 3], [4, 5, 6]])


def test_device_style_cbor_signed_over_its_own_bytes_verifies() -> None:
    raw = cbor2.dumps(_envelope([[1.5, 2, 3]]))  # not canonical: keys in insertion order
    assert raw != cbor2.dumps(cbor2.loads(raw), canonical=True)
    signed = raw.replace(ZEROS.encode(), _hmac(raw).encode())
    assert parse_upload("device.cbor", signed, hmac_key=KEY).values.shape == (1, 3)


@pytest.mark.parametrize("extension", ["json", "cbor"])
def test_wrong_key_is_refused(assert_rejected, extension: str) -> None:
    encode = encode_acquisition_json if extension == "json" else encode_acquisition_cbor
    data = encode(ROWS, interval_ms=10, sensors=ACC, hmac_key="another-key")
    assert_rejected(f"x.{extension}", data, "signature does not match", hmac_key=KEY)


def test_tampered_json_is_refused_only_when_the_project_has_a_key(assert_rejected) -> None:
    data = encode_acquisition_json(ROWS, interval_ms=10, sensors=ACC, hmac_key=KEY)
    tampered = data.replace(b"-9.81", b"-1.81")
    assert tampered != data
    assert_rejected("tampered.json", tampered, "signature does not match", hmac_key=KEY)
    # Without a project key the signature is not checked.
    assert parse_upload("tampered.json", tampered).values[0, 0] == pytest.approx(-1.81)


def test_tampered_cbor_is_refused(assert_rejected) -> None:
    data = encode_acquisition_cbor(ROWS, interval_ms=10, sensors=ACC, hmac_key=KEY)
    obj = cbor2.loads(data)
    obj["payload"]["interval_ms"] = 20
    assert_rejected(
        "t.cbor", cbor2.dumps(obj, canonical=True), "signature does not match", hmac_key=KEY
    )


@pytest.mark.parametrize("extension", ["json", "cbor"])
def test_unsigned_data_is_refused_when_the_project_has_a_key(assert_rejected, extension) -> None:
    encode = encode_acquisition_json if extension == "json" else encode_acquisition_cbor
    data = encode(ROWS, interval_ms=10, sensors=ACC)
    assert_rejected(
        f"u.{extension}", data, "project requires signed data", "alg 'none'", hmac_key=KEY
    )


def test_malformed_signature_is_refused(assert_rejected) -> None:
    data = json.dumps(_envelope(ROWS) | {"signature": "xyz"}).encode()
    assert_rejected("sig.json", data, "64 hexadecimal characters", hmac_key=KEY)


# --- malformed envelopes -----------------------------------------------------------------------


def _json(obj: dict) -> bytes:
    return json.dumps(obj).encode()


@pytest.mark.parametrize("field", ["protected", "signature", "payload"])
def test_missing_top_level_field(assert_rejected, field: str) -> None:
    obj = _envelope(ROWS)
    del obj[field]
    assert_rejected("m.json", _json(obj), f"the field '{field}' is missing")


@pytest.mark.parametrize("field", ["device_type", "interval_ms", "sensors", "values"])
@pytest.mark.parametrize("extension", ["json", "cbor"])
def test_missing_payload_field(assert_rejected, field: str, extension: str) -> None:
    obj = _envelope(ROWS)
    del obj["payload"][field]
    data = _json(obj) if extension == "json" else cbor2.dumps(obj)
    assert_rejected(f"m.{extension}", data, f"'payload.{field}' is missing")


def test_missing_protected_alg(assert_rejected) -> None:
    obj = _envelope(ROWS)
    del obj["protected"]["alg"]
    assert_rejected("m.json", _json(obj), "'protected.alg' is missing")


def test_unsupported_version_and_algorithm(assert_rejected) -> None:
    obj = _envelope(ROWS)
    obj["protected"]["ver"] = "v2"
    assert_rejected("v.json", _json(obj), "protected.ver is 'v2'", "'v1'")
    obj = _envelope(ROWS, alg="RS256")
    assert_rejected("a.json", _json(obj), "protected.alg is 'RS256'", "HS256")


@pytest.mark.parametrize("extension", ["json", "cbor"])
def test_row_width_must_match_sensor_count(assert_rejected, extension: str) -> None:
    obj = _envelope([[1, 2, 3], [4, 5]])
    data = _json(obj) if extension == "json" else cbor2.dumps(obj)
    assert_rejected(f"w.{extension}", data, "payload.values[1] has 2 values", "lists 3 sensors")


def test_flat_values_with_several_sensors(assert_rejected) -> None:
    assert_rejected("flat.json", _json(_envelope([1, 2, 3])), "flat list", "3 sensors")


@pytest.mark.parametrize("interval_ms", [0, -10, "10", None, True])
def test_bad_interval(assert_rejected, interval_ms: object) -> None:
    obj = _envelope(ROWS, interval_ms=interval_ms)
    assert_rejected("i.json", _json(obj), "interval_ms")


def test_interval_is_named_with_its_rule(assert_rejected) -> None:
    assert_rejected(
        "i.json",
        _json(_envelope(ROWS, interval_ms=0)),
        "payload.interval_ms is 0",
        "between 0.001 ms and 1000000 ms (a rate between 0.001 Hz and 1 MHz)",
    )


def test_nan_in_json_values(assert_rejected) -> None:
    text = _json(_envelope([[1, 2, 3], [4, float("nan"), 6]]))
    assert b"NaN" in text
    assert_rejected("nan.json", text, "payload.values[1], sensor 'accY'", "NaN")


def test_nan_in_cbor_values(assert_rejected) -> None:
    data = cbor2.dumps(_envelope([[1, 2, 3], [4, 5, math.inf]]))
    assert_rejected("inf.cbor", data, "payload.values[1], sensor 'accZ'", "not a finite")


@pytest.mark.parametrize("bad", ["1.5", None, True, [1], 10**400, 1e39])
def test_non_numeric_values(assert_rejected, bad: object) -> None:
    obj = _envelope([[1, 2, 3], [4, 5, bad]])
    assert_rejected("text.json", _json(obj), "payload.values[1], sensor 'accZ'")


def test_non_numeric_value_in_a_flat_list(assert_rejected) -> None:
    obj = _envelope([1, [2], 3], sensors=[{"name": "audio", "units": "wav"}])
    assert_rejected("flat.json", _json(obj), "payload.values[1], sensor 'audio'")


def test_empty_sensors_and_values(assert_rejected) -> None:
    assert_rejected("s.json", _json(_envelope(ROWS, sensors=[])), "payload.sensors")
    assert_rejected("v.json", _json(_envelope([])), "'payload.values' must be a non-empty list")


def test_duplicate_sensor_names(assert_rejected) -> None:
    sensors = [{"name": "x", "units": ""}, {"name": "x", "units": ""}]
    obj = _envelope([[1, 2]], sensors=sensors)
    assert_rejected("dup.json", _json(obj), "duplicate sensor name 'x'")


def test_not_json(assert_rejected) -> None:
    assert_rejected("broken.json", b'{"protected": ', "not valid JSON")
    assert_rejected("list.json", b"[1, 2]", "does not start with '{'")


def test_not_cbor(assert_rejected) -> None:
    assert_rejected("broken.cbor", b"\xa3\x69protected", "not valid CBOR")
    assert_rejected("array.cbor", cbor2.dumps([1, 2]), "does not start with a CBOR map")


def test_sensors_may_be_given_as_axes_names_pairs_or_dicts() -> None:
    sensors = [Axis("accX", "m/s2"), "accY", {"name": "accZ", "units": "g"}]
    sample = parse_upload("s.json", encode_acquisition_json(ROWS, interval_ms=10, sensors=sensors))
    assert sample.axes == (Axis("accX", "m/s2"), Axis("accY", ""), Axis("accZ", "g"))


def test_encoder_refuses_values_that_do_not_match_the_sensors() -> None:
    with pytest.raises(ValueError, match="do not match 2 sensors"):
        encode_acquisition_json(ROWS, interval_ms=10, sensors=["x", "y"])


def test_an_empty_project_key_means_no_key() -> None:
    unsigned = encode_acquisition_json(ROWS, interval_ms=10, sensors=ACC)
    assert parse_upload("u.json", unsigned, hmac_key="").length == 3
