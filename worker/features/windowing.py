"""The input block: cut each sample into windows at the impulse's frequency, on the chosen axes."""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np
from numpy.typing import NDArray
from scipy.signal import resample_poly

from backend.settings import settings

# Resampling ratios are approximated by a fraction with at most this denominator.
MAX_RESAMPLE_DENOMINATOR = 1000


@dataclass(frozen=True)
class InputBlock:
    """How samples become windows. `axes` are names, in the order the windows hold them."""

    axes: tuple[str, ...]
    window_size_ms: float
    window_increase_ms: float
    frequency_hz: float
    zero_pad: bool = True

    def __post_init__(self) -> None:
        if not self.axes:
            raise ValueError("axes: choose at least one axis")
        for name in ("window_size_ms", "window_increase_ms", "frequency_hz"):
            value = getattr(self, name)
            if not value > 0:
                raise ValueError(f"{name} = {value!r}: must be above 0")
        if self.window_length < 1:
            raise ValueError(
                f"window_size_ms = {self.window_size_ms}: the window is less than one sample "
                f"at {self.frequency_hz:g} Hz"
            )

    @property
    def window_length(self) -> int:
        """Samples per window at `frequency_hz`."""
        return samples_for_ms(self.window_size_ms, self.frequency_hz)

    @property
    def window_step(self) -> int:
        """Samples between the starts of two windows (at least one)."""
        return max(1, samples_for_ms(self.window_increase_ms, self.frequency_hz))


@dataclass(frozen=True)
class SeriesSample:
    """One time-series sample: its values (length, n_axes) with the names of its axes."""

    sample_id: int
    name: str
    label: str
    category: str
    values: NDArray[np.float32]
    axes: tuple[str, ...]
    sample_rate_hz: float


@dataclass
class Windows:
    """Windows of many samples, row-aligned with where each came from."""

    windows: NDArray[np.float32]  # (n, window_length, n_axes)
    sample_ids: NDArray[np.int64]
    offsets_ms: NDArray[np.float64]  # start of the window in its sample
    labels: list[str]
    categories: list[str]
    skipped: list[str] = field(default_factory=list)  # why each skipped sample was skipped

    def __len__(self) -> int:
        return int(self.windows.shape[0])


def samples_for_ms(duration_ms: float, frequency_hz: float) -> int:
    return int(round(duration_ms * frequency_hz / 1000.0))


class ResampleTooLarge(ValueError):
    """Resampling would make more values than MCUFORGE_MAX_RESAMPLED_VALUES."""


def _same_rate(from_hz: float, to_hz: float) -> bool:
    # math, not numpy: called once per sample, where np.isclose's array machinery cost ~50 us.
    return math.isclose(from_hz, to_hz, rel_tol=1e-9, abs_tol=0.0)


def _resample_ratio(from_hz: float, to_hz: float) -> Fraction:
    return Fraction(to_hz / from_hz).limit_denominator(MAX_RESAMPLE_DENOMINATOR)


