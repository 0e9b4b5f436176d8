"""What the SDK generator needs to know of an impulse: its raw window (or image frame), its DSP
blocks and labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dsp_blocks.cpp_emit import check_identifier

AUDIO_BLOCKS = frozenset({"mfcc", "mfe", "spectrogram"})
# Blocks whose C++ twin the SDK can generate for a time-series window.
SDK_BLOCKS = frozenset({"mfcc", "mfe", "spectrogram", "spectral", "raw", "flatten"})
# Blocks whose C++ twin the SDK can generate for an image frame.
SDK_IMAGE_BLOCKS = frozenset({"image"})
# Channel names of an image frame, the "axes" of its pixels.
IMAGE_CHANNELS = {1: ("gray",), 3: ("red", "green", "blue")}


class SdkError(ValueError):
    """The impulse or model cannot become an SDK; the message says what is missing and why."""


@dataclass(frozen=True)
class DspSpec:
    """One DSP block: its type, complete parameters, and which raw axes it reads (None = all)."""

    block_type: str
    params: Mapping[str, Any] = field(default_factory=dict)
    axis_indices: tuple[int, ...] | None = None


@dataclass(frozen=True)
class ImpulseSpec:
    """The raw window of an impulse: axis names (interleaved in that order), rate and length.

    An image impulse's window is one frame of `image_shape` (height, width, channels): its pixels
    are the samples (row-major from the top left) and its channels the axes; see `image_impulse`.
    """

    project_name: str
    axes: tuple[str, ...]
    frequency_hz: float
    window_length: int  # samples per window at frequency_hz
    image_shape: tuple[int, int, int] | None = None

    def __post_init__(self) -> None:
        if self.image_shape is not None:
            height, width, channels = self.image_shape
            if height < 1 or width < 1 or channels not in IMAGE_CHANNELS:
                raise SdkError(
                    f"image frame {height} x {width} x {channels}: needs 1+ rows and columns "
                    "and 1 (grayscale) or 3 (RGB) channels"
                )
            if (self.window_length, len(self.axes)) != (height * width, channels):
                raise SdkError(
                    f"an image impulse's window is its {height} x {width} pixels of {channels} "
                    f"channels; got {self.window_length} samples of {len(self.axes)} axes"
                )
        if not self.axes:
            raise SdkError("the impulse's input block selects no axes; choose at least one")
        if self.frequency_hz <= 0:
            raise SdkError(f"frequency_hz = {self.frequency_hz}: must be above 0")
        if self.window_length < 1:
            raise SdkError(f"window_length = {self.window_length}: a window needs 1+ samples")

    @property
    def display_name(self) -> str:
        """The project name safe inside a C comment and on one line."""
        return " ".join(self.project_name.replace("*/", "* /").split())

    @property
    def identifier(self) -> str:
        """The project name as a C identifier (Arduino library and header names)."""
        return project_identifier(self.project_name)


def image_impulse(project_name: str, height: int, width: int, channels: int) -> ImpulseSpec:
    """The spec of an impulse classifying frames of height x width pixels of 1 or 3 channels."""
    if channels not in IMAGE_CHANNELS:
        raise SdkError(f"images have 1 (grayscale) or 3 (RGB) channels; these have {channels}")
    return ImpulseSpec(
        project_name, IMAGE_CHANNELS[channels], 1.0, height * width, (height, width, channels)
    )


def project_identifier(project_name: str) -> str:
    """Letters, digits and _ only, not starting with a digit: "Keyword spotting!" ->
    "keyword_spotting".

    >>> project_identifier("Keyword spotting!")
    'keyword_spotting'
    >>> project_identifier("42 things")
    'p_42_things'
    """
    cleaned = "".join(ch.lower() if ch.isascii() and ch.isalnum() else "_" for ch in project_name)
    cleaned = "_".join(part for part in cleaned.split("_") if part) or "project"
    if cleaned[0].isdigit():
        cleaned = "p_" + cleaned
    return check_identifier(cleaned)


def sensor_kind(impulse: ImpulseSpec, dsp_blocks: Sequence[DspSpec]) -> str:
    """"camera" for images, "microphone" for one audio block on one axis, "accelerometer" for
    three axes, else "sensor"."""
    if impulse.image_shape is not None:
        return "camera"
    if len(dsp_blocks) == 1 and dsp_blocks[0].block_type in AUDIO_BLOCKS:
        dsp = dsp_blocks[0]
        n_axes = len(impulse.axes) if dsp.axis_indices is None else len(dsp.axis_indices)
        if n_axes == 1:
            return "microphone"
    if len(impulse.axes) == 3:
        return "accelerometer"
    return "sensor"


def check_dsp_blocks(impulse: ImpulseSpec, dsp_blocks: Sequence[DspSpec]) -> list[DspSpec]:
    """The DSP blocks the SDK generates, in the order their features are concatenated, or
    SdkError naming the first it cannot generate."""
    if not dsp_blocks:
        raise SdkError("the impulse has no DSP block; add one and train again")
    image = impulse.image_shape is not None
    supported = SDK_IMAGE_BLOCKS if image else SDK_BLOCKS
    kind = "an image frame" if image else "a time-series window"
    for dsp in dsp_blocks:
        if dsp.block_type not in supported:
            raise SdkError(
                f"the SDK cannot generate the DSP block {dsp.block_type!r} for {kind}; "
                f"it generates {', '.join(sorted(supported))}"
            )
        if dsp.axis_indices is not None:
            bad = [i for i in dsp.axis_indices if not 0 <= i < len(impulse.axes)]
            if bad or not dsp.axis_indices:
                raise SdkError(
                    f"DSP axis indices {list(dsp.axis_indices)} must be 1+ indices into the "
                    f"{len(impulse.axes)} raw axes {list(impulse.axes)}"
                )
            if image:
                raise SdkError("an image DSP block reads every channel of the frame")
    return list(dsp_blocks)
