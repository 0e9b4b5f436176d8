"""The frame layout and spectral pipeline shared by MFCC, MFE and spectrogram (one axis, audio)."""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import lru_cache

import numpy as np
import scipy.fft
from numpy.typing import NDArray

from dsp_blocks.base import DspParameterError, FloatArray, check_samples
from dsp_blocks.batched_fft import (
    MAX_BATCHED_MEL_FFT,
    MAX_BATCHED_POWER_FFT,
    SparseFilters,
    frames_mel_into,
    frames_power_into,
    sparse_filters,
)
from dsp_blocks.dct import dct_matrix
from dsp_blocks.frame_kernels import (
    HALF_FFT_POWER_SCALE,
    half_fft_twiddles,
    power_from_half_fft,
    window_frames_into,
)
from dsp_blocks.framing import frame_count, hann_window, samples_in
from dsp_blocks.mel import mel_filterbank
from dsp_blocks.spectrum import FFT_WORKERS, one_blas_thread, resolve_fft_length

# Power below this is treated as this when taking logs: silence maps to a finite floor (-100 dB),
# the same value as librosa.power_to_db's default `amin`.
LOG_POWER_FLOOR = 1e-10

# Applied in place to each chunk of a dB image while the chunk is in cache (the scaling to
# [0, 1] of MFE and spectrogram): a pass over a whole batch's image reads it back from memory.
ChunkFinish = Callable[[FloatArray], object]

# Frames per chunk of the spectral pipeline: a chunk's padded frames and power (1.5 MiB at a
# 512-point FFT) stay in a 2 MiB L2 cache. Measured on a 2-core Xeon (2 MiB L2 a core) with
# bench/dsp.py's settings: 512 beat 384 and 768 by 1-8 % and 1024 by 5-9 % (MFCC, MFE, spectrogram).
CHUNK_FRAMES = 512
# Frames per chunk where `batched_fft` makes the mel energies: only the energies (40 a frame)
# leave its loops, so chunks can be longer, each call's Python overhead spread over more frames.
MEL_CHUNK_FRAMES = 2048


@dataclass(frozen=True)
class FrameLayout:
    """How a window is cut into frames, in samples."""

    frame_length: int
    stride: int
    n_frames: int
    fft_length: int

    @property
    def n_bins(self) -> int:
        return self.fft_length // 2 + 1


def frame_layout(
    *,
    frame_length_s: float,
    frame_stride_s: float,
    fft_length: int | None,
    auto_fft_minimum: int,
    sample_rate_hz: float,
    window_length: int,
) -> FrameLayout:
    """Frame and FFT sizes in samples, checked against the window."""
    if sample_rate_hz <= 0:
        raise DspParameterError("sample_rate_hz", sample_rate_hz, "must be above 0 Hz")
    frame_length = samples_in(frame_length_s, sample_rate_hz)
    stride = samples_in(frame_stride_s, sample_rate_hz)
    check_samples("frame_length_s", frame_length_s, frame_length, sample_rate_hz)
    check_samples("frame_stride_s", frame_stride_s, stride, sample_rate_hz)
    if window_length < frame_length:
        raise DspParameterError(
            "frame_length_s",
            frame_length_s,
            f"a frame of {frame_length} samples does not fit in a window of {window_length} "
            "samples; use a shorter frame or a longer window",
        )
    resolved_fft = resolve_fft_length(fft_length, frame_length, auto_minimum=auto_fft_minimum)
    return FrameLayout(
        frame_length=frame_length,
        stride=stride,
        n_frames=frame_count(window_length, frame_length, stride),
        fft_length=resolved_fft,
    )


def chunk_power_scale(fft_length: int) -> np.float32:
    """What turns `_chunk_power`'s 4 |FFT|^2 into |FFT|^2 / N: a power of two, so the product
    rounds as |FFT|^2 times 1/N would."""
    return np.float32(1.0 / (HALF_FFT_POWER_SCALE * fft_length))