def resampled_length(length: int, from_hz: float, to_hz: float) -> int:
    """Samples a series of `length` has once resampled from `from_hz` to `to_hz` (what
    `resample` makes: scipy's resample_poly gives ceil(length * up / down))."""
    if _same_rate(from_hz, to_hz):
        return length
    ratio = _resample_ratio(from_hz, to_hz)
    return -(-length * ratio.numerator // ratio.denominator)


def check_resampled_size(length: int, n_axes: int, from_hz: float, to_hz: float, what: str) -> int:
    """The resampled length, computed before resampling; ResampleTooLarge past the limit (a
    recording at 1 Hz into a 16 kHz impulse would grow 16 000 times)."""
    new_length = resampled_length(length, from_hz, to_hz)
    limit = settings.max_resampled_values
    if new_length * n_axes > limit:
        raise ResampleTooLarge(
            f"{what} of {length} samples x {n_axes} axes at {from_hz:g} Hz would be "
            f"{new_length * n_axes} values once resampled to {to_hz:g} Hz; the limit is {limit} "
            "values (setting MCUFORGE_MAX_RESAMPLED_VALUES)"
        )
    return new_length


def resample(
    values: NDArray[np.float32], from_hz: float, to_hz: float, *, what: str = "the series"
) -> NDArray[np.float32]:
    """Resample a (length, n_axes) series along time with a polyphase filter; ResampleTooLarge,
    before any work, when the result would be past MCUFORGE_MAX_RESAMPLED_VALUES."""
    if _same_rate(from_hz, to_hz):
        return np.ascontiguousarray(values, dtype=np.float32)
    check_resampled_size(values.shape[0], values.shape[1], from_hz, to_hz, what)
    ratio = _resample_ratio(from_hz, to_hz)
    resampled = resample_poly(values, ratio.numerator, ratio.denominator, axis=0)
    return np.ascontiguousarray(resampled, dtype=np.float32)


def select_axes(
    values: NDArray[np.float32], sample_axes: Sequence[str], wanted: Sequence[str], name: str
) -> NDArray[np.float32]:
    """The columns of `values` for the axes `wanted`, in that order."""
    missing = [axis for axis in wanted if axis not in sample_axes]
    if missing:
        raise ValueError(
            f"sample {name!r} has no axis {', '.join(map(repr, missing))}; "
            f"its axes are {', '.join(sample_axes)}"
        )
    columns = [list(sample_axes).index(axis) for axis in wanted]
    if columns == list(range(values.shape[1])):
        return np.ascontiguousarray(values, dtype=np.float32)  # every axis in order: no copy
    return np.ascontiguousarray(values[:, columns], dtype=np.float32)


def window_starts(length: int, window_length: int, step: int, *, zero_pad: bool) -> list[int]:
    """Start indices of the windows of a series of `length` samples.

    Full windows every `step` samples; with `zero_pad`, one more window (padded with zeros) where
    samples after the last full window would otherwise be lost, and one window for a series
    shorter than a window. Without it a too-short series has no window.
    """
    starts = list(range(0, length - window_length + 1, step)) if length >= window_length else []
    if not zero_pad:
        return starts
    if not starts:
        return [0] if length > 0 else []
    covered_until = starts[-1] + window_length
    if covered_until < length:
        starts.append(starts[-1] + step)
    return starts


def window_count(length: int, window_length: int, step: int, *, zero_pad: bool) -> int:
    """len(window_starts(...)) without building the list (a long series at a small step would
    make millions of starts just to count them)."""
    full = (length - window_length) // step + 1 if length >= window_length else 0
    if not zero_pad:
        return full
    if full == 0:
        return 1 if length > 0 else 0
    covered_until = (full - 1) * step + window_length
    return full + 1 if covered_until < length else full


def cut_windows(
    values: NDArray[np.float32], starts: Sequence[int], window_length: int
) -> NDArray[np.float32]:
    """(len(starts), window_length, n_axes) windows; parts past the end are zeros."""
    length, n_axes = values.shape
    out = np.zeros((len(starts), window_length, n_axes), dtype=np.float32)
    for row, start in enumerate(starts):
        end = min(start + window_length, length)
        out[row, : end - start] = values[start:end]
    return out


def sample_windows(
    sample: SeriesSample, block: InputBlock
) -> tuple[NDArray[np.float32], NDArray[np.float64]]:
    """One sample's windows and their start offsets in ms (empty when it is too short)."""
    values = _block_values(sample, block)
    count = _window_count_of(values, block)
    return cut_windows(values, _starts(0, count, block), block.window_length), _offsets_ms(
        0, count, block
    )


def _block_values(sample: SeriesSample, block: InputBlock) -> NDArray[np.float32]:
    """The sample's values on the block's axes at its rate; ValueError for a missing axis or past
    the resampling limit."""
    values = select_axes(sample.values, sample.axes, block.axes, sample.name)
    return resample(
        values, sample.sample_rate_hz, block.frequency_hz, what=f"sample {sample.name!r}"
    )


def _window_count_of(values: NDArray[np.float32], block: InputBlock) -> int:
    return window_count(
        values.shape[0], block.window_length, block.window_step, zero_pad=block.zero_pad
    )


def _starts(first: int, stop: int, block: InputBlock) -> list[int]:
    # Window i starts at i * step: the zero-padded last window too (see window_starts).
    return [index * block.window_step for index in range(first, stop)]


def _offsets_ms(first: int, stop: int, block: InputBlock) -> NDArray[np.float64]:
    starts = np.asarray(_starts(first, stop, block), dtype=np.float64)
    return starts * 1000.0 / block.frequency_hz


def _skip_reason(sample: SeriesSample, block: InputBlock, error: ValueError | None) -> str:
    if error is not None:  # an axis the sample lacks, or past the resampling limit
        return f"skipped sample {sample.name!r} (id {sample.sample_id}): {error}"
    duration_ms = 1000.0 * sample.values.shape[0] / sample.sample_rate_hz
    return (
        f"skipped sample {sample.name!r} (id {sample.sample_id}): it lasts "
        f"{duration_ms:g} ms, shorter than the {block.window_size_ms:g} ms window, and "
        "zero-padding is off"
    )


def stream_windows(
    samples: Iterable[SeriesSample],
    block: InputBlock,
    *,
    batch_windows: int,
    skipped: list[str],
    log: Callable[[str], None] = lambda line: None,
) -> Iterator[Windows]:
    """The windows of every sample, in order, as batches of exactly `batch_windows` windows (the
    last one shorter), batches spanning samples. Memory holds one sample's values and one batch,
    whatever the number of samples or of windows per sample. A sample too short for one window,
    lacking an axis or past the resampling limit is logged by name, added to `skipped`, and left
    out."""
    if batch_windows < 1:
        raise ValueError(f"batch_windows = {batch_windows}: must be at least 1")
    batch = _BatchBuilder(block)
    for sample in samples:
        try:
            values = _block_values(sample, block)
        except ValueError as error:
            error_reason: str | None = _skip_reason(sample, block, error)
        else:
            error_reason = None
        count = 0 if error_reason is not None else _window_count_of(values, block)
        if count == 0:
            reason = error_reason or _skip_reason(sample, block, None)
            log(reason)
            skipped.append(reason)
            continue
        first = 0
        while first < count:
            stop = min(count, first + batch_windows - batch.size)
            batch.add(sample, values, first, stop)
            first = stop
            if batch.size == batch_windows:
                yield batch.take()
    if batch.size:
        yield batch.take()


class _BatchBuilder:
    """Windows of one or more samples gathered into one batch."""

    def __init__(self, block: InputBlock) -> None:
        self.block = block
        self._reset()

    def _reset(self) -> None:
        self.size = 0
        self.parts: list[NDArray[np.float32]] = []
        self.offsets: list[NDArray[np.float64]] = []
        self.sample_ids: list[int] = []
        self.labels: list[str] = []
        self.categories: list[str] = []

    def add(self, sample: SeriesSample, values: NDArray[np.float32], first: int, stop: int) -> None:
        block, n = self.block, stop - first
        self.parts.append(cut_windows(values, _starts(first, stop, block), block.window_length))
        self.offsets.append(_offsets_ms(first, stop, block))
        self.sample_ids.extend([sample.sample_id] * n)
        self.labels.extend([sample.label] * n)
        self.categories.extend([sample.category] * n)
        self.size += n

    def take(self) -> Windows:
        windows = Windows(
            windows=self.parts[0] if len(self.parts) == 1 else np.concatenate(self.parts),
            sample_ids=np.asarray(self.sample_ids, dtype=np.int64),
            offsets_ms=np.concatenate(self.offsets),
            labels=self.labels,
            categories=self.categories,
        )
        self._reset()
        return windows


def window_samples(
    samples: Sequence[SeriesSample],
    block: InputBlock,
    *,
    log: Callable[[str], None] = lambda line: None,
) -> Windows:
    """Window every sample into one batch; a sample too short for one window, or lacking an
    axis, is logged by name and skipped."""
    skipped: list[str] = []
    batches = list(
        stream_windows(samples, block, batch_windows=sys.maxsize, skipped=skipped, log=log)
    )
    if not batches:
        empty = np.zeros((0, block.window_length, len(block.axes)), dtype=np.float32)
        return Windows(
            windows=empty,
            sample_ids=np.zeros(0, dtype=np.int64),
            offsets_ms=np.zeros(0, dtype=np.float64),
            labels=[],
            categories=[],
            skipped=skipped,
        )
    (windows,) = batches
    windows.skipped = skipped
    return windows


def expected_window_count(
    length: int, rate_hz: float, sample_axes: Sequence[str], block: InputBlock
) -> int:
    """How many windows a sample gives, from its length, rate and axes alone (0 when it lacks an
    axis): what progress counts before the values are read."""
    if any(axis not in sample_axes for axis in block.axes):
        return 0
    new_length = resampled_length(length, rate_hz, block.frequency_hz)
    return window_count(new_length, block.window_length, block.window_step, zero_pad=block.zero_pad)


@dataclass
class WindowOrigins:
    """Where each window of a generation came from, in row order (Windows without the values)."""

    sample_ids: NDArray[np.int64]
    offsets_ms: NDArray[np.float64]
    labels: list[str]
    categories: list[str]
    skipped: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.labels)


