"""Spectrogram block: the power spectrum of each frame in dB, scaled to [0, 1]."""

from __future__ import annotations

from dsp_blocks.audio_frames import ChunkFinish, FrameLayout, power_db
from dsp_blocks.base import FloatArray
from dsp_blocks.framed_audio import (
    ScaledDbBlock,
    ScaledDbParams,
    fft_length_field,
    frame_length_field,
    frame_stride_field,
    full_scale_field,
    noise_floor_field,
)


class SpectrogramParams(ScaledDbParams):
    frame_length_s: float = frame_length_field()
    frame_stride_s: float = frame_stride_field(0.01)
    fft_length: int | None = fft_length_field(auto_minimum=128)
    noise_floor_db: float = noise_floor_field("Powers")
    full_scale: float = full_scale_field()


class SpectrogramBlock(ScaledDbBlock[SpectrogramParams]):
    """Per frame: periodic Hann window, P = |FFT|^2 / N, P_dB = 10 log10(P) (P floored at 1e-10
    in the samples' units), then relative to full scale P_dBFS = P_dB - 20 log10(full_scale)
    and scaled = clip((P_dBFS - noise_floor_db) / (12 - noise_floor_db), 0, 1): 0 at the noise
    floor, 1 at +12 dBFS. Output `(n_frames, fft_length // 2 + 1)`, unitless in [0, 1]."""

    name = "spectrogram"
    title = "Spectrogram"
    description = (
        "The power of each frequency over time on a linear frequency axis, good for audio and "
        "vibration with tones."
    )
    output_kind = "image"
    Params = SpectrogramParams
    auto_fft_minimum = 128
    db_graph_name = "Power spectrum"
    bin_title = "FFT bin"

    def validate(
        self, params: SpectrogramParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        self.checked_layout(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )

    def values_per_frame(self, params: SpectrogramParams, layout: FrameLayout) -> int:
        return layout.n_bins

    def input_decibels(
        self,
        windows: FloatArray,
        *,
        sample_rate_hz: float,
        params: SpectrogramParams,
        finish: ChunkFinish | None = None,
    ) -> FloatArray:
        signal, layout = self.checked_signal(windows, sample_rate_hz=sample_rate_hz, params=params)
        return power_db(signal, layout, 0.0, finish)


SPECTROGRAM = SpectrogramBlock()
