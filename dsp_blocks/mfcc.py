"""MFCC block: mel-frequency cepstral coefficients of audio, the classic keyword-spotting input."""

from __future__ import annotations

import numpy as np
from pydantic import Field

from dsp_blocks.audio_frames import (
    FrameLayout,
    dct_float32,
    frame_layout,
    mel_energies,
    mel_weights_float32,
    power_spectrogram,
    power_to_db,
    sliding_normalize,
)
from dsp_blocks.base import (
    BlockParams,
    DspBlock,
    DspParameterError,
    FloatArray,
    Graph,
    as_batch,
    graph_image,
    graph_line,
    require_single_axis,
)
from dsp_blocks.framing import pre_emphasis
from dsp_blocks.spectrum import check_frequency_range, project

AUTO_FFT_MINIMUM = 256


class MfccParams(BlockParams):
    n_coefficients: int = Field(13, ge=1, le=64, description="Cepstral coefficients per frame")
    frame_length_s: float = Field(0.02, gt=0, le=1.0, description="Frame length in seconds")
    frame_stride_s: float = Field(
        0.02, gt=0, le=1.0, description="Step between the starts of two frames, in seconds"
    )
    n_filters: int = Field(32, ge=2, le=256, description="Mel filters in the filterbank")
    fft_length: int | None = Field(
        None,
        ge=4,
        le=8192,
        description="FFT length in samples, a power of two >= the frame; empty (auto) picks the "
        "smallest power of two >= the frame and >= 256 (256 up to 12.8 kHz, 512 at 16 kHz)",
    )
    low_frequency_hz: float = Field(0.0, ge=0, description="Lowest filter edge in Hz")
    high_frequency_hz: float = Field(
        0.0, ge=0, description="Highest filter edge in Hz; 0 means the Nyquist frequency"
    )
    pre_emphasis: float = Field(
        0.98, ge=0, le=1, description="Pre-emphasis coefficient: y[n] = x[n] - c x[n-1]"
    )
    normalization_window_frames: int = Field(
        101,
        ge=0,
        le=1001,
        description="Sliding-window mean normalisation over this many frames (odd); 0 turns it off",
    )
    normalize_variance: bool = Field(
        False, description="Also divide by the standard deviation of the sliding window"
    )


class MfccBlock(DspBlock[MfccParams]):
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

    def _layout(
        self, params: MfccParams, *, sample_rate_hz: float, window_length: int
    ) -> FrameLayout:
        return frame_layout(
            frame_length_s=params.frame_length_s,
            frame_stride_s=params.frame_stride_s,
            fft_length=params.fft_length,
            auto_fft_minimum=AUTO_FFT_MINIMUM,
            sample_rate_hz=sample_rate_hz,
            window_length=window_length,
        )

    def validate(
        self, params: MfccParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        require_single_axis(n_axes, self.title)
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=window_length)
        high_hz = check_frequency_range(
            params.low_frequency_hz,
            params.high_frequency_hz,
            sample_rate_hz,
            low_name="low_frequency_hz",
            high_name="high_frequency_hz",
        )
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
        mel_weights_float32(
            sample_rate_hz, layout.fft_length, params.n_filters, params.low_frequency_hz, high_hz
        )

    def output_shape(
        self, params: MfccParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        self.validate(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=window_length)
        return (layout.n_frames, params.n_coefficients)

    def _cepstrum(
        self, signal: FloatArray, layout: FrameLayout, params: MfccParams, sample_rate_hz: float
    ) -> FloatArray:
        high_hz = params.high_frequency_hz or sample_rate_hz / 2.0
        weights = mel_weights_float32(
            sample_rate_hz, layout.fft_length, params.n_filters, params.low_frequency_hz, high_hz
        )
        mel_db = power_to_db(mel_energies(signal, layout, params.pre_emphasis, weights))
        cepstrum = project(mel_db, dct_float32(params.n_coefficients, params.n_filters))
        if params.normalization_window_frames:
            cepstrum = sliding_normalize(
                cepstrum, params.normalization_window_frames, params.normalize_variance
            )
        return cepstrum

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: MfccParams
    ) -> FloatArray:
        batch = as_batch(windows)
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=batch.shape[1])
        return self._cepstrum(batch[:, :, 0], layout, params, sample_rate_hz)

    def graphs(
        self, window: FloatArray, *, sample_rate_hz: float, params: MfccParams
    ) -> list[Graph]:
        batch = as_batch(window[None])
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=batch.shape[1])
        signal = batch[:, :, 0]
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
