"""Generated upload files of every format, small enough to keep tests fast."""

from __future__ import annotations

import io
import wave

import numpy as np
from PIL import Image

from backend.ingest import encode_acquisition_cbor, encode_acquisition_json


def wav_bytes(
    rng: np.random.Generator, *, rate_hz: int = 16000, seconds: float = 0.25, channels: int = 1
) -> bytes:
    """16-bit PCM noise; a fresh rng draw makes every file's content different."""
    frames = int(rate_hz * seconds)
    pcm = rng.integers(-20000, 20000, size=(frames, channels), dtype=np.int16)
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(channels)
        writer.setsampwidth(2)
        writer.setframerate(rate_hz)
        writer.writeframes(pcm.astype("<i2").tobytes())
    return buffer.getvalue()


def csv_bytes(
    rng: np.random.Generator, *, rows: int = 50, interval_ms: float = 10.0, axes: tuple[str, ...] = ("accX", "accY", "accZ")
) -> bytes:
    values = rng.normal(size=(rows, len(axes)))
    lines = ["timestamp," + ",".join(axes)]
    for row, frame in enumerate(values):
        lines.append(f"{row * interval_ms:g}," + ",".join(f"{v:.5f}" for v in frame))
    return ("\n".join(lines) + "\n").encode()


def acquisition_json(
    rng: np.random.Generator,
    *,
    rows: int = 50,
    interval_ms: float = 10.0,
    axes: tuple[str, ...] = ("accX", "accY", "accZ"),
    label: str | None = None,
    hmac_key: str | None = None,
) -> bytes:
    return encode_acquisition_json(
        rng.normal(size=(rows, len(axes))),
        interval_ms=interval_ms,
        sensors=[(name, "m/s2") for name in axes],
        label=label,
        hmac_key=hmac_key,
    )


def acquisition_cbor(
    rng: np.random.Generator, *, rows: int = 50, interval_ms: float = 10.0, axes: tuple[str, ...] = ("accX", "accY", "accZ")
) -> bytes:
    return encode_acquisition_cbor(
        rng.normal(size=(rows, len(axes))),
        interval_ms=interval_ms,
        sensors=[(name, "m/s2") for name in axes],
    )


def png_bytes(rng: np.random.Generator, *, size: tuple[int, int] = (8, 6)) -> bytes:
    pixels = rng.integers(0, 256, size=(size[1], size[0], 3), dtype=np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(pixels).save(buffer, format="PNG")
    return buffer.getvalue()
