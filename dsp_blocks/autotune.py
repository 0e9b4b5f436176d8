"""Parameters suggested from data ("autotune parameters"): spectral analysis and the audio blocks
look at a batch of windows and pick values that suit them, each with a one-line reason.

Nothing here is stored: the caller shows the suggestion and the user applies it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from dsp_blocks.base import BlockParams, DspBlock, DspParameterError, FloatArray, as_batch
from dsp_blocks.framed_audio import (
    FLOAT_FULL_SCALE,
    INT16_FULL_SCALE,
    MAX_FULL_SCALE,
    FramedAudioBlock,
    ScaledDbBlock,
    fitted_frame_timing,
)
from dsp_blocks.spectral import MIN_FFT_LENGTH, largest_power_of_two_at_most, welch_power

AUTOTUNE_BLOCKS = ("spectral", "mfcc", "mfe", "spectrogram")

# The low-pass keeps the band that holds this share of the power, widened by the margin.
ENERGY_SHARE = 0.9
CUTOFF_MARGIN = 1.5
# Below this fraction of Nyquist a low-pass is worth it; above, it would cut signal.
USEFUL_CUTOFF_OF_NYQUIST = 0.8
# The spectral FFT's bins should be this many times finer than the strongest frequency.
BINS_PER_PEAK = 4
# The longest FFT used to look at the data, and the shortest spectral FFT suggested.
ANALYSIS_FFT_MAX = 4096
SUGGESTED_FFT_MIN = 16
# An audio frame holds this many periods of the strongest frequency, within these bounds (s).
FRAME_PERIODS = 4
FRAME_BOUNDS_S = (0.02, 0.1)
# Float audio peaks at 1, a little above when it clipped; 16-bit audio this quiet (-78 dBFS)
# is near silence, so a peak up to this is taken as float audio.
FLOAT_PEAK_MAX = 4.0
# The noise floor is the level of the quietest frames: this percentile of the frames' mean dB.
QUIET_FRAMES_PERCENTILE = 10.0
# Most dB values (frames x bins, all windows) computed for the noise floor: fewer windows, or
# shorter ones, beyond (the level of a frame does not depend on how many frames there are).
DB_VALUES_MAX = 8_000_000


@dataclass(frozen=True)
class Suggestion:
    """Suggested parameters (every field) and why each tuned one has its value."""

    params: BlockParams
    reasons: dict[str, str]


def _two_digits(value: float) -> float:
    """`value` rounded to two significant digits (8.24 -> 8.2, 1234 -> 1200)."""
    return float(f"{value:.2g}")


def mean_power(batch: NDArray[np.float64]) -> tuple[NDArray[np.float64], int]:
    """The Welch power spectrum averaged over windows and axes, with the DC bin zeroed (each
    window's mean is removed first), and the FFT length used: the longest power of two the
    window holds, at most ANALYSIS_FFT_MAX."""
    fft_length = max(
        MIN_FFT_LENGTH, min(ANALYSIS_FFT_MAX, largest_power_of_two_at_most(batch.shape[1]))
    )
    centred = batch - batch.mean(axis=1, keepdims=True)
    power = welch_power(centred, fft_length).mean(axis=(0, 1))
    power[0] = 0.0
    return power, fft_length


def _with(block: DspBlock[Any], params: BlockParams, updates: dict[str, Any]) -> BlockParams:
    tuned: BlockParams = block.parse_params({**params.model_dump(), **updates})
    return tuned


def _spectral(
    block: DspBlock[Any], batch: FloatArray, sample_rate_hz: float, params: Any
) -> Suggestion:
    signal = batch.astype(np.float64) * params.scale_axes
    power, analysis_fft = mean_power(signal)
    total = float(power.sum())
    if not total > 0.0 or not math.isfinite(total):
        return Suggestion(params, {"filter_type": "the windows are constant: nothing to tune"})
    bin_hz = sample_rate_hz / analysis_fft
    nyquist_hz = sample_rate_hz / 2.0
    share_bin = int(np.argmax(np.cumsum(power) >= ENERGY_SHARE * total))
    share_hz = share_bin * bin_hz
    cutoff_hz = _two_digits(max(CUTOFF_MARGIN * share_hz, 2.0 * bin_hz))
    updates: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    percent = f"{ENERGY_SHARE:.0%}".replace("%", " %")
    if cutoff_hz < USEFUL_CUTOFF_OF_NYQUIST * nyquist_hz:
        updates |= {"filter_type": "low", "filter_cutoff_hz": cutoff_hz}
        reasons["filter_type"] = f"{percent} of the power lies below {share_hz:.3g} Hz"
        reasons["filter_cutoff_hz"] = (
            f"a low-pass at {cutoff_hz:g} Hz keeps the band that holds {percent} of the power "
            f"({share_hz:.3g} Hz and below) and removes what lies above"
        )
    else:
        updates["filter_type"] = "none"
        reasons["filter_type"] = (
            f"{percent} of the power spreads up to {share_hz:.3g} Hz, close to Nyquist "
            f"({nyquist_hz:g} Hz): a filter would remove signal"
        )
    peak_hz = float(np.argmax(power)) * bin_hz
    longest = largest_power_of_two_at_most(batch.shape[1])
    wanted = BINS_PER_PEAK * sample_rate_hz / peak_hz
    fft_length = min(1 << max(0, math.ceil(math.log2(wanted))), longest, 4096)
    fft_length = max(fft_length, min(SUGGESTED_FFT_MIN, longest), MIN_FFT_LENGTH)
    updates["fft_length"] = fft_length
    updates["n_power_bands"] = min(params.n_power_bands, fft_length // 2 + 1)
    reasons["fft_length"] = (
        f"the strongest frequency is {peak_hz:.3g} Hz; an FFT of {fft_length} has bins of "
        f"{sample_rate_hz / fft_length:.3g} Hz"
        + (
            ", fine enough to place it"
            if fft_length < longest or sample_rate_hz / fft_length <= peak_hz / BINS_PER_PEAK
            else f", the longest the window of {batch.shape[1]} samples holds"
        )
    )
    return Suggestion(_with(block, params, updates), reasons)


def _audio(
    block: FramedAudioBlock[Any], batch: FloatArray, sample_rate_hz: float, params: Any
) -> Suggestion:
    window_length = batch.shape[1]
    power, analysis_fft = mean_power(batch.astype(np.float64))
    updates: dict[str, Any] = {}
    reasons: dict[str, str] = {}
    if float(power.sum()) > 0.0:
        peak_hz = max(float(np.argmax(power)) * sample_rate_hz / analysis_fft, 1e-9)
        low_s, high_s = FRAME_BOUNDS_S
        wanted_s = min(max(math.ceil(1000.0 * FRAME_PERIODS / peak_hz) / 1000.0, low_s), high_s)
        frame_s, stride_s = fitted_frame_timing(
            wanted_s,
            wanted_s / 2.0,
            window_length=window_length,
            sample_rate_hz=sample_rate_hz,
            block_title=block.title,
        )
        updates |= {"frame_length_s": frame_s, "frame_stride_s": stride_s}
        reasons["frame_length_s"] = (
            f"the strongest frequency is {peak_hz:.3g} Hz; a frame of {1000 * frame_s:.3g} ms "
            f"holds {frame_s * peak_hz:.3g} periods of it"
        )
        reasons["frame_stride_s"] = "half a frame: frames overlap by 50 %"
    candidate = _fitting(block, params, updates, sample_rate_hz, window_length)
    if isinstance(block, ScaledDbBlock):
        peak = float(np.abs(batch).max())
        full_scale = suggested_full_scale(peak)
        updates["full_scale"] = full_scale
        reasons["full_scale"] = (
            f"the loudest sample is {peak:.3g}: "
            + (
                "float audio in [-1, 1]"
                if full_scale == FLOAT_FULL_SCALE
                else "audio in the 16-bit range (WAV uploads and recordings)"
                if full_scale == INT16_FULL_SCALE
                else f"louder than the 16-bit range; {full_scale:g} is the next power of two"
            )
        )
        candidate = _with(block, candidate, updates)
        levels = _bounded_for_db(block, batch, sample_rate_hz, candidate)
        db = block.decibels(levels, sample_rate_hz=sample_rate_hz, params=candidate)
        frame_levels = db.mean(axis=2).ravel()
        quiet_db = float(np.percentile(frame_levels, QUIET_FRAMES_PERCENTILE))
        noise_floor_db = float(min(0.0, max(-200.0, math.floor(quiet_db))))
        updates["noise_floor_db"] = noise_floor_db
        reasons["noise_floor_db"] = (
            f"the quietest {QUIET_FRAMES_PERCENTILE:g} % of frames average {quiet_db:.3g} dBFS; "
            + (
                f"at {noise_floor_db:g} dBFS that background becomes 0 and louder sound stands out"
                if noise_floor_db < 0.0 or quiet_db < 1.0
                else "the highest noise floor is 0 dBFS and features reach 1 at +12 dBFS, so most "
                "frames will read 1: the signal is louder than these features expect"
            )
        )
        candidate = _with(block, candidate, updates)
    return Suggestion(candidate, reasons)


def suggested_full_scale(peak: float) -> float:
    """The full scale of audio whose loudest sample is `peak`: 1 (float audio) up to
    FLOAT_PEAK_MAX, else 32768 (the 16-bit range WAV uploads are stored in), else the next power
    of two at or above the peak (e.g. 24- or 32-bit integers in a CSV)."""
    if peak <= FLOAT_PEAK_MAX:
        return FLOAT_FULL_SCALE
    if peak <= INT16_FULL_SCALE:
        return INT16_FULL_SCALE
    return float(min(MAX_FULL_SCALE, 2.0 ** math.ceil(math.log2(peak))))


def _bounded_for_db(
    block: FramedAudioBlock[Any], batch: FloatArray, sample_rate_hz: float, params: BlockParams
) -> FloatArray:
    """`batch`, with fewer windows (spread over it) or shorter ones when its dB image would
    exceed DB_VALUES_MAX values."""
    layout = block.frame_layout(params, sample_rate_hz=sample_rate_hz, window_length=batch.shape[1])
    frames_max = max(1, DB_VALUES_MAX // layout.n_bins)
    if layout.n_frames > frames_max:
        length = layout.frame_length + (frames_max - 1) * layout.stride
        return batch[:1, :length]
    windows_max = frames_max // layout.n_frames
    if len(batch) <= windows_max:
        return batch
    chosen = np.linspace(0, len(batch) - 1, windows_max).round().astype(np.intp)
    return np.ascontiguousarray(batch[chosen], dtype=np.float32)


def _fitting(
    block: FramedAudioBlock[Any],
    params: BlockParams,
    updates: dict[str, Any],
    sample_rate_hz: float,
    window_length: int,
) -> BlockParams:
    """`params` with `updates`; if the new frames leave too few FFT bins for the filters, the
    filter count (and coefficients) fitted to them too."""
    candidate = _with(block, params, updates)
    try:
        block.validate(
            candidate, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=1
        )
        return candidate
    except DspParameterError:
        layout = block.frame_layout(
            candidate, sample_rate_hz=sample_rate_hz, window_length=window_length
        )
        updates.update(block.fitted_to_layout(updates, layout, sample_rate_hz=sample_rate_hz))
        return _with(block, params, updates)


def suggest_params(
    block: DspBlock[Any], windows: FloatArray, *, sample_rate_hz: float, params: BlockParams
) -> Suggestion:
    """Parameters for `block` suited to `windows` `(batch, n_samples, n_axes)` at
    `sample_rate_hz`, starting from `params` (fields not tuned keep their values). The
    suggestion is validated for such windows; a block that has no autotune, or windows that no
    parameters fit, raise `DspParameterError`."""
    batch = as_batch(windows)
    if batch.shape[0] == 0:
        raise DspParameterError("windows", 0, "autotune needs at least one window")
    if block.name == "spectral":
        suggestion = _spectral(block, batch, sample_rate_hz, params)
    elif block.name in AUTOTUNE_BLOCKS and isinstance(block, FramedAudioBlock):
        suggestion = _audio(block, batch, sample_rate_hz, params)
    else:
        raise DspParameterError(
            "block", block.name, f"autotune suggests parameters of {', '.join(AUTOTUNE_BLOCKS)}"
        )
    block.validate(
        suggestion.params,
        sample_rate_hz=sample_rate_hz,
        window_length=batch.shape[1],
        n_axes=batch.shape[2],
    )
    return suggestion
