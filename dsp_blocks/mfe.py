"""MFE block: log mel-filterbank energies of audio, scaled to [0, 1] (good for non-voice audio)."""

from __future__ import annotations

from pydantic import Field

from dsp_blocks.audio_frames import (
    FrameLayout,
    frame_layout,
    mel_energies,
    mel_weights_float32,
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
from dsp_blocks.spectrum import check_frequency_range

AUTO_FFT_MINIMUM = 256


class MfeParams(BlockParams):
    frame_length_s: float = Field(0.02, gt=0, le=1.0, description="Frame length in seconds")
    frame_stride_s: float = Field(
        0.01, gt=0, le=1.0, description="Step between the starts of two frames, in seconds"
    )
    n_filters: int = Field(40, ge=2, le=256, description="Mel filters in the filterbank")
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
    noise_floor_db: float = Field(
        -52.0, ge=-200, le=0, description="Energies at or below this level (dB) become 0"
    )


class MfeBlock(DspBlock[MfeParams]):
    """Per frame: periodic Hann window, |FFT|^2 / N, HTK mel filterbank, E_dB = 10 log10(E)
    (floored at -100 dB), then scaled = clip((E_dB - noise_floor_db) / (12 - noise_floor_db), 0, 1):
    0 at the noise floor, 1 at +12 dB. Output `(n_frames, n_filters)`, unitless in [0, 1]."""

    name = "mfe"
    title = "MFE"
    description = (
        "Mel-filterbank energies: a spectrogram on the mel scale, good for non-voice audio "
        "such as machines, alarms or animals."
    )
    output_kind = "image"
    Params = MfeParams

    def _layout(
        self, params: MfeParams, *, sample_rate_hz: float, window_length: int
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
        self, params: MfeParams, *, sample_rate_hz: float, window_length: int, n_axes: int
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
        mel_weights_float32(
            sample_rate_hz, layout.fft_length, params.n_filters, params.low_frequency_hz, high_hz
        )

    def output_shape(
        self, params: MfeParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        self.validate(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length, n_axes=n_axes
        )
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=window_length)
        return (layout.n_frames, params.n_filters)

    def _energies_db(
        self, signal: FloatArray, params: MfeParams, sample_rate_hz: float
    ) -> FloatArray:
        layout = self._layout(params, sample_rate_hz=sample_rate_hz, window_length=signal.shape[1])
        high_hz = params.high_frequency_hz or sample_rate_hz / 2.0
        weights = mel_weights_float32(
            sample_rate_hz, layout.fft_length, params.n_filters, params.low_frequency_hz, high_hz
        )
        return power_to_db(mel_energies(signal, layout, 0.0, weights))

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: MfeParams
    ) -> FloatArray:
        batch = as_batch(windows)
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        return scale_db(
            self._energies_db(batch[:, :, 0], params, sample_rate_hz), params.noise_floor_db
        )

    def graphs(
        self, window: FloatArray, *, sample_rate_hz: float, params: MfeParams
    ) -> list[Graph]:
        batch = as_batch(window[None])
        self.validate(
            params,
            sample_rate_hz=sample_rate_hz,
            window_length=batch.shape[1],
            n_axes=batch.shape[2],
        )
        energies_db = self._energies_db(batch[:, :, 0], params, sample_rate_hz)[0]
        return [
            graph_image("Mel energies", energies_db.T, "Frame", "Mel filter", y_unit="dB"),
            graph_image(
                "Features", scale_db(energies_db, params.noise_floor_db).T, "Frame", "Mel filter"
            ),
        ]


MFE = MfeBlock()
