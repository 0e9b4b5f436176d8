"""Spectrogram block: the power spectrum of each frame in dB, scaled to [0, 1]."""

from __future__ import annotations

from pydantic import Field

from dsp_blocks.audio_frames import (
    FrameLayout,
    frame_layout,
    power_spectrogram,
    power_to_db,
    scale_db,
)
from dsp_blocks.base import (
    BlockParams,
    DspBlock,
    FloatArray,
    Graph,
    as_batch,
    graph_image,
    require_single_axis,
)

AUTO_FFT_MINIMUM = 128


class SpectrogramParams(BlockParams):
    frame_length_s: float = Field(0.02, gt=0, le=1.0, description="Frame length in seconds")
    frame_stride_s: float = Field(
        0.01, gt=0, le=1.0, description="Step between the starts of two frames, in seconds"
    )
    fft_length: int | None = Field(
        None,
        ge=4,
        le=8192,
        description="FFT length in samples, a power of two >= the frame; empty (auto) picks the "
        "smallest power of two >= the frame and >= 128 (128 up to 6.4 kHz, 512 at 16 kHz)",
    )
    noise_floor_db: float = Field(
        -52.0, ge=-200, le=0, description="Powers at or below this level (dB) become 0"
    )


class SpectrogramBlock(DspBlock[SpectrogramParams]):
    """Per frame: periodic Hann window, P = |FFT|^2 / N, P_dB = 10 log10(P) (floored at -100 dB),
    scaled = clip((P_dB - noise_floor_db) / (12 - noise_floor_db), 0, 1).
    Output `(n_frames, fft_length // 2 + 1)`, unitless in [0, 1]."""

    name = "spectrogram"
    title = "Spectrogram"
    description = (
        "The power of each frequency over time on a linear frequency axis, good for audio and "
        "vibration with tones."
    )
    output_kind = "image"
    Params = SpectrogramParams

    def _layout(
        self, params: SpectrogramParams, *, sample_rate_hz: float, window_length: int
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
        self, params: SpectrogramParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        require_single_axis(n_axes, self.title)
        self._layout(params, sample_rate_hz=sample_rate_hz, window_length=window_length)

    def output_shape(
        self, params: SpectrogramParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        self.validate(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=window_length)
        return (layout.n_frames, layout.n_bins)

    def _power_db(
        self, signal: FloatArray, params: SpectrogramParams, sample_rate_hz: float
    ) -> FloatArray:
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=signal.shape[1])
        return power_to_db(power_spectrogram(signal, layout, 0.0))

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: SpectrogramParams
    ) -> FloatArray:
        batch = as_batch(windows)
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        return scale_db(
            self._power_db(batch[:, :, 0], params, sample_rate_hz), params.noise_floor_db
        )

    def graphs(
        self, window: FloatArray, *, sample_rate_hz: float, params: SpectrogramParams
    ) -> list[Graph]:
        batch = as_batch(window[None])
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        power_db = self._power_db(batch[:, :, 0], params, sample_rate_hz)[0]
        return [
            graph_image("Power spectrum", power_db.T, "Frame", "FFT bin", y_unit="dB"),
            graph_image(
                "Features", scale_db(power_db, params.noise_floor_db).T, "Frame", "FFT bin"
            ),
        ]


SPECTROGRAM = SpectrogramBlock()
