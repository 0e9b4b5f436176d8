"""A sample's values: float32 bytes as stored, the 80/20 split rule per label, plot envelopes and WAV for listening."""

from __future__ import annotations

import io
import math
import wave
from fractions import Fraction

import numpy as np

from backend.schemas.sample import CategoryName

TESTING_SHARE = 0.2
_TESTING_FRACTION = Fraction(TESTING_SHARE).limit_denominator(1000)  # exact arithmetic: 1/5
# Below this rate a series is a sensor, not sound; browsers cannot play it either.
MIN_AUDIO_RATE_HZ = 3000.0


def values_to_bytes(values: np.ndarray) -> bytes:
    return np.ascontiguousarray(values, dtype="<f4").tobytes()


def values_buffer(values: np.ndarray) -> memoryview:
    """The bytes values_to_bytes would make, as a view of the array when it is already
    little-endian float32 (no copy: an upload's values can be hundreds of MB)."""
    return memoryview(np.ascontiguousarray(values, dtype="<f4")).cast("B")


def values_from_bytes(data: bytes, shape: list[int]) -> np.ndarray:
    return np.frombuffer(data, dtype="<f4").reshape(shape)


def split_key(content_hash: str) -> float:
    """A number in [0, 1) drawn from the content hash: the same recording always gets the same key."""
    return int(content_hash[:12], 16) / float(1 << 48)


def category_for_label(samples: int, testing: int, content_hash: str) -> CategoryName:
    """The automatic category of a label's next sample, when the label has `samples` samples of
    which `testing` are in the test split.

    Samples arrive one at a time, so the rule is incremental: it keeps each label's testing
    count between floor and ceil of 20 % of its samples (within one sample of the share) by
    putting the new sample where the count must go. When either side stays within that band,
    the content hash decides: testing when its key falls in the top `needed` of [0, 1), where
    `needed` is what the label lacks of 20 % (0..1). The same files uploaded in the same order
    get the same categories.
    """
    target = _TESTING_FRACTION * (samples + 1)
    if testing < math.floor(target):
        return CategoryName.testing
    if testing + 1 > math.ceil(target):
        return CategoryName.training
    needed = float(target - testing)
    return (
        CategoryName.testing if split_key(content_hash) >= 1.0 - needed else CategoryName.training
    )


def minmax_envelope(
    values: np.ndarray, interval_ms: float, max_points: int
) -> tuple[np.ndarray, np.ndarray, bool]:
    """Reduce a (length, axes) series to at most max_points points per axis for plotting.

    Short series come back whole. Longer ones are cut into max_points // 2 equal buckets; each
    bucket gives its minimum and maximum per axis, in the order they occur, timed at the bucket's
    first and last frame, so peaks survive any reduction (a stride would drop them).
    Returns (time_ms of shape (points,), values of shape (points, axes), downsampled).
    """
    length = values.shape[0]
    if length <= max_points:
        return np.arange(length) * interval_ms, values, False
    buckets = max(1, max_points // 2)
    edges = np.linspace(0, length, buckets + 1).astype(np.int64)
    starts, ends = edges[:-1], edges[1:]
    minima = np.minimum.reduceat(values, starts, axis=0)
    maxima = np.maximum.reduceat(values, starts, axis=0)
    # Which of min/max comes first in each bucket, per axis, so the drawn line keeps its shape.
    argmin = np.stack([np.argmin(values[s:e], axis=0) for s, e in zip(starts, ends, strict=True)])
    argmax = np.stack([np.argmax(values[s:e], axis=0) for s, e in zip(starts, ends, strict=True)])
    min_first = argmin <= argmax
    first = np.where(min_first, minima, maxima)
    second = np.where(min_first, maxima, minima)
    out = np.empty((2 * buckets, values.shape[1]), dtype=values.dtype)
    out[0::2], out[1::2] = first, second
    time_ms = np.empty(2 * buckets)
    time_ms[0::2] = starts * interval_ms
    time_ms[1::2] = (ends - 1) * interval_ms
    return time_ms, out, True


def is_audio(source_format: str, kind: str, sample_rate_hz: float | None) -> bool:
    if kind != "timeseries" or sample_rate_hz is None:
        return False
    return source_format == "wav" or sample_rate_hz >= MIN_AUDIO_RATE_HZ


def png_bytes(values: np.ndarray) -> bytes:
    """PNG of an image sample's (height, width, 1 or 3) values in 0..255."""
    from PIL import Image

    pixels = np.clip(np.rint(values), 0, 255).astype(np.uint8)
    image = Image.fromarray(pixels[:, :, 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def wav_bytes(values: np.ndarray, sample_rate_hz: float) -> bytes:
    """16-bit PCM WAV of a series in the int16 range (how WAV uploads are stored), one channel per axis."""
    pcm = np.clip(np.rint(values), -32768, 32767).astype("<i2")
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as writer:
        writer.setnchannels(values.shape[1])
        writer.setsampwidth(2)
        writer.setframerate(int(round(sample_rate_hz)))
        writer.writeframes(pcm.tobytes())
    return buffer.getvalue()