@dataclass(frozen=True)
class ImageSample:
    """One image sample: pixels (height, width, channels), 0..255."""

    sample_id: int
    name: str
    label: str
    category: str
    values: NDArray[np.float32]


def image_groups(samples: Sequence[ImageSample]) -> list[Windows]:
    """Images as whole windows, one group per (height, width, channels) so each group is one
    batch `(n, height, width, channels)`; groups in order of their first sample."""
    by_shape: dict[tuple[int, ...], list[ImageSample]] = {}
    for sample in samples:
        by_shape.setdefault(tuple(sample.values.shape), []).append(sample)
    return [
        Windows(
            windows=np.stack([np.asarray(s.values, dtype=np.float32) for s in group]),
            sample_ids=np.asarray([s.sample_id for s in group], dtype=np.int64),
            offsets_ms=np.zeros(len(group), dtype=np.float64),
            labels=[s.label for s in group],
            categories=[s.category for s in group],
        )
        for group in by_shape.values()
    ]


def stream_images(images: Iterable[ImageSample], *, batch_windows: int) -> Iterator[Windows]:
    """Images of one size as batches of `batch_windows` whole-image windows (the last shorter)."""
    batch: list[ImageSample] = []
    for image in images:
        batch.append(image)
        if len(batch) == batch_windows:
            yield image_groups(batch)[0]
            batch = []
    if batch:
        yield image_groups(batch)[0]
