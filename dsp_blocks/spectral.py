"""Spectral-analysis block for accelerometer and vibration data: filter, statistics, spectrum."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import Literal

import numpy as np
import scipy.signal
from numpy.typing import NDArray
from pydantic import Field

from dsp_blocks.base import (
    BlockParams,
    DspBlock,
    DspParameterError,
    FloatArray,
    Graph,
    axis_title,
    graph_line,
)
from dsp_blocks.framing import frame_count, frames, hann_window
from dsp_blocks.moments import central_moments, excess_kurtosis, skewness
from dsp_blocks.raw import check_window
from dsp_blocks.spectrum import is_power_of_two, power_spectrum, project

LOG_POWER_FLOOR = 1e-10
MIN_FFT_LENGTH = 4
# The dynamic range new impulses get: 60 dB below an axis' strongest band is where the float32
# filter and FFT (the device's, and so the platform's reference for it) stop resolving log10
# powers to 1e-5; lower bands behind a filter are its rounding noise, not the signal.
DEFAULT_LOG_POWER_RANGE_DB = 60.0


class SpectralParams(BlockParams):
    scale_axes: float = Field(
        1.0, ge=-1e6, le=1e6, title="Scale axes", description="Samples are multiplied first"
    )
    filter_type: Literal["none", "low", "high"] = Field(
        "low",
        title="Filter type",
        description="Butterworth filter applied after removing each axis' mean",
    )
    filter_cutoff_hz: float = Field(
        3.0, gt=0, title="Filter cut-off", description="Filter cut-off frequency in Hz"
    )
    filter_order: int = Field(
        6, ge=1, le=10, title="Filter order", description="Butterworth filter order"
    )
    fft_length: int = Field(
        64,
        ge=MIN_FFT_LENGTH,
        le=4096,
        title="FFT length",
        description="Samples per Welch segment (a power of two)",
    )
    n_power_bands: int = Field(
        4,
        ge=1,
        le=256,
        title="Number of power bands",
        description="Equal-width bands (0 Hz to Nyquist) of summed power",
    )
    n_peaks: int = Field(
        3, ge=0, le=32, title="Number of peaks", description="Strongest spectral peaks reported"
    )
    log_powers: bool = Field(
        True, title="Log of powers", description="Report band powers and peak heights as log10"
    )
    log_power_range_db: float | None = Field(
        None,
        gt=0,
        le=200,
        title="Dynamic range (dB)",
        description=(
            "With log powers: band powers more than this far below the axis' strongest band are "
            "raised to that level, and lower peaks are not reported (empty: only the fixed "
            "1e-10 floor)"
        ),
    )


@lru_cache(maxsize=32)
def butterworth_sos(
    filter_type: str, order: int, cutoff_hz: float, sample_rate_hz: float
) -> NDArray[np.float64]:
    """Second-order sections `(n_sections, 6)` [b0 b1 b2 a0 a1 a2] from scipy.signal.butter."""
    btype = "lowpass" if filter_type == "low" else "highpass"
    sos = scipy.signal.butter(order, cutoff_hz, btype=btype, fs=sample_rate_hz, output="sos")
    return np.asarray(sos, dtype=np.float64)


def welch_power(signal: NDArray[np.float64], fft_length: int) -> NDArray[np.float64]:
    """(batch, n_samples, n_axes) -> (batch, n_axes, fft_length // 2 + 1) averaged power."""
    stride = fft_length // 2
    n_segments = frame_count(signal.shape[1], fft_length, stride)
    by_axis = np.ascontiguousarray(signal.transpose(0, 2, 1))
    segments = frames(by_axis, fft_length, stride)[:, :, :n_segments]
    windowed = segments * hann_window(fft_length).astype(np.float64)
    return np.asarray(power_spectrum(windowed).mean(axis=2), dtype=np.float64)


def log_power_floor(bands: NDArray[np.float64], params: SpectralParams) -> NDArray[np.float64]:
    """`(batch, n_axes, 1)`: the power below which log powers are floored and local maxima are
    not peaks. 1e-10 (the log's domain) and, with log powers and a dynamic range, that many dB
    below the axis' strongest band, as a spectrum analyser's display range: bands further down
    behind a filter are float32 rounding noise, which the device and the platform round
    differently (by up to 2e-4 of their log10 at 80 dB down)."""
    floor = np.full((*bands.shape[:-1], 1), LOG_POWER_FLOOR)
    if params.log_powers and params.log_power_range_db is not None:
        ratio = 10.0 ** (-params.log_power_range_db / 10.0)
        floor = np.maximum(floor, bands.max(axis=-1, keepdims=True) * ratio)
    return floor


def largest_power_of_two_at_most(value: int) -> int:
    """The largest power of two <= `value` (1 for values below 2)."""
    return 1 << (max(1, value).bit_length() - 1)


class SpectralBlock(DspBlock[SpectralParams]):
    """Per axis: x = scale_axes * samples minus its mean, then the optional Butterworth filter
    (scipy second-order sections, zero initial state). Features: RMS, skewness, excess kurtosis of
    the filtered x; Welch power spectrum (periodic Hann segments of fft_length, 50 % overlap, |FFT|^2 / N,
    averaged) summed in n_power_bands equal bands of FFT bins; the n_peaks highest local maxima
    (bins 1..N/2-1) as (frequency Hz, power), missing peaks as (0, 0). Powers in the input's
    units squared, or log10 of them (floored at -10) with log_powers; with log_power_range_db
    as well, floored at that many dB below the axis' strongest band, and local maxima below that
    floor are missing peaks.
    Output `(n_axes * (3 + n_power_bands + 2 n_peaks),)`, axis after axis."""

    name = "spectral"
    title = "Spectral analysis"
    description = (
        "Statistics and the frequency content of each axis: for vibration and motion "
        "(accelerometers, gyroscopes)."
    )
    output_kind = "vector"
    Params = SpectralParams

    def default_params(self) -> SpectralParams:
        """The field's defaults with a dynamic range of DEFAULT_LOG_POWER_RANGE_DB: what a new
        block gets. The field's own default (none) is what parameters stored before the dynamic
        range existed parse to, so those impulses keep their features and models."""
        return SpectralParams.model_validate({"log_power_range_db": DEFAULT_LOG_POWER_RANGE_DB})

    def validate(
        self, params: SpectralParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        check_window(window_length, n_axes)
        if sample_rate_hz <= 0:
            raise DspParameterError("sample_rate_hz", sample_rate_hz, "must be above 0 Hz")
        nyquist_hz = sample_rate_hz / 2.0
        if params.filter_type != "none" and params.filter_cutoff_hz >= nyquist_hz:
            raise DspParameterError(
                "filter_cutoff_hz",
                params.filter_cutoff_hz,
                f"the cut-off must be below the Nyquist frequency ({nyquist_hz:g} Hz at "
                f"{sample_rate_hz:g} Hz)",
            )
        if not is_power_of_two(params.fft_length):
            raise DspParameterError(
                "fft_length", params.fft_length, "the FFT length must be a power of two"
            )
        if params.fft_length > window_length:
            raise DspParameterError(
                "fft_length",
                params.fft_length,
                f"the FFT length must be at most the window length ({window_length} samples)",
            )
        n_bins = params.fft_length // 2 + 1
        if params.n_power_bands > n_bins:
            raise DspParameterError(
                "n_power_bands",
                params.n_power_bands,
                f"an FFT of {params.fft_length} has {n_bins} bins; use at most that many bands",
            )

    def defaults_for(
        self, *, window_length: int, sample_rate_hz: float, n_axes: int
    ) -> SpectralParams:
        """The FFT length is the model's default unless the window is shorter, then the largest
        power of two the window holds (Welch averages several segments of a long window rather
        than one long FFT); the bands at most the FFT's bins; a cut-off at or above Nyquist moves
        to half of Nyquist."""
        defaults = self.default_params()
        fft_length = max(
            MIN_FFT_LENGTH, min(defaults.fft_length, largest_power_of_two_at_most(window_length))
        )
        nyquist_hz = sample_rate_hz / 2.0
        cutoff_hz = defaults.filter_cutoff_hz
        if cutoff_hz >= nyquist_hz:
            cutoff_hz = nyquist_hz / 2.0
        return self.fitted(
            {
                "fft_length": fft_length,
                "n_power_bands": min(defaults.n_power_bands, fft_length // 2 + 1),
                "filter_cutoff_hz": cutoff_hz,
            }
        )

    def valid_output_shape(
        self, params: SpectralParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        return (n_axes * (3 + params.n_power_bands + 2 * params.n_peaks),)

    def _filtered(
        self, batch: FloatArray, params: SpectralParams, sample_rate_hz: float
    ) -> NDArray[np.float64]:
        """The centred, filtered signal as the C++ twin holds it: float32 values (its signal
        buffer) computed in float64, with float32 filter coefficients (its constants), each
        section's output rounded to float32 (it filters the buffer in place, section after
        section). Behind a low-pass the upper bands hold ~1e-8 of the power: the device's
        float32 filter state and FFT round the strong band by ~1e-7 of its amplitude, which
        moves those bands' log10 by up to ~2e-4; the dynamic range (log_power_floor) floors
        them."""
        signal = batch.astype(np.float64) * params.scale_axes
        signal -= signal.mean(axis=1, keepdims=True)
        signal = signal.astype(np.float32).astype(np.float64)
        if params.filter_type == "none":
            return signal
        sos = butterworth_sos(
            params.filter_type, params.filter_order, params.filter_cutoff_hz, sample_rate_hz
        )
        for section in sos.astype(np.float32).astype(np.float64):
            signal = scipy.signal.sosfilt(section[None], signal, axis=1)
            signal = signal.astype(np.float32).astype(np.float64)
        return np.asarray(signal, dtype=np.float64)

    def _welch(self, signal: NDArray[np.float64], fft_length: int) -> NDArray[np.float64]:
        return welch_power(signal, fft_length)

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: SpectralParams
    ) -> FloatArray:
        batch = self.checked_batch(windows, sample_rate_hz=sample_rate_hz, params=params)
        filtered = self._filtered(batch, params, sample_rate_hz)
        _, m2, m3, m4 = central_moments(filtered)
        rms = np.sqrt((filtered * filtered).mean(axis=1))
        statistics = [rms, skewness(m2, m3), excess_kurtosis(m2, m4)]
        power = self._welch(filtered, params.fft_length)
        n_bins = power.shape[-1]
        band_of_bin = np.arange(n_bins) * params.n_power_bands // n_bins
        membership = (band_of_bin[:, None] == np.arange(params.n_power_bands)).astype(np.float64)
        bands = project(power, membership)
        floor = log_power_floor(bands, params)
        # Only a dynamic range hides peaks: below the fixed 1e-10 they are still reported.
        ranged = params.log_powers and params.log_power_range_db is not None
        lowest_peak = floor if ranged else np.zeros_like(floor)
        peak_frequency_hz, peak_power = self._peaks(
            power, params.n_peaks, sample_rate_hz, params.fft_length, lowest_peak
        )
        if params.log_powers:
            bands = np.log10(np.maximum(bands, floor))
            found = peak_frequency_hz > 0
            peak_power = np.where(found, np.log10(np.maximum(peak_power, floor)), 0.0)
        peaks = np.stack([peak_frequency_hz, peak_power], axis=-1).reshape(
            power.shape[0], power.shape[1], -1
        )
        per_axis = np.concatenate([np.stack(statistics, axis=-1), bands, peaks], axis=-1)
        return per_axis.reshape(batch.shape[0], -1).astype(np.float32)

    @staticmethod
    def _peaks(
        power: NDArray[np.float64],
        n_peaks: int,
        sample_rate_hz: float,
        fft_length: int,
        lowest_peak: NDArray[np.float64],
    ) -> tuple[NDArray[np.float64], NDArray[np.float64]]:
        """Frequencies and powers `(batch, n_axes, n_peaks)` of the highest local maxima that
        are not below `lowest_peak` `(batch, n_axes, 1)`; the higher first, ties to the lower
        frequency; missing peaks are (0, 0)."""
        inner = power[..., 1:-1]
        is_peak = (inner > power[..., :-2]) & (inner >= power[..., 2:]) & (inner >= lowest_peak)
        heights = np.where(is_peak, inner, -np.inf)
        if heights.shape[-1] < n_peaks:
            # Fewer inner bins than peaks asked for (a tiny FFT): the rest are missing peaks.
            missing = np.full((*heights.shape[:-1], n_peaks - heights.shape[-1]), -np.inf)
            heights = np.concatenate([heights, missing], axis=-1)
        order = np.argsort(-heights, axis=-1, kind="stable")[..., :n_peaks]
        chosen = np.take_along_axis(heights, order, axis=-1)
        found = np.isfinite(chosen)
        frequency_hz = np.where(found, (order + 1) * sample_rate_hz / fft_length, 0.0)
        return frequency_hz, np.where(found, chosen, 0.0)

    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: SpectralParams,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        batch = self.checked_batch(window[None], sample_rate_hz=sample_rate_hz, params=params)
        filtered = self._filtered(batch, params, sample_rate_hz)[0]
        power = self._welch(filtered[None], params.fft_length)[0]
        time_s = np.arange(filtered.shape[0]) / sample_rate_hz
        frequency_hz = np.arange(power.shape[-1]) * sample_rate_hz / params.fft_length
        graphs = []
        for axis in range(filtered.shape[1]):
            graphs.append(
                graph_line(
                    f"Filtered, {axis_title(axis_names, axis)}",
                    time_s,
                    filtered[:, axis],
                    "Time",
                    "Value",
                    "s",
                )
            )
            graphs.append(
                graph_line(
                    f"Power spectrum, {axis_title(axis_names, axis)}",
                    frequency_hz,
                    power[axis],
                    "Frequency",
                    "Power",
                    "Hz",
                    kind="bar",
                )
            )
        return graphs


SPECTRAL = SpectralBlock()
