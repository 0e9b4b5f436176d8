"""The device_test protocol's host side: what a window looks like on the wire, and how the
board's answers are read (the firmware's side runs in test_device_test.py)."""

from __future__ import annotations

import base64
import struct
import zlib

import numpy as np
import pytest

from backend.commands.device_protocol import (
    VALUES_PER_LINE,
    DeviceError,
    encode_window,
    parse_answer,
    parse_ready,
)


def test_a_window_is_a_header_base64_lines_and_the_crc_of_its_bytes() -> None:
    values = np.arange(100, dtype=np.float32) / 8
    lines = encode_window(5, values).decode().splitlines()
    assert lines[0] == "window 5 100"
    data_lines = lines[1:-1]
    # 48 values (192 bytes) a line: 256 characters; the last 4 values: 16 bytes, padded.
    assert VALUES_PER_LINE == 48
    assert [len(line) for line in data_lines] == [256, 256, 24]
    assert data_lines[-1].endswith("=")
    raw = b"".join(base64.b64decode(line, validate=True) for line in data_lines)
    assert np.array_equal(np.frombuffer(raw, dtype="<f4"), values)  # bytes in memory order
    assert lines[-1] == f"end {zlib.crc32(raw):08x}"


def hex_of(value: float) -> str:
    return struct.pack("<f", value).hex()


def test_a_result_line_gives_the_exact_floats() -> None:
    scores = [0.00390625, 0.99609375]
    line = (f"result 12 counter=7809456 scores={','.join(map(hex_of, scores))} "
            f"anomaly={hex_of(-1.5)} value={hex_of(0.0)}\r")
    result = parse_answer(line)
    assert (result.window_id, result.counter) == (12, 7809456)
    assert result.scores == scores and result.anomaly == -1.5 and result.value == 0.0


def test_an_error_line_or_noise_is_a_device_error_saying_so() -> None:
    with pytest.raises(DeviceError, match="the board refused window 3: checksum mismatch"):
        parse_answer("error 3 checksum mismatch")
    with pytest.raises(DeviceError, match="not a result line"):
        parse_answer("Booting Zephyr OS")
    with pytest.raises(DeviceError, match="not a result line"):
        parse_answer("result 1 counter=5 scores=zz anomaly=00000000 value=00000000")


def test_the_ready_line_names_frame_labels_and_counter() -> None:
    assert parse_ready("mf_device_test ready frame=375 labels=4 counter=cycles") == (
        375, 4, "cycles")
    assert parse_ready("mf_device_test ready") is None
