"""Hypothesis strategies for hostile upload files: random bytes, damaged valid files, extreme
numbers, odd text, deep nesting, in every format the upload route accepts.

Each strategy draws (filename, bytes). Used by the parser fuzz tests (tests/ingest) and the
upload-route fuzz tests (tests/api/routes).
"""

from __future__ import annotations

import json
from typing import Any

import cbor2
import numpy as np
from hypothesis import strategies as st

from backend.ingest import encode_acquisition_cbor, encode_acquisition_json
from tests.ingest.factories import make_csv, make_image, make_wav

EXTENSIONS = ("wav", "csv", "json", "cbor", "png", "jpg")

# Numbers that broke or nearly broke something: float extremes, subnormals, 32-bit overflow,
# integers past int64 and past every float.
EXTREME_FLOATS = [1e308, -1e308, 1.7976931348623157e308, 5e-324, 1e-320, 1e306, 3.5e38, -0.0]
EXTREME_INTS = [0, -1, 2**31, 2**63, 2**64, 10**400, -(10**400)]
floats = st.floats(allow_nan=True, allow_infinity=True) | st.sampled_from(EXTREME_FLOATS)
ints = st.integers(-(2**70), 2**70) | st.sampled_from(EXTREME_INTS)
# Control characters, NUL and lone surrogates are drawn often, not left to chance.
odd_characters = st.characters(codec=None) | st.sampled_from(
    ["\x00", "\x1b", "\n", "\ud800", "\u202e", "é"]
)
odd_text = st.text(odd_characters, max_size=12)
scalars = st.none() | st.booleans() | floats | ints | odd_text
json_values = st.recursive(
    scalars,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(odd_text, children, max_size=4)
    ),
    max_leaves=16,
)


def _valid_files() -> dict[str, bytes]:
    rng = np.random.default_rng(13)
    values = rng.normal(size=(6, 2))
    return {
        "wav": make_wav(rng.integers(-1000, 1000, size=(20, 1))),
        "csv": make_csv(["timestamp", "x", "y"], [[i * 10, *row] for i, row in enumerate(values)]),
        "json": encode_acquisition_json(values, interval_ms=10, sensors=["x", "y"], label="a"),
        "cbor": encode_acquisition_cbor(values, interval_ms=10, sensors=["x", "y"], label="a"),
        "png": make_image(rng.integers(0, 256, size=(4, 5, 3))),
        "jpg": make_image(rng.integers(0, 256, size=(8, 8, 3)), "JPEG"),
    }


VALID_FILES = _valid_files()


