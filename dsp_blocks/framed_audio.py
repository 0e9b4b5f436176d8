"""What the audio blocks that cut one axis into FFT frames (MFCC, MFE, spectrogram) share: their
common parameter fields, bases for their parameter models, a base block that lays out the frames
and checks the batch, and one for the blocks whose features are scaled dB (MFE, spectrogram)."""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from functools import partial
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

import numpy as np
from numpy.typing import NDArray
from pydantic import Field

from dsp_blocks.audio_frames import (
    ChunkFinish,
    FrameLayout,
    frame_layout,
    full_scale_db,
    mel_weights_float32,
    scale_db,
)
from dsp_blocks.base import (
    MIN_FRAME_SAMPLES,
    BlockParams,
    DspBlock,
    DspParameterError,
    FloatArray,
    Graph,
    graph_image,
    require_single_axis,
)
from dsp_blocks.framing import samples_in
from dsp_blocks.spectrum import check_frequency_range

# The frame length every audio block defaults to; the auto FFT length's description quotes the
# sample rates up to which the minimum FFT length holds a frame this long.
DEFAULT_FRAME_LENGTH_S = 0.02
# The longest frame and stride, in seconds.
MAX_FRAME_S = 1.0


def frame_length_field() -> Any:
    return Field(
        DEFAULT_FRAME_LENGTH_S,
        gt=0,
        le=MAX_FRAME_S,
        title="Frame length",
        description="Frame length in seconds",
    )


def frame_stride_field(default: float) -> Any:
    return Field(
        default,
        gt=0,
        le=MAX_FRAME_S,
        title="Frame stride",
        description="Step between the starts of two frames, in seconds",
    )


def fft_length_field(auto_minimum: int) -> Any:
    up_to_khz = auto_minimum / DEFAULT_FRAME_LENGTH_S / 1000.0
    return Field(
        None,
        ge=4,
        le=8192,
        title="FFT length",
        description="FFT length in samples, a power of two >= the frame; empty (auto) picks the "
        f"smallest power of two >= the frame and >= {auto_minimum} "
        f"({auto_minimum} up to {up_to_khz:g} kHz, 512 at 16 kHz)",
    )


def mel_filters_field(default: int) -> Any:
    return Field(
        default,
        ge=2,
        le=256,
        title="Number of mel filters",
        description="Mel filters in the filterbank",
    )


def low_frequency_field() -> Any:
    return Field(0.0, ge=0, title="Low frequency", description="Lowest filter edge in Hz")


def high_frequency_field() -> Any:
    return Field(
        0.0,
        ge=0,
        title="High frequency",
        description="Highest filter edge in Hz; 0 means the Nyquist frequency",
    )


def noise_floor_field(quantity: str) -> Any:
    """`quantity`: what is scaled, as the description names it ("Energies", "Powers")."""
    return Field(
        -52.0,
        ge=-200,
        le=0,
        title="Noise floor",
        description=f"{quantity} at or below this level (dB relative to full scale) become 0; "
        "1 is 12 dB above full scale",
    )


# WAV uploads and browser recordings are stored in the 16-bit range (as Edge Impulse stores
# audio), so their full scale is 32768: the default, since that is how audio arrives.
INT16_FULL_SCALE = 32768.0
# Float audio in [-1, 1] (a CSV of an audio axis, say) has a full scale of 1.
FLOAT_FULL_SCALE = 1.0
# The largest full scale accepted: 32-bit integer samples.
MAX_FULL_SCALE = 2.0**31


def full_scale_field() -> Any:
    return Field(
        INT16_FULL_SCALE,
        gt=0,
        le=MAX_FULL_SCALE,
        title="Full scale",
        description="The amplitude of a full-scale signal in the samples' units; levels are dB "
        "relative to it. 32768 for WAV uploads and recordings (stored in the 16-bit range), 1 "
        "for float audio in [-1, 1] such as a CSV; autotune suggests it from the data",
    )


class FramedAudioParams(BlockParams):
    """Base of the framed audio blocks' parameters.

    Each block's model declares the shared fields itself (with the `*_field` helpers above):
    pydantic puts inherited fields first, and each block's UI form keeps its own field order.
    The annotations here only tell the type checker that those fields exist.
    """

    if TYPE_CHECKING:
        frame_length_s: float
        frame_stride_s: float
        fft_length: int | None


class MelAudioParams(FramedAudioParams):
    """Base of the parameters of the framed audio blocks with a mel filterbank (MFCC, MFE)."""

    if TYPE_CHECKING:
        n_filters: int
        low_frequency_hz: float
        high_frequency_hz: float