def _chunk_power(
    signal: FloatArray, layout: FrameLayout, pre_emphasis_coefficient: float
) -> Iterator[tuple[int, FloatArray]]:
    """Per chunk of windows: (first window, 4 |FFT|^2 of its frames `(n, T, bins)`: scale by
    `chunk_power_scale` for |FFT|^2 / N).

    Chunks keep the frames, the spectrum and its powers in cache. The frames are emphasised,
    windowed and zero-padded into a reused buffer in one pass; each frame's N real samples, read
    as N/2 complex ones (x[2n] + i x[2n + 1]), go through an N/2-point complex FFT, and
    `power_from_half_fft` makes the real spectrum's power of it (`batched_fft` does all of it
    in one compiled loop where it applies). Each chunk's power is only valid until the next one
    is made.
    """
    windows_per_chunk = max(1, CHUNK_FRAMES // max(1, layout.n_frames))
    if _batched(signal, layout, MAX_BATCHED_POWER_FFT):
        yield from _batched_chunk_power(signal, layout, pre_emphasis_coefficient, windows_per_chunk)
        return
    frames_buffer = np.empty(
        (min(windows_per_chunk, signal.shape[0]), layout.n_frames, layout.fft_length), np.float32
    )
    power = np.empty(frames_buffer.shape[:2] + (layout.n_bins,), np.float32)
    window = hann_window(layout.frame_length)
    twiddle_re, twiddle_im = half_fft_twiddles(layout.fft_length)
    coefficient = np.float32(pre_emphasis_coefficient)
    for first in range(0, signal.shape[0], windows_per_chunk):
        count = min(windows_per_chunk, signal.shape[0] - first)
        padded = frames_buffer[:count]
        window_frames_into(
            signal[first : first + count],
            layout.frame_length,
            layout.stride,
            coefficient,
            window,
            padded,
        )
        # In place where scipy can (it may overwrite the frames, which are made anew each chunk).
        half_spectra = scipy.fft.fft(
            padded.view(np.complex64), axis=-1, overwrite_x=True, workers=FFT_WORKERS
        )
        power_from_half_fft(
            half_spectra.reshape(-1, layout.fft_length // 2).view(np.float32),
            twiddle_re,
            twiddle_im,
            power[:count].reshape(-1, layout.n_bins),
        )
        yield first, power[:count]


def _batched(signal: FloatArray, layout: FrameLayout, longest_fft: int) -> bool:
    """Whether `batched_fft` makes the spectrum (float32 rows one after another, an FFT up to
    `longest_fft`); scipy's FFT otherwise."""
    return (
        signal.dtype == np.float32
        and signal.flags.c_contiguous
        and layout.fft_length <= longest_fft
    )


def _batched_chunk_power(
    signal: FloatArray, layout: FrameLayout, pre_emphasis_coefficient: float, windows_per_chunk: int
) -> Iterator[tuple[int, FloatArray]]:
    power = np.empty(
        (min(windows_per_chunk, signal.shape[0]), layout.n_frames, layout.n_bins), np.float32
    )
    window = hann_window(layout.frame_length)
    coefficient = np.float32(pre_emphasis_coefficient)
    for first in range(0, signal.shape[0], windows_per_chunk):
        count = min(windows_per_chunk, signal.shape[0] - first)
        frames_power_into(
            signal[first : first + count],
            layout.frame_length,
            layout.stride,
            coefficient,
            window,
            power[:count],
        )
        yield first, power[:count]


def power_spectrogram(
    signal: FloatArray, layout: FrameLayout, pre_emphasis_coefficient: float
) -> FloatArray:
    """Pre-emphasis, Hann-windowed frames, |FFT|^2 / N: `(batch, n_samples)` -> (batch, T, bins).

    The 1/N scaling is the periodogram convention of python_speech_features and speechpy.
    """
    return _scaled_power(signal, layout, pre_emphasis_coefficient, db=False, finish=None)


def power_db(
    signal: FloatArray,
    layout: FrameLayout,
    pre_emphasis_coefficient: float,
    finish: ChunkFinish | None = None,
) -> FloatArray:
    """`power_to_db` of `power_spectrogram`, then `finish`, each chunk while it is in cache."""
    return _scaled_power(signal, layout, pre_emphasis_coefficient, db=True, finish=finish)


def _scaled_power(
    signal: FloatArray,
    layout: FrameLayout,
    pre_emphasis_coefficient: float,
    *,
    db: bool,
    finish: ChunkFinish | None,
) -> FloatArray:
    power = np.empty((signal.shape[0], layout.n_frames, layout.n_bins), np.float32)
    for first, chunk in _chunk_power(signal, layout, pre_emphasis_coefficient):
        scaled = power[first : first + len(chunk)]
        np.multiply(chunk, chunk_power_scale(layout.fft_length), out=scaled)
        if db:
            power_to_db(scaled, overwrite=True)
        if finish is not None:
            finish(scaled)
    return power


def _mel_db_chunks(
    signal: FloatArray,
    layout: FrameLayout,
    pre_emphasis_coefficient: float,
    mel_weights: NDArray[np.float32],
    out: FloatArray | None = None,
) -> Iterator[tuple[int, FloatArray]]:
    """Per chunk of windows: (first window, dB of its frames' mel energies `(n, T, n_filters)`).

    Where `batched_fft` applies, its loops make the energies (`_batched_mel_db_chunks`).
    Otherwise each chunk's power goes through the filterbank while it is in cache, as a few small
    matmuls over the bins each group of filters covers (`mel_bands`), with the scaling folded
    into the weights, each written by BLAS straight into its filters' columns. The energies
    become dB in place. Into `out` `(batch, T, n_filters)` where given; otherwise into a reused buffer, so
    the batch's energies are never written out whole, and each chunk is only valid until the
    next one is made. Run it under
    `one_blas_thread`: a feature job already runs one worker per core, and small multi-threaded
    calls each synchronise threads, which costs more than their arithmetic.
    """
    if _batched(signal, layout, MAX_BATCHED_MEL_FFT):
        yield from _batched_mel_db_chunks(
            signal, layout, pre_emphasis_coefficient, mel_weights, out
        )
        return
    n_filters = mel_weights.shape[1]
    energies: FloatArray | None = None
    bands = mel_bands(mel_weights, layout.fft_length)
    for first, power in _chunk_power(signal, layout, pre_emphasis_coefficient):
        if out is not None:
            chunk = out[first : first + len(power)]
        else:
            if energies is None:  # the first chunk is the largest
                energies = np.empty(power.shape[:2] + (n_filters,), np.float32)
            chunk = energies[: len(power)]
        flat_power = power.reshape(-1, layout.n_bins)
        flat_out = chunk.reshape(-1, n_filters)
        for band in bands:
            # A column slice of a row-major matrix is still a BLAS operand (its row stride is
            # the leading dimension): no temporary product to copy in.
            np.matmul(
                flat_power[:, band.first_bin : band.end_bin],
                band.weights,
                out=flat_out[:, band.first_filter : band.end_filter],
            )
        yield first, power_to_db(chunk, overwrite=True)


def _batched_mel_db_chunks(
    signal: FloatArray,
    layout: FrameLayout,
    pre_emphasis_coefficient: float,
    mel_weights: NDArray[np.float32],
    out: FloatArray | None,
) -> Iterator[tuple[int, FloatArray]]:
    """`_mel_db_chunks` by `batched_fft.frames_mel_into`: the power goes through the filterbank
    inside its loops and is never written out."""
    filters = scaled_sparse_filters(mel_weights, layout.fft_length)
    window = hann_window(layout.frame_length)
    coefficient = np.float32(pre_emphasis_coefficient)
    windows_per_chunk = max(1, MEL_CHUNK_FRAMES // max(1, layout.n_frames))
    energies: FloatArray | None = None
    for first in range(0, signal.shape[0], windows_per_chunk):
        count = min(windows_per_chunk, signal.shape[0] - first)
        if out is not None:
            chunk = out[first : first + count]
        else:
            if energies is None:  # the first chunk is the largest
                energies = np.empty((count, layout.n_frames, mel_weights.shape[1]), np.float32)
            chunk = energies[:count]
        frames_mel_into(
            signal[first : first + count],
            layout.frame_length,
            layout.stride,
            coefficient,
            window,
            layout.fft_length,
            filters,
            chunk,
        )
        yield first, power_to_db(chunk, overwrite=True)


def mel_db(
    signal: FloatArray,
    layout: FrameLayout,
    pre_emphasis_coefficient: float,
    mel_weights: NDArray[np.float32],
    finish: ChunkFinish | None = None,
) -> FloatArray:
    """10 log10 of the mel filterbank energies of the power spectrogram (|FFT|^2 / N), floored
    as `power_to_db` floors them, then `finish` on each chunk while it is in cache:
    `(batch, n_samples)` -> (batch, T, n_filters)."""
    db = np.empty((signal.shape[0], layout.n_frames, mel_weights.shape[1]), np.float32)
    with one_blas_thread():
        for _, chunk in _mel_db_chunks(
            signal, layout, pre_emphasis_coefficient, mel_weights, out=db
        ):
            if finish is not None:
                finish(chunk)
    return db


def mel_cepstrum(
    signal: FloatArray,
    layout: FrameLayout,
    pre_emphasis_coefficient: float,
    mel_weights: NDArray[np.float32],
    dct: NDArray[np.float32],
) -> FloatArray:
    """`mel_db` through the DCT `(n_filters, n_coefficients)`, chunk by chunk while each chunk's
    dB are in cache: (batch, T, n_coefficients)."""
    n_coefficients = dct.shape[1]
    cepstrum = np.empty((signal.shape[0], layout.n_frames, n_coefficients), np.float32)
    with one_blas_thread():
        for first, chunk in _mel_db_chunks(signal, layout, pre_emphasis_coefficient, mel_weights):
            rows = cepstrum[first : first + len(chunk)].reshape(-1, n_coefficients)
            np.matmul(chunk.reshape(-1, dct.shape[0]), dct, out=rows)
    return cepstrum


# Filters per group of MelBands: mel filters overlap only their neighbours, so a group of 8
# consecutive filters spans a short range of bins; 8 measured best (4 groups for 32 filters).
MEL_GROUP_FILTERS = 8


@dataclass(frozen=True)
class MelBand:
    """Consecutive filters first_filter..end_filter-1 and the bins they cover, with their weights
    `(end_bin - first_bin, end_filter - first_filter)` already scaled by `chunk_power_scale`."""

    first_filter: int
    end_filter: int
    first_bin: int
    end_bin: int
    weights: NDArray[np.float32]


def mel_bands(mel_weights: NDArray[np.float32], fft_length: int) -> tuple[MelBand, ...]:
    """The filterbank `(bins, n_filters)` cut into groups of MEL_GROUP_FILTERS filters, each with
    only the bins it covers: about a quarter of the dense filterbank's multiply-adds. Cached by
    the weights' bytes (hashing 30-100 KiB costs microseconds)."""
    return _bands_of(mel_weights.tobytes(), mel_weights.shape, fft_length)


@lru_cache(maxsize=32)
def _bands_of(weight_bytes: bytes, shape: tuple[int, ...], fft_length: int) -> tuple[MelBand, ...]:
    weights = np.frombuffer(weight_bytes, np.float32).reshape(shape) * chunk_power_scale(fft_length)
    bands = []
    for first in range(0, shape[1], MEL_GROUP_FILTERS):
        end = min(shape[1], first + MEL_GROUP_FILTERS)
        covered = np.flatnonzero(weights[:, first:end].any(axis=1))
        first_bin, end_bin = int(covered[0]), int(covered[-1]) + 1
        bands.append(
            MelBand(
                first,
                end,
                first_bin,
                end_bin,
                np.ascontiguousarray(weights[first_bin:end_bin, first:end]),
            )
        )
    return tuple(bands)


def scaled_sparse_filters(mel_weights: NDArray[np.float32], fft_length: int) -> SparseFilters:
    """The filterbank as `batched_fft.sparse_filters`, scaled by `chunk_power_scale`; cached by
    the weights' bytes as `mel_bands` is."""
    return _sparse_filters_of(mel_weights.tobytes(), mel_weights.shape, fft_length)


@lru_cache(maxsize=32)
def _sparse_filters_of(
    weight_bytes: bytes, shape: tuple[int, ...], fft_length: int
) -> SparseFilters:
    weights = np.frombuffer(weight_bytes, np.float32).reshape(shape) * chunk_power_scale(fft_length)
    return sparse_filters(weights)


@lru_cache(maxsize=32)
def mel_weights_float32(
    sample_rate_hz: float, fft_length: int, n_filters: int, low_hz: float, high_hz: float
) -> NDArray[np.float32]:
    """The filterbank transposed `(bins, n_filters)`, ready to right-multiply power spectra."""
    weights = mel_filterbank(
        sample_rate_hz=sample_rate_hz,
        fft_length=fft_length,
        n_filters=n_filters,
        low_hz=low_hz,
        high_hz=high_hz,
    )
    return np.ascontiguousarray(weights.T, dtype=np.float32)


@lru_cache(maxsize=32)
def dct_float32(n_coefficients: int, n_filters: int) -> NDArray[np.float32]:
    """The DCT transposed `(n_filters, n_coefficients)`."""
    return np.ascontiguousarray(dct_matrix(n_coefficients, n_filters).T, dtype=np.float32)


def power_to_db(power: FloatArray, *, overwrite: bool = False) -> FloatArray:
    """10 log10(max(power, 1e-10)), float32; in `power` itself with `overwrite` (a batch's dB
    image is 100 MB: a fresh one costs more in page faults than the logs).

    Computed as (10 / ln 10) ln(x): numpy's float32 natural log is vectorised (AVX2) and measured
    ~3x faster than its log10.
    """
    db = np.maximum(power, np.float32(LOG_POWER_FLOOR), out=power if overwrite else None)
    np.log(db, out=db)
    db *= np.float32(10.0 / np.log(10.0))
    return db


def full_scale_db(full_scale: float) -> float:
    """The level of a full-scale signal in dB of the input's units: 20 log10(full_scale), so
    that dB relative to full scale (dBFS) = dB of the input's units - full_scale_db."""
    return 20.0 * math.log10(full_scale)


def floor_in_input_db(noise_floor_db: float, full_scale: float) -> float:
    """The noise floor (dBFS) in dB of the input's units, rounded to float32 as the C++ twin's
    config holds it."""
    return float(np.float32(noise_floor_db + full_scale_db(full_scale)))


def scale_db(
    db: FloatArray, noise_floor_db: float, full_scale: float = 1.0, *, overwrite: bool = False
) -> FloatArray:
    """Map dB of the input's units to [0, 1]: 0 at the noise floor, 1 at +12 dB, both relative
    to `full_scale`, clipped (Edge Impulse's MFE on 16-bit audio divided by 32768).

    The floor moves into the input's units rather than the signal being divided by full scale:
    one subtraction, the same arithmetic as the C++ twin (mf_dsp_scale_db with the floor its
    generated config holds), so both round alike. In `db` itself with `overwrite`.
    """
    floor = np.float32(floor_in_input_db(noise_floor_db, full_scale))
    scaled = np.subtract(db, floor, out=db if overwrite else None)
    scaled *= np.float32(1.0 / (12.0 - noise_floor_db))
    np.clip(scaled, 0.0, 1.0, out=scaled)
    return scaled


def symmetric_indices(n_frames: int, half_window: int) -> NDArray[np.intp]:
    """Frame index for positions -half..n+half-1, mirrored at both ends (x[-1] = x[0], ...)."""
    positions = np.arange(-half_window, n_frames + half_window) % (2 * n_frames)
    return np.where(positions >= n_frames, 2 * n_frames - 1 - positions, positions)


def sliding_normalize(features: FloatArray, window_frames: int, variance: bool) -> FloatArray:
    """Subtract (and divide by the std of) each frame's centred window of `window_frames` frames.

    features: `(batch, n_frames, n_coefficients)`; edges are mirrored. Sums in float64 so a
    constant stretch (silence) normalises to exactly 0, as in the C++ twin.
    """
    n_frames = features.shape[1]
    padded = features[:, symmetric_indices(n_frames, window_frames // 2), :].astype(np.float64)
    zeros = np.zeros_like(padded[:, :1])
    sums = np.concatenate([zeros, np.cumsum(padded, axis=1)], axis=1)
    mean = (sums[:, window_frames:] - sums[:, :-window_frames]) / window_frames
    centred = features - mean
    if variance:
        squares = np.concatenate([zeros, np.cumsum(padded * padded, axis=1)], axis=1)
        mean_square = (squares[:, window_frames:] - squares[:, :-window_frames]) / window_frames
        std = np.sqrt(np.maximum(mean_square - mean * mean, 0.0))
        centred = centred / (std + 1e-10)
    return np.asarray(centred, dtype=np.float32)