@st.composite
def mutated(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` truncated, with bytes overwritten, inserted or deleted."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 4))):
        action = draw(st.sampled_from(["overwrite", "insert", "delete", "truncate"]))
        position = draw(st.integers(0, max(0, len(out) - 1)))
        if action == "overwrite" and out:
            out[position] = draw(st.integers(0, 255))
        elif action == "insert":
            out[position:position] = draw(st.binary(min_size=1, max_size=8))
        elif action == "delete":
            del out[position : position + draw(st.integers(1, 8))]
        else:
            del out[position:]
    return bytes(out)


def _set_path(obj: dict[str, Any], path: tuple[Any, ...], value: Any) -> None:
    target: Any = obj
    for key in path[:-1]:
        target = target[key]
    target[path[-1]] = value


ACQUISITION_PATHS: list[tuple[Any, ...]] = [
    ("payload", "interval_ms"),
    ("payload", "values"),
    ("payload", "values", 0),
    ("payload", "values", 0, 1),
    ("payload", "sensors"),
    ("payload", "sensors", 0),
    ("payload", "sensors", 0, "name"),
    ("payload", "sensors", 1, "units"),
    ("payload", "device_name"),
    ("payload", "device_type"),
    ("payload", "label"),
    ("payload",),
    ("protected",),
    ("protected", "ver"),
    ("protected", "alg"),
    ("signature",),
]


@st.composite
def acquisition_objects(draw: st.DrawFn) -> dict[str, Any]:
    """A valid acquisition envelope with one to three fields replaced by odd values."""
    obj: dict[str, Any] = json.loads(VALID_FILES["json"])
    if draw(st.booleans()):
        # The interval alone, most often: every other field left valid, so that only the
        # interval rule stands between an extreme number and the database.
        obj["payload"]["interval_ms"] = draw(floats | ints)
        return obj
    for _ in range(draw(st.integers(1, 3))):
        path = draw(st.sampled_from(ACQUISITION_PATHS))
        try:
            _set_path(obj, path, draw(json_values))
        except (KeyError, IndexError, TypeError):
            pass  # an earlier replacement removed the parent; this one has nowhere to go
    return obj


@st.composite
def acquisition_files(draw: st.DrawFn) -> tuple[str, bytes]:
    obj = draw(acquisition_objects())
    if draw(st.booleans()):
        try:
            return "acq.1.cbor", cbor2.dumps(obj)
        except UnicodeEncodeError:
            pass  # a lone surrogate has no CBOR text form; JSON can escape it
    # ensure_ascii escapes lone surrogates ("\\ud800"); without it they are sent as raw bytes.
    text = json.dumps(obj, ensure_ascii=draw(st.booleans()))
    return "acq.1.json", text.encode("utf-8", "surrogatepass")


@st.composite
def deeply_nested_files(draw: st.DrawFn) -> tuple[str, bytes]:
    depth = draw(st.integers(1, 20_000))
    if draw(st.booleans()):
        opening, closing = draw(st.sampled_from([(b"[", b"]"), (b'{"a":', b"}")]))
        return "deep.1.json", b'{"payload":' + opening * depth + b"1" + closing * depth + b"}"
    return "deep.1.cbor", b"\xa1\x67payload" + b"\x81" * depth + b"\x01"


def _cell(value: float | int | str) -> str:
    return repr(value) if not isinstance(value, str) else value


@st.composite
def csv_files(draw: st.DrawFn) -> tuple[str, bytes]:
    """CSV text with odd headers, extreme or non-numeric cells and odd interval comments."""
    n_columns = draw(st.integers(1, 3))
    header = draw(
        st.lists(
            st.sampled_from(["timestamp", "time (s)", "x", "y (g)"]) | odd_text,
            min_size=n_columns,
            max_size=n_columns,
        )
    )
    rows = draw(
        st.lists(
            st.lists(floats | ints | odd_text, min_size=n_columns, max_size=n_columns),
            min_size=0,
            max_size=5,
        )
    )
    lines = []
    if draw(st.booleans()):
        lines.append(f"# interval_ms={_cell(draw(floats | ints | odd_text))}")
    if draw(st.booleans()):
        # A valid file but for its time column: steps drawn from the extremes.
        step = draw(floats)
        lines += ["timestamp,x"] + [
            f"{_cell(step * i)},{i}" for i in range(draw(st.integers(1, 4)))
        ]
        return "time.1.csv", "\n".join(lines).encode()
    lines.append(",".join(header))
    lines += [",".join(_cell(cell) for cell in row) for row in rows]
    return "odd.1.csv", "\n".join(lines).encode("utf-8", "surrogatepass")


@st.composite
def damaged_files(draw: st.DrawFn) -> tuple[str, bytes]:
    extension = draw(st.sampled_from(EXTENSIONS))
    return f"bad.1.{extension}", draw(mutated(VALID_FILES[extension]))


@st.composite
def random_files(draw: st.DrawFn) -> tuple[str, bytes]:
    extension = draw(st.sampled_from(EXTENSIONS))
    return f"rnd.1.{extension}", draw(st.binary(max_size=300))


any_file = st.one_of(
    random_files(), damaged_files(), acquisition_files(), deeply_nested_files(), csv_files()
)
