"""MFE block: log mel-filterbank energies of audio, scaled to [0, 1] (good for non-voice audio)."""

from __future__ import annotations

from typing import Any

from dsp_blocks.audio_frames import ChunkFinish, FrameLayout, mel_db
from dsp_blocks.base import FloatArray
from dsp_blocks.framed_audio import (
    MelAudioParams,
    ScaledDbBlock,
    ScaledDbParams,
    check_mel_edges,
    fft_length_field,
    fitted_mel_filters,
    frame_length_field,
    frame_stride_field,
    full_scale_field,
    high_frequency_field,
    low_frequency_field,
    mel_filters_field,
    mel_weights_for,
    noise_floor_field,
)


class MfeParams(MelAudioParams, ScaledDbParams):
    frame_length_s: float = frame_length_field()
    frame_stride_s: float = frame_stride_field(0.01)
    n_filters: int = mel_filters_field(40)
    fft_length: int | None = fft_length_field(auto_minimum=256)
    low_frequency_hz: float = low_frequency_field()
    high_frequency_hz: float = high_frequency_field()
    noise_floor_db: float = noise_floor_field("Energies")
    full_scale: float = full_scale_field()


class MfeBlock(ScaledDbBlock[MfeParams]):
    """Per frame: periodic Hann window, |FFT|^2 / N, HTK mel filterbank, E_dB = 10 log10(E) (E
    floored at 1e-10 in the samples' units), then relative to full scale
    E_dBFS = E_dB - 20 log10(full_scale) and scaled = clip((E_dBFS - noise_floor_db) /
    (12 - noise_floor_db), 0, 1): 0 at the noise floor, 1 at +12 dBFS, as Edge Impulse's MFE
    on 16-bit audio divided by 32768. Output `(n_frames, n_filters)`, unitless in [0, 1]."""

    name = "mfe"
    title = "MFE"
    description = (
        "Mel-filterbank energies: a spectrogram on the mel scale, good for non-voice audio "
        "such as machines, alarms or animals."
    )
    output_kind = "image"
    Params = MfeParams
    auto_fft_minimum = 256
    db_graph_name = "Mel energies"
    bin_title = "Mel filter"

    def validate(
        self, params: MfeParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> None:
        layout = self.checked_layout(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )
        check_mel_edges(params, sample_rate_hz=sample_rate_hz)
        mel_weights_for(params, sample_rate_hz=sample_rate_hz, fft_length=layout.fft_length)

    def fitted_to_layout(
        self, updates: dict[str, Any], layout: FrameLayout, *, sample_rate_hz: float
    ) -> dict[str, Any]:
        """As many mel filters as the FFT has bins for."""
        return {
            "n_filters": fitted_mel_filters(self, updates, layout, sample_rate_hz=sample_rate_hz)
        }

    def values_per_frame(self, params: MfeParams, layout: FrameLayout) -> int:
        return params.n_filters

    def input_decibels(
        self,
        windows: FloatArray,
        *,
        sample_rate_hz: float,
        params: MfeParams,
        finish: ChunkFinish | None = None,
    ) -> FloatArray:
        signal, layout = self.checked_signal(windows, sample_rate_hz=sample_rate_hz, params=params)
        weights = mel_weights_for(
            params, sample_rate_hz=sample_rate_hz, fft_length=layout.fft_length
        )
        return mel_db(signal, layout, 0.0, weights, finish)


MFE = MfeBlock()