class ScaledDbParams(FramedAudioParams):
    """Base of the parameters of the framed audio blocks whose features are dB values scaled to
    [0, 1] above a noise floor (MFE, spectrogram), relative to the audio's full scale."""

    if TYPE_CHECKING:
        noise_floor_db: float
        full_scale: float


AudioParams = TypeVar("AudioParams", bound=FramedAudioParams)
ScaledParams = TypeVar("ScaledParams", bound=ScaledDbParams)


class FramedAudioBlock(DspBlock[AudioParams]):
    """A block whose features come from frames of a one-axis (audio) window."""

    # FFT length the auto setting never goes below.
    auto_fft_minimum: ClassVar[int]

    def frame_layout(
        self, params: AudioParams, *, sample_rate_hz: float, window_length: int
    ) -> FrameLayout:
        """Frame and FFT sizes in samples; a parameter that does not fit the window is refused."""
        return frame_layout(
            frame_length_s=params.frame_length_s,
            frame_stride_s=params.frame_stride_s,
            fft_length=params.fft_length,
            auto_fft_minimum=self.auto_fft_minimum,
            sample_rate_hz=sample_rate_hz,
            window_length=window_length,
        )

    def defaults_for(
        self, *, window_length: int, sample_rate_hz: float, n_axes: int
    ) -> AudioParams:
        """The default frame and stride unless they do not fit: a frame of at least 4 samples
        and at most the window, a stride of at least 1 sample and at most the frame; then
        whatever else the block fits to its FFT (`fitted_to_layout`)."""
        defaults = self.default_params()
        frame_length_s, frame_stride_s = fitted_frame_timing(
            defaults.frame_length_s,
            defaults.frame_stride_s,
            window_length=window_length,
            sample_rate_hz=sample_rate_hz,
            block_title=self.title,
        )
        updates: dict[str, Any] = {
            "frame_length_s": frame_length_s,
            "frame_stride_s": frame_stride_s,
        }
        layout = self.frame_layout(
            self.fitted(updates), sample_rate_hz=sample_rate_hz, window_length=window_length
        )
        updates.update(self.fitted_to_layout(updates, layout, sample_rate_hz=sample_rate_hz))
        return self.fitted(updates)

    def fitted_to_layout(
        self, updates: dict[str, Any], layout: FrameLayout, *, sample_rate_hz: float
    ) -> dict[str, Any]:
        """More fitted defaults, once the frames and FFT are known; none by default."""
        return {}

    @abstractmethod
    def values_per_frame(self, params: AudioParams, layout: FrameLayout) -> int:
        """How many features each frame gives."""

    def valid_output_shape(
        self, params: AudioParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> tuple[int, ...]:
        layout = self.frame_layout(
            params, sample_rate_hz=sample_rate_hz, window_length=window_length
        )
        return (layout.n_frames, self.values_per_frame(params, layout))

    def checked_layout(
        self, params: AudioParams, *, sample_rate_hz: float, window_length: int, n_axes: int
    ) -> FrameLayout:
        """The checks every framed audio block starts its validation with: one axis, and frames
        that fit the window."""
        require_single_axis(n_axes, self.title)
        return self.frame_layout(params, sample_rate_hz=sample_rate_hz, window_length=window_length)

    def checked_signal(
        self, windows: FloatArray, *, sample_rate_hz: float, params: AudioParams
    ) -> tuple[FloatArray, FrameLayout]:
        """The validated batch's one axis `(batch, n_samples)` and its frame layout."""
        batch = self.checked_batch(windows, sample_rate_hz=sample_rate_hz, params=params)
        layout = self.frame_layout(
            params, sample_rate_hz=sample_rate_hz, window_length=batch.shape[1]
        )
        return batch[:, :, 0], layout


def fitted_frame_timing(
    frame_length_s: float,
    frame_stride_s: float,
    *,
    window_length: int,
    sample_rate_hz: float,
    block_title: str,
) -> tuple[float, float]:
    """A frame length and stride (seconds) like these that fit the window: a frame of
    MIN_FRAME_SAMPLES..window_length samples, a stride of 1..frame samples. A value that already
    fits is kept as it is; one that does not becomes a whole number of samples."""
    frame = min(max(samples_in(frame_length_s, sample_rate_hz), MIN_FRAME_SAMPLES), window_length)
    if frame < MIN_FRAME_SAMPLES:
        raise DspParameterError(
            "window_length",
            window_length,
            f"{block_title} needs frames of at least {MIN_FRAME_SAMPLES} samples; the window "
            f"has {window_length}",
        )
    if frame / sample_rate_hz > MAX_FRAME_S:
        raise DspParameterError(
            "sample_rate_hz",
            sample_rate_hz,
            f"{block_title} needs frames of at least {MIN_FRAME_SAMPLES} samples within "
            f"{MAX_FRAME_S:g} s: a rate of at least {MIN_FRAME_SAMPLES / MAX_FRAME_S:g} Hz",
        )
    stride = max(1, min(samples_in(frame_stride_s, sample_rate_hz), frame))
    return (
        _seconds_of(frame, frame_length_s, sample_rate_hz),
        _seconds_of(stride, frame_stride_s, sample_rate_hz),
    )


def _seconds_of(samples: int, seconds: float, sample_rate_hz: float) -> float:
    """`seconds` when it is already `samples` long, else `samples` in seconds."""
    return seconds if samples_in(seconds, sample_rate_hz) == samples else samples / sample_rate_hz


def fitted_mel_filters(
    block: FramedAudioBlock[Any],
    updates: dict[str, Any],
    layout: FrameLayout,
    *,
    sample_rate_hz: float,
) -> int:
    """The most filters, up to the model's default, that each cover an FFT bin of this layout
    (the filterbank itself decides, as validation does)."""
    n_filters = int(block.default_params().n_filters)
    while n_filters > 2:
        candidate = block.fitted({**updates, "n_filters": n_filters})
        try:
            mel_weights_for(candidate, sample_rate_hz=sample_rate_hz, fft_length=layout.fft_length)
            return n_filters
        except DspParameterError:
            n_filters -= 1
    return n_filters


def check_mel_edges(params: MelAudioParams, *, sample_rate_hz: float) -> None:
    """Refuse filter edges outside 0..Nyquist or in the wrong order (the filter count is checked
    by building the filterbank, `mel_weights_for`)."""
    check_frequency_range(
        params.low_frequency_hz,
        params.high_frequency_hz,
        sample_rate_hz,
        low_name="low_frequency_hz",
        high_name="high_frequency_hz",
    )


def mel_weights_for(
    params: MelAudioParams, *, sample_rate_hz: float, fft_length: int
) -> NDArray[np.float32]:
    """The filterbank `(bins, n_filters)`; a high edge of 0 is Nyquist. Filters that the FFT has
    too few bins for are refused (`DspParameterError`), so validation calls it too."""
    high_hz = params.high_frequency_hz or sample_rate_hz / 2.0
    return mel_weights_float32(
        sample_rate_hz, fft_length, params.n_filters, params.low_frequency_hz, high_hz
    )


class ScaledDbBlock(FramedAudioBlock[ScaledParams]):
    """A framed audio block whose features are its dB image scaled to [0, 1]: 0 at the noise
    floor, 1 at +12 dB, both relative to the audio's full scale (dBFS)."""

    # Title of the dB graph, and of its y axis (what a row of the image is).
    db_graph_name: ClassVar[str]
    bin_title: ClassVar[str]

    @abstractmethod
    def input_decibels(
        self,
        windows: FloatArray,
        *,
        sample_rate_hz: float,
        params: ScaledParams,
        finish: ChunkFinish | None = None,
    ) -> FloatArray:
        """The dB image `(batch, n_frames, n_bins)` of a batch in dB of the samples' units (not
        relative to full scale), validated first; `finish` then runs in place on each chunk of
        it as it is made."""

    def decibels(
        self, windows: FloatArray, *, sample_rate_hz: float, params: ScaledParams
    ) -> FloatArray:
        """The dB image relative to full scale (dBFS), the unit of the noise floor."""
        db = self.input_decibels(windows, sample_rate_hz=sample_rate_hz, params=params)
        db -= np.float32(full_scale_db(params.full_scale))
        return db

    def extract(
        self, windows: FloatArray, *, sample_rate_hz: float, params: ScaledParams
    ) -> FloatArray:
        scale = partial(
            scale_db,
            noise_floor_db=params.noise_floor_db,
            full_scale=params.full_scale,
            overwrite=True,
        )
        return self.input_decibels(
            windows, sample_rate_hz=sample_rate_hz, params=params, finish=scale
        )

    def graphs(
        self,
        window: FloatArray,
        *,
        sample_rate_hz: float,
        params: ScaledParams,
        axis_names: Sequence[str] = (),
    ) -> list[Graph]:
        db = self.input_decibels(window[None], sample_rate_hz=sample_rate_hz, params=params)[0]
        dbfs = db - np.float32(full_scale_db(params.full_scale))
        features = scale_db(db, params.noise_floor_db, params.full_scale)
        return [
            # The image's values are dB relative to full scale, the unit of the noise floor.
            graph_image(f"{self.db_graph_name} (dBFS)", dbfs.T, "Frame", self.bin_title),
            graph_image("Features", features.T, "Frame", self.bin_title),
        ]
