"""MFCC block: mel-frequency cepstral coefficients of audio, the classic keyword-spotting input."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from pydantic import Field

from dsp_blocks.audio_frames import (
    FrameLayout,
    dct_float32,
    mel_cepstrum,
    power_spectrogram,
    power_to_db,
    sliding_normalize,
)
from dsp_blocks.base import DspParameterError, FloatArray, Graph, graph_image, graph_line
from dsp_blocks.framed_audio import (
    FramedAudioBlock,
    MelAudioParams,
    check_mel_edges,
    fft_length_field,
    fitted_mel_filters,
    frame_length_field,
    frame_stride_field,
    high_frequency_field,
    low_frequency_field,
    mel_filters_field,
    mel_weights_for,
)
from dsp_blocks.framing import pre_emphasis


class MfccParams(MelAudioParams):
    n_coefficients: int = Field(
        13,
        ge=1,
        le=64,
        title="Number of coefficients",
        description="Cepstral coefficients per frame",
    )
    frame_length_s: float = frame_length_field()
    frame_stride_s: float = frame_stride_field(0.02)
    n_filters: int = mel_filters_field(32)
    fft_length: int | None = fft_length_field(auto_minimum=256)
    low_frequency_hz: float = low_frequency_field()
    high_frequency_hz: float = high_frequency_field()
    pre_emphasis: float = Field(
        0.98,
        ge=0,
        le=1,
        title="Pre-emphasis coefficient",
        description="Pre-emphasis coefficient: y[n] = x[n] - c x[n-1]",
    )
    normalization_window_frames: int = Field(
        101,
        ge=0,
        le=1001,
        title="Normalization window (frames)",
        description="Sliding-window mean normalisation over this many frames (odd); 0 turns it off",
    )
    normalize_variance: bool = Field(
        False,
        title="Normalize variance",
        description="Also divide by the standard deviation of the sliding window",
    )


class MfccBlock(FramedAudioBlock[MfccParams]):
    """Per frame: pre-emphasis, periodic Hann window, |FFT|^2 / N, HTK mel filterbank, power in dB
    (10 log10, floored at -100 dB), orthonormal DCT-II, first `n_coefficients` kept; then an
    optional sliding mean (and variance) normalisation. Output `(n_frames, n_coefficients)`,
    unitless cepstral coefficients of dB energies."""

    name = "mfcc"
    title = "MFCC"
    description = (
        "Mel-frequency cepstral coefficients: a compact summary of the spectrum of speech, "
        "good for keywords and voices."
    )
    output_kind = "image"
    Params = MfccParams
    auto_fft_minimum = 256

    def validate(
        self, params: MfccParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        layout = self.checked_layout(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )
        check_mel_edges(params, sample_rate_hz=sample_rate_hz)
        if params.n_coefficients > params.n_filters:
            raise DspParameterError(
                "n_coefficients",
                params.n_coefficients,
                f"at most n_filters ({params.n_filters}) coefficients exist",
            )
        window = params.normalization_window_frames
        if window != 0 and (window < 3 or window % 2 == 0):
            raise DspParameterError(
                "normalization_window_frames",
                window,
                "the normalisation window must be odd and at least 3 frames, or 0 for none",
            )
        mel_weights_for(params, sample_rate_hz=sample_rate_hz, fft_length=layout.fft_length)

    def fitted_to_layout(
        self, updates: dict[str, Any], layout: FrameLayout, *, sample_rate_hz: float
    ) -> dict[str, Any]:
        """As many mel filters as the FFT has bins for, and at most that many coefficients."""
        n_filters = fitted_mel_filters(self, updates, layout, sample_rate_hz=sample_rate_hz)
        n_coefficients = min(self.default_params().n_coefficients, n_filters)
        return {"n_filters": n_filters, "n_coefficients": n_coefficients}

    def values_per_frame(self, params: MfccParams, layout: FrameLayout) -> int:
        return params.n_coefficients

    def _cepstrum(
        self, signal: FloatArray, layout: FrameLayout, params: MfccParams, sample_rate_hz: float
    ) -> FloatArray:
        weights = mel_weights_for(
            params, sample_rate_hz=sample_rate_hz, fft_length=layout.fft_length
        )
        cepstrum = mel_cepstrum(
            signal,
            layout,
            params.pre_emphasis,
            weights,
            dct_float32(params.n_coefficients, params.n_filters),
        )
        if params.normalization_window_frames:
            cepstrum = sliding_normalize(
                cepstrum, params.normalization_window_frames, params.normalize_variance
            )
        return cepstrum

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: MfccParams
    ) -> FloatArray:
        signal, layout = self.checked_signal(windows, sample_rate_hz=sample_rate_hz, params=params)
        return self._cepstrum(signal, layout, params, sample_rate_hz)

    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: MfccParams,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        signal, layout = self.checked_signal(
            window[None], sample_rate_hz=sample_rate_hz, params=params
        )
        cepstrum = self._cepstrum(signal, layout, params, sample_rate_hz)
        power = power_spectrogram(signal, layout, params.pre_emphasis)
        time_s = np.arange(signal.shape[1]) / sample_rate_hz
        return [
            graph_line(
                "After pre-emphasis",
                time_s,
                pre_emphasis(signal, params.pre_emphasis)[0],
                "Time",
                "Amplitude",
                "s",
            ),
            graph_image("Power spectrum", power_to_db(power[0]).T, "Frame", "FFT bin", y_unit="dB"),
            graph_image("Cepstral coefficients", cepstrum[0].T, "Frame", "Coefficient"),
        ]


MFCC = MfccBlock()
