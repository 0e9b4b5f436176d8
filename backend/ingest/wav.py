"""WAV (RIFF/WAVE) decoding: a chunk parser written with struct, sample decoding with numpy.

Values are stored in the int16 range, as Edge Impulse stores audio: 16-bit samples keep their
integer values, 8-bit unsigned become (v - 128) * 256, 24-bit v / 256, 32-bit v / 65536 and
IEEE float v * 32768.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import numpy as np

from backend.ingest.errors import IngestError
from backend.ingest.sample import MAX_SAMPLE_RATE_HZ as SERIES_MAX_SAMPLE_RATE_HZ
from backend.ingest.sample import Axis, ParsedSample, check_axis_count, make_sample

WAVE_FORMAT_PCM = 0x0001
WAVE_FORMAT_IEEE_FLOAT = 0x0003
WAVE_FORMAT_EXTENSIBLE = 0xFFFE
# The 14 bytes after the 2-byte format tag in every KSDATAFORMAT_SUBTYPE_* GUID we accept.
_KSDATAFORMAT_GUID_TAIL = b"\x00\x00\x00\x00\x10\x00\x80\x00\x00\xaa\x00\x38\x9b\x71"

MIN_SAMPLE_RATE_HZ = 1  # a WAV header holds whole hertz
MAX_SAMPLE_RATE_HZ = int(SERIES_MAX_SAMPLE_RATE_HZ)
MAX_CHANNELS = 64
_SUPPORTED = "PCM 8/16/24/32-bit integer or 32/64-bit IEEE float"


@dataclass(frozen=True)
class WavFormat:
    """What the fmt chunk says, with WAVE_FORMAT_EXTENSIBLE resolved to its sub-format."""

    format_tag: int
    channels: int
    sample_rate_hz: int
    block_align_bytes: int
    bits_per_sample: int


def _read_chunks(filename: str, data: bytes) -> tuple[bytes, memoryview]:
    """Walk the RIFF chunks; return the fmt chunk body and a view of the data chunk body."""
    if len(data) < 12 or data[0:4] != b"RIFF" or data[8:12] != b"WAVE":
        hint = " (RF64 files are not supported)" if data[0:4] == b"RF64" else ""
        raise IngestError(
            filename, f"not a WAV file: it does not start with a RIFF/WAVE header{hint}"
        )
    view = memoryview(data)
    fmt_body: bytes | None = None
    data_body: memoryview | None = None
    offset = 12
    while offset + 8 <= len(data):
        chunk_id = bytes(data[offset : offset + 4])
        (chunk_bytes,) = struct.unpack_from("<I", data, offset + 4)
        body_start = offset + 8
        available = len(data) - body_start
        if chunk_id == b"data":
            if chunk_bytes > available:
                raise IngestError(
                    filename,
                    f"the WAV data chunk is truncated: its header declares {chunk_bytes} bytes "
                    f"but only {available} bytes follow (was the upload cut short?)",
                )
            data_body = view[body_start : body_start + chunk_bytes]
        elif chunk_id == b"fmt ":
            if chunk_bytes > available:
                raise IngestError(
                    filename,
                    f"the WAV fmt chunk is truncated: it declares {chunk_bytes} bytes "
                    f"but only {available} bytes follow",
                )
            fmt_body = bytes(data[body_start : body_start + chunk_bytes])
        elif chunk_bytes > available:
            # A trailing metadata chunk cut short does not hurt the audio; stop walking here.
            break
        # Chunks are word-aligned: an odd-sized body is followed by one pad byte.
        offset = body_start + chunk_bytes + (chunk_bytes & 1)
    if fmt_body is None:
        raise IngestError(
            filename, "the WAV file has no fmt chunk, so its sample format is unknown"
        )
    if data_body is None:
        raise IngestError(filename, "the WAV file has no data chunk, so it holds no audio")
    return fmt_body, data_body


def _parse_fmt(filename: str, body: bytes) -> WavFormat:
    if len(body) < 16:
        raise IngestError(
            filename, f"the WAV fmt chunk is {len(body)} bytes; at least 16 bytes are needed"
        )
    format_tag, channels, sample_rate_hz, _byte_rate, block_align, bits = struct.unpack_from(
        "<HHIIHH", body, 0
    )
    if format_tag == WAVE_FORMAT_EXTENSIBLE:
        if len(body) < 40:
            raise IngestError(
                filename,
                f"the WAV fmt chunk says WAVE_FORMAT_EXTENSIBLE but is {len(body)} bytes; "
                "40 bytes are needed",
            )
        sub_format = body[24:40]
        if sub_format[2:] != _KSDATAFORMAT_GUID_TAIL:
            raise IngestError(
                filename,
                f"unsupported WAV sub-format GUID {sub_format.hex()}; supported: {_SUPPORTED}",
            )
        (format_tag,) = struct.unpack_from("<H", sub_format, 0)
    if format_tag not in (WAVE_FORMAT_PCM, WAVE_FORMAT_IEEE_FLOAT):
        raise IngestError(
            filename,
            f"unsupported WAV format tag 0x{format_tag:04x} (compressed audio?); "
            f"supported: {_SUPPORTED}",
        )
    supported_bits = (8, 16, 24, 32) if format_tag == WAVE_FORMAT_PCM else (32, 64)
    if bits not in supported_bits:
        kind = "integer PCM" if format_tag == WAVE_FORMAT_PCM else "IEEE float"
        raise IngestError(
            filename,
            f"unsupported bit depth: {bits}-bit {kind}; supported: {_SUPPORTED}",
        )
    if channels < 1 or channels > MAX_CHANNELS:
        raise IngestError(
            filename, f"the WAV file has {channels} channels; 1 to {MAX_CHANNELS} are supported"
        )
    check_axis_count(filename, channels, "channels")
    if sample_rate_hz < MIN_SAMPLE_RATE_HZ or sample_rate_hz > MAX_SAMPLE_RATE_HZ:
        raise IngestError(
            filename,
            f"the WAV sample rate is {sample_rate_hz} Hz; it must be between "
            f"{MIN_SAMPLE_RATE_HZ} Hz and {MAX_SAMPLE_RATE_HZ} Hz",
        )
    frame_bytes = channels * bits // 8
    if block_align != frame_bytes:
        raise IngestError(
            filename,
            f"the WAV block align is {block_align} bytes, but {channels} channel(s) of "
            f"{bits}-bit samples take {frame_bytes} bytes per frame",
        )
    return WavFormat(format_tag, channels, sample_rate_hz, block_align, bits)


def _decode_samples(fmt: WavFormat, body: memoryview, frames: int) -> np.ndarray:
    """Interleaved samples -> float32 array (frames, channels) in the int16 range.

    Scaling by a power of two commutes with rounding to float32, so each depth is converted to
    float32 first and scaled in place: no float64 copy of a large upload.
    """
    usable = body[: frames * fmt.block_align_bytes]
    bits = fmt.bits_per_sample
    if fmt.format_tag == WAVE_FORMAT_IEEE_FLOAT:
        with np.errstate(over="ignore"):  # float64 beyond float32 becomes inf, reported later
            values = np.frombuffer(usable, dtype="<f4" if bits == 32 else "<f8").astype(np.float32)
        values *= np.float32(32768.0)
    elif bits == 8:
        values = np.frombuffer(usable, dtype=np.uint8).astype(np.float32)
        values -= np.float32(128.0)
        values *= np.float32(256.0)
    elif bits == 16:
        values = np.frombuffer(usable, dtype="<i2").astype(np.float32)
    elif bits == 24:
        # Put each 3-byte sample in the top of an int32, then shift back to sign-extend.
        triples = np.frombuffer(usable, dtype=np.uint8).reshape(-1, 3)
        widened = np.zeros((triples.shape[0], 4), dtype=np.uint8)
        widened[:, 1:] = triples
        values = (widened.view("<i4").reshape(-1) >> 8).astype(np.float32)
        del widened
        values /= np.float32(256.0)
    else:
        values = np.frombuffer(usable, dtype="<i4").astype(np.float32)
        values /= np.float32(65536.0)
    return values.reshape(frames, fmt.channels)


def parse_wav(filename: str, data: bytes, *, downmix: bool = False) -> ParsedSample:
    """Decode a WAV file into a time series: axis 'audio' (mono) or 'ch0', 'ch1', ... ('wav')."""
    fmt_body, data_body = _read_chunks(filename, data)
    fmt = _parse_fmt(filename, fmt_body)
    frames = len(data_body) // fmt.block_align_bytes
    if frames == 0:
        raise IngestError(filename, "the WAV file is empty: its data chunk holds no audio frames")
    values = _decode_samples(fmt, data_body, frames)
    if fmt.format_tag == WAVE_FORMAT_IEEE_FLOAT and not np.isfinite(values).all():
        first_frame = int(np.argwhere(~np.isfinite(values))[0][0])
        raise IngestError(
            filename,
            f"the WAV file holds NaN or infinite samples (first at frame {first_frame}); "
            "every sample must be a finite number",
        )
    if fmt.channels == 1:
        axes: tuple[Axis, ...] = (Axis("audio", "wav"),)
    elif downmix:
        values = values.mean(axis=1, dtype=np.float64, keepdims=True).astype(np.float32)
        axes = (Axis("audio", "wav"),)
    else:
        axes = tuple(Axis(f"ch{i}", "wav") for i in range(fmt.channels))
    return make_sample(
        kind="timeseries",
        values=values,
        axes=axes,
        interval_ms=1000.0 / fmt.sample_rate_hz,
        source_format="wav",
    )
