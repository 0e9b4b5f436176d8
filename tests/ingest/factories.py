"""Builders of small upload files in every format the parsers accept, written independently of
the parsers (struct for WAV, plain text for CSV, Pillow for images)."""

from __future__ import annotations

import io
import struct

import numpy as np
from PIL import Image

WAVE_FORMAT_PCM = 1
WAVE_FORMAT_IEEE_FLOAT = 3
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"


def chunk(chunk_id: bytes, body: bytes, declared_bytes: int | None = None) -> bytes:
    size = len(body) if declared_bytes is None else declared_bytes
    pad = b"\x00" if len(body) % 2 else b""
    return chunk_id + struct.pack("<I", size) + body + pad


def fmt_body(
    format_tag: int,
    channels: int,
    sample_rate_hz: int,
    bits: int,
    *,
    extensible: bool = False,
    block_align: int | None = None,
) -> bytes:
    align = channels * bits // 8 if block_align is None else block_align
    tag = WAVE_FORMAT_EXTENSIBLE if extensible else format_tag
    body = struct.pack(
        "<HHIIHH", tag, channels, sample_rate_hz, sample_rate_hz * align, align, bits
    )
    if extensible:
        body += struct.pack("<HHI", 22, bits, 0) + struct.pack("<H", format_tag) + _GUID_TAIL
    return body


def riff(*chunks: bytes) -> bytes:
    body = b"WAVE" + b"".join(chunks)
    return b"RIFF" + struct.pack("<I", len(body)) + body


def pcm_bytes(samples: np.ndarray, bits: int, is_float: bool = False) -> bytes:
    """Interleave raw integer (or float) samples, shape (frames, channels), little-endian."""
    flat = np.asarray(samples).reshape(-1)
    if is_float:
        return flat.astype("<f4" if bits == 32 else "<f8").tobytes()
    if bits == 8:
        return flat.astype(np.uint8).tobytes()
    if bits == 16:
        return flat.astype("<i2").tobytes()
    if bits == 24:
        return b"".join(struct.pack("<i", int(v))[:3] for v in flat)
    return flat.astype("<i4").tobytes()


def make_wav(
    samples: np.ndarray,
    *,
    bits: int = 16,
    sample_rate_hz: int = 16000,
    is_float: bool = False,
    extensible: bool = False,
    extra_chunks: tuple[bytes, ...] = (),
) -> bytes:
    """A WAV holding raw samples of shape (frames,) or (frames, channels)."""
    samples = np.asarray(samples)
    if samples.ndim == 1:
        samples = samples[:, np.newaxis]
    tag = WAVE_FORMAT_IEEE_FLOAT if is_float else WAVE_FORMAT_PCM
    fmt = fmt_body(tag, samples.shape[1], sample_rate_hz, bits, extensible=extensible)
    data = pcm_bytes(samples, bits, is_float)
    return riff(chunk(b"fmt ", fmt), *extra_chunks, chunk(b"data", data))


def make_csv(
    header: list[str],
    rows: list[list[object]],
    *,
    delimiter: str = ",",
    interval_ms: float | None = None,
) -> bytes:
    lines = [] if interval_ms is None else [f"# interval_ms={interval_ms:g}"]
    lines.append(delimiter.join(header))
    lines += [delimiter.join(str(cell) for cell in row) for row in rows]
    return ("\n".join(lines) + "\n").encode()


def make_image(
    pixels: np.ndarray, image_format: str = "PNG", mode: str | None = None, **save_args: object
) -> bytes:
    image = Image.fromarray(np.asarray(pixels, dtype=np.uint8))
    if mode is not None:
        image = image.convert(mode)
    buffer = io.BytesIO()
    image.save(buffer, format=image_format, **save_args)
    return buffer.getvalue()
