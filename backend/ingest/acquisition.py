"""The data acquisition format (Edge Impulse's JSON/CBOR envelope): decode, verify and encode.

What is signed: HMAC-SHA256 (hex) over the message as sent, with the top-level "signature"
value replaced by 64 '0' characters. Our encoders write that message as
- JSON: `json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False)` in UTF-8,
  keys in the order protected, signature, payload;
- CBOR: `cbor2.dumps(obj, canonical=True)`.
A verifier zeroes the signature in the received bytes themselves (that is what devices sign:
they stream the message with a zero placeholder, then patch the signature in), and, failing
that, re-serialises the decoded object with the zeroed signature in the form above.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from typing import Any, Literal, Required, TypedDict, Unpack

import cbor2
import numpy as np

from backend.ingest.errors import IngestError, shown_value
from backend.ingest.sample import (
    INTERVAL_RULE,
    Axis,
    ParsedSample,
    check_axis_count,
    is_valid_interval_ms,
    make_sample,
)
from backend.ingest.targets import parse_target, target_label
from backend.ingest.text import MAX_AXIS_NAME_CHARS, MAX_DEVICE_TEXT_CHARS, checked_text

ZERO_SIGNATURE = "0" * 64
SUPPORTED_VERSION = "v1"
SUPPORTED_ALGORITHMS = ("HS256", "none")
_FLOAT32_MAX = float(np.finfo(np.float32).max)
_JSON_SIGNATURE_VALUE = re.compile(rb'"signature"\s*:\s*"([^"\\]*)"')
_CBOR_SIGNATURE_KEY = cbor2.dumps("signature")


def _hmac_hex(key: str, message: bytes) -> str:
    return hmac.new(key.encode("utf-8"), message, hashlib.sha256).hexdigest()


def _json_text(obj: Mapping[str, Any]) -> bytes:
    return json.dumps(obj, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode()


def _cbor_bytes(obj: Mapping[str, Any]) -> bytes:
    return bytes(cbor2.dumps(obj, canonical=True))


def _with_signature(obj: Mapping[str, Any], signature: str) -> dict[str, Any]:
    return {**obj, "signature": signature}


# --- signature checks --------------------------------------------------------------------------


def _json_messages(data: bytes, obj: Mapping[str, Any]) -> Iterator[bytes]:
    """Candidate signed messages of a JSON file, cheapest first: its own bytes with the signature
    zeroed, then the compact re-serialisation (built only if the first does not verify)."""
    signature = str(obj["signature"]).encode()
    for match in _JSON_SIGNATURE_VALUE.finditer(data):
        if match.group(1) == signature:
            start, end = match.span(1)
            yield data[:start] + ZERO_SIGNATURE.encode() + data[end:]
    try:
        yield _json_text(_with_signature(obj, ZERO_SIGNATURE))
    except (ValueError, RecursionError):
        # NaN in the payload has no compact JSON form, nor has a structure nested deeper than
        # the encoder recurses; the data checks reject both.
        pass


def _cbor_messages(data: bytes, obj: Mapping[str, Any]) -> Iterator[bytes]:
    """Candidate signed messages of a CBOR file: its own bytes with the signature zeroed, then the
    canonical re-encoding."""
    encoded_value = cbor2.dumps(obj["signature"])
    zeroed_value = cbor2.dumps(ZERO_SIGNATURE)
    position = data.find(_CBOR_SIGNATURE_KEY + encoded_value)
    if position >= 0 and len(zeroed_value) == len(encoded_value):
        start = position + len(_CBOR_SIGNATURE_KEY)
        yield data[:start] + zeroed_value + data[start + len(encoded_value) :]
    try:
        yield _cbor_bytes(_with_signature(obj, ZERO_SIGNATURE))
    except (cbor2.CBOREncodeError, ValueError, RecursionError):
        pass  # no canonical form (deep nesting, odd keys): only the file's own bytes can verify


def _check_signature(
    filename: str,
    obj: Mapping[str, Any],
    hmac_key: str | None,
    messages: Iterable[bytes],
) -> None:
    if hmac_key is None:
        return
    algorithm = obj["protected"]["alg"]
    if algorithm == "none":
        raise IngestError(
            filename,
            "the project requires signed data, but this file is unsigned (alg 'none'); "
            "sign it with HMAC-SHA256 (alg 'HS256') using the project's HMAC key",
        )
    signature = obj["signature"]
    if not isinstance(signature, str) or not re.fullmatch(r"[0-9a-fA-F]{64}", signature):
        raise IngestError(
            filename, "the signature must be 64 hexadecimal characters (HMAC-SHA256 in hex)"
        )
    for message in messages:
        if hmac.compare_digest(_hmac_hex(hmac_key, message), signature.lower()):
            return
    raise IngestError(
        filename,
        "the signature does not match: the file was changed after signing, or it was signed "
        "with another key than the project's HMAC key",
    )


# --- structure checks --------------------------------------------------------------------------


def _require(filename: str, mapping: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in mapping:
        raise IngestError(filename, f"the field '{where}{key}' is missing")
    return mapping[key]


def _require_mapping(filename: str, value: Any, where: str) -> Mapping[str, Any]:
    if not isinstance(value, Mapping):
        raise IngestError(filename, f"'{where}' must be an object, not {type(value).__name__}")
    return value


def _optional_text(filename: str, payload: Mapping[str, Any], key: str) -> str | None:
    value = payload.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise IngestError(filename, f"'payload.{key}' must be text, not {type(value).__name__}")
    return checked_text(filename, f"payload.{key}", value, max_chars=MAX_DEVICE_TEXT_CHARS)


def _label_of(filename: str, payload: Mapping[str, Any]) -> str | None:
    """payload.label (text, or a number: a regression target) or payload.value (a number)."""
    label, value = payload.get("label"), payload.get("value")
    if label is not None and value is not None:
        raise IngestError(
            filename, "the payload has both 'label' and 'value'; give one (value: a number)"
        )
    numeric_label = isinstance(label, int | float) and not isinstance(label, bool)
    if value is None and not numeric_label:
        return _optional_text(filename, payload, "label")
    key = "value" if value is not None else "label"
    try:
        return target_label(parse_target(payload[key]))
    except ValueError as error:
        raise IngestError(filename, f"'payload.{key}': {error}") from None


def _check_envelope(filename: str, obj: Any) -> Mapping[str, Any]:
    envelope = _require_mapping(filename, obj, "the top level")
    protected = _require_mapping(
        filename, _require(filename, envelope, "protected", ""), "protected"
    )
    _require(filename, envelope, "signature", "")
    _require_mapping(filename, _require(filename, envelope, "payload", ""), "payload")
    version = _require(filename, protected, "ver", "protected.")
    if version != SUPPORTED_VERSION:
        raise IngestError(
            filename,
            f"protected.ver is {shown_value(version)}; only {SUPPORTED_VERSION!r} is supported",
        )
    algorithm = _require(filename, protected, "alg", "protected.")
    if algorithm not in SUPPORTED_ALGORITHMS:
        raise IngestError(
            filename,
            f"protected.alg is {shown_value(algorithm)}; "
            f"supported: {', '.join(SUPPORTED_ALGORITHMS)}",
        )
    return envelope


def _parse_sensors(filename: str, sensors: Any) -> tuple[Axis, ...]:
    if not isinstance(sensors, list) or not sensors:
        raise IngestError(filename, "'payload.sensors' must be a non-empty list of {name, units}")
    axes = []
    seen: set[str] = set()
    for index, sensor in enumerate(sensors):
        where = f"payload.sensors[{index}]"
        sensor = _require_mapping(filename, sensor, where)
        name = _require(filename, sensor, "name", f"{where}.")
        units = sensor.get("units", "")
        if not isinstance(name, str) or not name:
            raise IngestError(filename, f"'{where}.name' must be non-empty text")
        if not isinstance(units, str):
            raise IngestError(filename, f"'{where}.units' must be text")
        checked_text(filename, f"{where}.name", name, max_chars=MAX_AXIS_NAME_CHARS)
        checked_text(filename, f"{where}.units", units, max_chars=MAX_AXIS_NAME_CHARS)
        if name in seen:
            raise IngestError(filename, f"duplicate sensor name '{name}' in payload.sensors")
        seen.add(name)
        axes.append(Axis(name, units))
    return tuple(axes)


def _parse_interval(filename: str, interval_ms: Any) -> float:
    if isinstance(interval_ms, bool) or not isinstance(interval_ms, int | float):
        raise IngestError(filename, "'payload.interval_ms' must be a number of milliseconds")
    # An integer of 400 digits is valid JSON but no float (float() would raise OverflowError).
    too_large_for_float = isinstance(interval_ms, int) and abs(interval_ms) > 2**53
    if too_large_for_float or not is_valid_interval_ms(float(interval_ms)):
        raise IngestError(
            filename, f"payload.interval_ms is {shown_value(interval_ms)}; {INTERVAL_RULE}"
        )
    return float(interval_ms)


def _is_finite_number(value: Any) -> bool:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return False
    try:
        return math.isfinite(value) and abs(value) <= _FLOAT32_MAX
    except OverflowError:  # an integer too large for any float
        return False


def _first_bad_value(rows: list[Any], flat: bool) -> tuple[int, int, Any]:
    for row_index, row in enumerate(rows):
        cells = [row] if flat else row
        for axis_index, value in enumerate(cells):
            if not _is_finite_number(value):
                return row_index, axis_index, value
    raise AssertionError("no bad value found, though numpy rejected the values")


def _parse_values(filename: str, values: Any, axes: tuple[Axis, ...]) -> np.ndarray:
    if not isinstance(values, list) or not values:
        raise IngestError(filename, "'payload.values' must be a non-empty list")
    n_axes = len(axes)
    flat = not isinstance(values[0], list)
    # Row shapes are checked at C speed; the Python walk runs only to name a bad row.
    if flat and n_axes != 1:
        raise IngestError(
            filename,
            f"payload.values is a flat list, but payload.sensors lists {n_axes} sensors; "
            f"give one row of {n_axes} values per frame",
        )
    if not flat and (set(map(type, values)) != {list} or set(map(len, values)) != {n_axes}):
        for row_index, row in enumerate(values):
            if not isinstance(row, list) or len(row) != n_axes:
                width = len(row) if isinstance(row, list) else 1
                raise IngestError(
                    filename,
                    f"payload.values[{row_index}] has {width} values, but payload.sensors "
                    f"lists {n_axes} sensors; each row needs one value per sensor",
                )
    # Types are checked at C speed first (numpy would quietly turn true into 1 and "1.5" into 1.5).
    cells = values if flat else itertools.chain.from_iterable(values)
    values_array = None
    if set(map(type, cells)) <= {int, float}:
        with np.errstate(over="ignore", invalid="ignore"):
            try:
                values_array = np.array(values, dtype=np.float64).astype(np.float32)
            except OverflowError:  # an integer beyond any float; the walk below names it
                values_array = None
    if values_array is None or not np.isfinite(values_array).all():
        # Slow walk only on error, to name the cell.
        row_index, axis_index, bad = _first_bad_value(values, flat)
        raise IngestError(
            filename,
            f"payload.values[{row_index}], sensor '{axes[axis_index].name}': {shown_value(bad)} "
            "is not a "
            "finite 32-bit number (NaN, infinity, text, null and values beyond 3.4e38 are not "
            "allowed)",
        )
    return values_array.reshape(len(values), n_axes)


def _to_sample(
    filename: str,
    obj: Mapping[str, Any],
    source_format: Literal["json", "cbor"],
) -> ParsedSample:
    payload = obj["payload"]
    device_type = _require(filename, payload, "device_type", "payload.")
    if not isinstance(device_type, str):
        raise IngestError(filename, "'payload.device_type' must be text")
    checked_text(filename, "payload.device_type", device_type, max_chars=MAX_DEVICE_TEXT_CHARS)
    interval_ms = _parse_interval(filename, _require(filename, payload, "interval_ms", "payload."))
    axes = _parse_sensors(filename, _require(filename, payload, "sensors", "payload."))
    check_axis_count(filename, len(axes), "sensors")
    values = _parse_values(filename, _require(filename, payload, "values", "payload."), axes)
    return make_sample(
        kind="timeseries",
        values=values,
        axes=axes,
        interval_ms=interval_ms,
        source_format=source_format,
        label=_label_of(filename, payload),
        device_name=_optional_text(filename, payload, "device_name"),
        device_type=device_type,
    )


# --- public parsers ----------------------------------------------------------------------------


def _short(message: str, max_chars: int = 200) -> str:
    """A decoder's message, cut: some quote the offending bytes whole."""
    return message if len(message) <= max_chars else message[: max_chars - 3] + "..."


