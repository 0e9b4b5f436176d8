"""The serial protocol of the SDK's device_test example (deploy_targets/sdk/templates/
device_test.cpp.j2 states it): windows to the board as base64 float32 with a CRC-32, its answer as
one line of scores, anomaly, value and counter. Pure encoding and parsing, plus a small link
over any object with pyserial's read/write."""

from __future__ import annotations

import base64
import re
import struct
import time
import zlib
from dataclasses import dataclass
from typing import Any

import numpy as np

VALUES_PER_LINE = 48  # the example's line buffer: 192 bytes, 256 base64 characters
READY_PREFIX = "mf_device_test ready"

_READY = re.compile(r"^mf_device_test ready frame=(\d+) labels=(\d+) counter=(\w+)$")
_RESULT = re.compile(
    r"^result (\d+) counter=(\d+) scores=([0-9a-f,]*) anomaly=([0-9a-f]{8}) value=([0-9a-f]{8})$"
)
_ERROR = re.compile(r"^error (\d+) (.*)$")


class DeviceError(Exception):
    """The board did not answer as the protocol says, or answered an error; str() says what."""


@dataclass(frozen=True)
class BoardInfo:
    """What the board's ready line and labels line say."""

    frame_size: int
    labels: list[str]
    counter_unit: str


@dataclass(frozen=True)
class BoardResult:
    """The board's answer to one window."""

    window_id: int
    scores: list[float]
    anomaly: float
    value: float
    counter: int


def encode_window(window_id: int, values: np.ndarray | list[float]) -> bytes:
    """The lines that send one window: header, base64 float32 lines, CRC-32 of the bytes."""
    data = np.ascontiguousarray(np.asarray(values, dtype="<f4").reshape(-1)).tobytes()
    count = len(data) // 4
    lines = [f"window {window_id} {count}"]
    step = VALUES_PER_LINE * 4
    lines += [base64.b64encode(data[at:at + step]).decode("ascii")
              for at in range(0, len(data), step)]
    lines.append(f"end {zlib.crc32(data):08x}")
    return ("\n".join(lines) + "\n").encode("ascii")


def _float(hex_text: str) -> float:
    return float(struct.unpack("<f", bytes.fromhex(hex_text))[0])


def parse_ready(line: str) -> tuple[int, int, str] | None:
    """(frame size, label count, counter unit) of a ready line, else None."""
    match = _READY.match(line.strip())
    return None if match is None else (int(match[1]), int(match[2]), match[3])


def parse_answer(line: str) -> BoardResult:
    """A result line; DeviceError for an error line or anything else."""
    text = line.strip()
    match = _RESULT.match(text)
    if match is not None:
        scores = [_float(part) for part in match[3].split(",") if part]
        return BoardResult(int(match[1]), scores, _float(match[4]), _float(match[5]),
                           int(match[2]))
    error = _ERROR.match(text)
    if error is not None:
        raise DeviceError(f"the board refused window {error[1]}: {error[2]}")
    raise DeviceError(f"the board answered {text[:120]!r}, not a result line")


class DeviceLink:
    """The device_test example on a serial port (anything with read(n) and write(bytes))."""

    def __init__(self, port: Any, timeout_s: float = 30.0) -> None:
        self.port = port
        self.timeout_s = timeout_s
        self._buffer = b""

    def read_line(self, timeout_s: float) -> str | None:
        deadline = time.monotonic() + timeout_s
        while b"\n" not in self._buffer:
            if time.monotonic() >= deadline:
                return None
            waiting = getattr(self.port, "in_waiting", 0) or 0
            chunk = self.port.read(max(1, min(waiting, 65536)))
            if chunk:
                self._buffer += chunk
                if len(self._buffer) > 1 << 20:
                    raise DeviceError("the board sent 1 MB without a line end")
        line, _, self._buffer = self._buffer.partition(b"\n")
        return line.decode("ascii", "replace").rstrip("\r")

    def hello(self, timeout_s: float = 10.0) -> BoardInfo:
        """Ask the board who it is (it may have printed its ready line before we listened)."""
        deadline = time.monotonic() + timeout_s
        seen: list[str] = []
        while time.monotonic() < deadline:
            self.port.write(b"hello\n")
            attempt_end = min(deadline, time.monotonic() + 2.0)
            while (line := self.read_line(max(0.0, attempt_end - time.monotonic()))) is not None:
                ready = parse_ready(line)
                if ready is None:
                    seen.append(line)
                    continue
                labels_line = self.read_line(5.0)
                if labels_line is None or not labels_line.startswith("labels"):
                    raise DeviceError(f"after its ready line the board sent {labels_line!r}, "
                                      "not its labels")
                labels = labels_line[len("labels "):].split("\t") if ready[1] else []
                if len(labels) != ready[1]:
                    raise DeviceError(f"the board announced {ready[1]} labels and named "
                                      f"{len(labels)}")
                return BoardInfo(ready[0], labels, ready[2])
        last = f"; it printed {seen[-1][:80]!r}" if seen else "; it printed nothing"
        raise DeviceError(
            f"no device_test firmware answered within {timeout_s:g} s{last} (is the "
            "examples/device_test firmware flashed, and the baud rate right?)"
        )

    def classify(self, window_id: int, values: np.ndarray | list[float]) -> BoardResult:
        """Send one window and wait for the board's answer to it."""
        self.port.write(encode_window(window_id, values))
        flush = getattr(self.port, "flush", None)
        if flush is not None:
            flush()
        while True:
            line = self.read_line(self.timeout_s)
            if line is None:
                raise DeviceError(f"the board did not answer window {window_id} within "
                                  f"{self.timeout_s:g} s")
            if line.startswith(("result ", "error ")):
                result = parse_answer(line)
                if result.window_id != window_id:
                    raise DeviceError(f"the board answered window {result.window_id}, "
                                      f"not {window_id}")
                return result
            # Anything else (a debug print of the firmware) is not an answer.
