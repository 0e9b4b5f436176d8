"""The normalised result of parsing one upload (ParsedSample), and the content hash behind
duplicate detection."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

import numpy as np

from backend.ingest.errors import IngestError
from backend.settings import settings

SampleKind = Literal["timeseries", "image"]

# The sampling rates a time series may have: from one frame every ~17 minutes (slow environmental
# sensors) to 1 MHz (vibration, ultrasound), the range an impulse's frequency_hz accepts too.
# Outside it a rate is a typo or an attack: 1e308 ms or 5e-324 ms would make rates and durations
# of 0 or infinity, which no window, no JSON answer and no division survives.
MIN_SAMPLE_RATE_HZ = 0.001
MAX_SAMPLE_RATE_HZ = 1_000_000.0
MIN_INTERVAL_MS = 1000.0 / MAX_SAMPLE_RATE_HZ
MAX_INTERVAL_MS = 1000.0 / MIN_SAMPLE_RATE_HZ
INTERVAL_RULE = (
    f"the sampling interval must be between {MIN_INTERVAL_MS:.10g} ms and "
    f"{MAX_INTERVAL_MS:.10g} ms (a rate between {MIN_SAMPLE_RATE_HZ:.10g} Hz and "
    f"{MAX_SAMPLE_RATE_HZ / 1e6:.10g} MHz)"
)
SourceFormat = Literal["wav", "csv", "json", "cbor", "png", "jpeg"]


def is_valid_interval_ms(interval_ms: float) -> bool:
    """True for a finite interval within [MIN_INTERVAL_MS, MAX_INTERVAL_MS] (NaN is not)."""
    return MIN_INTERVAL_MS <= interval_ms <= MAX_INTERVAL_MS


def is_valid_rate_hz(rate_hz: float) -> bool:
    """True for a rate within [MIN_SAMPLE_RATE_HZ, MAX_SAMPLE_RATE_HZ] (NaN is not)."""
    return MIN_SAMPLE_RATE_HZ <= rate_hz <= MAX_SAMPLE_RATE_HZ


@dataclass(frozen=True)
class Axis:
    """One column of a time series (a sensor axis or audio channel), or one image channel."""

    name: str
    units: str  # "" when unknown


def content_hash(values: np.ndarray, interval_ms: float | None, kind: SampleKind) -> str:
    """sha256 hex of the decoded content: a recording re-encoded in another format is a duplicate.

    What is hashed: the kind, the shape, the interval rounded to a nanosecond (intervals derived
    from timestamps differ from the nominal one in the last bits), then the values as
    little-endian float32. File names, labels, device fields and signatures are not content.
    """
    shape = "x".join(str(n) for n in values.shape)
    interval = "none" if interval_ms is None else f"{interval_ms:.6f}"
    digest = hashlib.sha256(f"mcuforge-sample-v1|{kind}|{shape}|{interval}|<f4|".encode())
    contiguous = np.ascontiguousarray(values, dtype="<f4")
    digest.update(contiguous.data)
    return digest.hexdigest()


@dataclass(frozen=True, eq=False)
class ParsedSample:
    """One validated upload. Compare samples by content_hash: == on them is identity."""

    kind: SampleKind
    values: (
        np.ndarray
    )  # float32; timeseries (length, n_axes), image (height, width, channels) 0..255
    axes: tuple[Axis, ...]
    interval_ms: float | None
    sample_rate_hz: float | None
    label: str | None
    source_format: SourceFormat
    device_name: str | None
    device_type: str | None
    content_hash: str = field(repr=False)

    @property
    def length(self) -> int:
        """Frames of a time series, or height*width pixels of an image."""
        if self.kind == "image":
            return int(self.values.shape[0] * self.values.shape[1])
        return int(self.values.shape[0])

    @property
    def duration_ms(self) -> float | None:
        if self.interval_ms is None:
            return None
        return self.length * self.interval_ms


def check_axis_count(filename: str, n_axes: int, what: str) -> None:
    """Refuse a sample of more axes than MCUFORGE_MAX_AXES, before its values are read: a CSV
    of 100 000 columns would otherwise be stored as a 100 000-axis sample. `what` names them
    ("columns", "sensors", "channels")."""
    limit = settings.max_axes
    if n_axes > limit:
        raise IngestError(
            filename,
            f"it has {n_axes} {what}; the limit is {limit} axes per sample "
            "(setting MCUFORGE_MAX_AXES)",
        )


def make_sample(
    *,
    kind: SampleKind,
    values: np.ndarray,
    axes: tuple[Axis, ...],
    interval_ms: float | None,
    source_format: SourceFormat,
    label: str | None = None,
    device_name: str | None = None,
    device_type: str | None = None,
) -> ParsedSample:
    """Build a ParsedSample with its derived fields; values become read-only float32.

    The parsers hand over arrays they just made, so they are normalised in place (no copy of a
    100 MB upload); an array that is not writeable is copied first.
    """
    values = np.ascontiguousarray(values, dtype=np.float32)
    if not values.flags.writeable:
        values = values.copy()
    # -0.0 and +0.0 are the same content; in place, because uploads can be hundreds of MB.
    values += np.float32(0.0)
    expected_ndim = 3 if kind == "image" else 2
    if values.ndim != expected_ndim or values.shape[-1] != len(axes):
        raise AssertionError(f"{kind} values of shape {values.shape} do not match axes {axes}")
    values.flags.writeable = False
    interval = None if interval_ms is None else float(interval_ms)
    return ParsedSample(
        kind=kind,
        values=values,
        axes=axes,
        interval_ms=interval,
        sample_rate_hz=None if interval is None else 1000.0 / interval,
        label=label,
        source_format=source_format,
        device_name=device_name,
        device_type=device_type,
        content_hash=content_hash(values, interval, kind),
    )