def parse_acquisition_json(
    filename: str, data: bytes, *, hmac_key: str | None = None
) -> ParsedSample:
    """Decode and validate a JSON acquisition-format file; verify its signature given a key."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise IngestError(
            filename, f"not a JSON file: byte {error.start} is not valid UTF-8"
        ) from None
    if not text.lstrip().startswith("{"):
        raise IngestError(filename, "not a JSON acquisition file: it does not start with '{'")
    try:
        obj = json.loads(text)
    except ValueError as error:
        raise IngestError(filename, f"not valid JSON: {_short(str(error))}") from None
    except RecursionError:
        raise IngestError(
            filename,
            "the JSON is nested too deeply (hundreds of levels of [ ] or { }); "
            "an acquisition file needs four",
        ) from None
    obj = _check_envelope(filename, obj)
    raw = data[3:] if data.startswith(b"\xef\xbb\xbf") else data
    if hmac_key is not None:
        _check_signature(filename, obj, hmac_key, _json_messages(raw, obj))
    return _to_sample(filename, obj, "json")


def parse_acquisition_cbor(
    filename: str, data: bytes, *, hmac_key: str | None = None
) -> ParsedSample:
    """Decode and validate a CBOR acquisition-format file; verify its signature given a key."""
    # A CBOR map starts with major type 5 (0xa0-0xbf); anything else is not our envelope.
    if not data or not 0xA0 <= data[0] <= 0xBF:
        raise IngestError(
            filename, "not a CBOR acquisition file: it does not start with a CBOR map"
        )
    try:
        obj = cbor2.loads(data)
    except (cbor2.CBORDecodeError, ValueError, OverflowError, MemoryError, RecursionError) as error:
        raise IngestError(filename, f"not valid CBOR: {_short(str(error))}") from None
    obj = _check_envelope(filename, obj)
    if hmac_key is not None:
        _check_signature(filename, obj, hmac_key, _cbor_messages(data, obj))
    return _to_sample(filename, obj, "cbor")


# --- encoders (tests, CLI, benchmarks) -----------------------------------------------------------


SensorSpec = Axis | str | tuple[str, str] | Mapping[str, str]


def _as_axis(sensor: SensorSpec) -> Axis:
    """Axis("accX", "m/s2"), "accX", ("accX", "m/s2") or {"name": "accX", "units": "m/s2"}."""
    if isinstance(sensor, Axis):
        return sensor
    if isinstance(sensor, str):
        return Axis(sensor, "")
    if isinstance(sensor, Mapping):
        return Axis(str(sensor["name"]), str(sensor.get("units", "")))
    name, units = sensor
    return Axis(name, units)


def build_acquisition_object(
    values: Any,
    *,
    interval_ms: float,
    sensors: Sequence[SensorSpec],
    device_type: str = "MCUFORGE_CLI",
    device_name: str | None = None,
    label: str | None = None,
    signed: bool = False,
    iat: int | None = None,
) -> dict[str, Any]:
    """The envelope as a dict with a zeroed signature; one sensor gets a flat list of values."""
    axes = [_as_axis(sensor) for sensor in sensors]
    array = np.asarray(values, dtype=np.float64)
    if array.ndim == 1:
        array = array.reshape(-1, 1)
    if array.ndim != 2 or array.shape[1] != len(axes):
        raise ValueError(f"values of shape {array.shape} do not match {len(axes)} sensors")
    value_list = array[:, 0].tolist() if len(axes) == 1 else array.tolist()
    payload: dict[str, Any] = {}
    if device_name is not None:
        payload["device_name"] = device_name
    payload["device_type"] = device_type
    payload["interval_ms"] = interval_ms
    payload["sensors"] = [{"name": axis.name, "units": axis.units} for axis in axes]
    payload["values"] = value_list
    if label is not None:
        payload["label"] = label
    return {
        "protected": {
            "ver": SUPPORTED_VERSION,
            "alg": "HS256" if signed else "none",
            "iat": int(time.time()) if iat is None else iat,
        },
        "signature": ZERO_SIGNATURE,
        "payload": payload,
    }


class AcquisitionFields(TypedDict, total=False):
    """build_acquisition_object's keywords (all but `signed`), which the encoders pass through, so
    that their names, types and defaults are written once, there."""

    interval_ms: Required[float]
    sensors: Required[Sequence[SensorSpec]]
    device_type: str
    device_name: str | None
    label: str | None
    iat: int | None


def _encode_acquisition(
    serialise: Callable[[Mapping[str, Any]], bytes],
    values: Any,
    hmac_key: str | None,
    fields: AcquisitionFields,
) -> bytes:
    # The HMAC is taken over the same serialisation that is written, with the zero placeholder
    # still in place: the form a verifier rebuilds when the file's own bytes do not verify.
    obj = build_acquisition_object(values, signed=hmac_key is not None, **fields)
    if hmac_key is not None:
        obj["signature"] = _hmac_hex(hmac_key, serialise(obj))
    return serialise(obj)


def encode_acquisition_json(
    values: Any, *, hmac_key: str | None = None, **fields: Unpack[AcquisitionFields]
) -> bytes:
    """A JSON acquisition file; signed with HMAC-SHA256 over the zero-signature text given a key."""
    return _encode_acquisition(_json_text, values, hmac_key, fields)


def encode_acquisition_cbor(
    values: Any, *, hmac_key: str | None = None, **fields: Unpack[AcquisitionFields]
) -> bytes:
    """A CBOR acquisition file (canonical encoding); signed over the zero-signature encoding."""
    return _encode_acquisition(_cbor_bytes, values, hmac_key, fields)
