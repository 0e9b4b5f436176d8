"""What the SDK generator needs to know of an impulse: its raw window, its DSP block and labels."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dsp_blocks.cpp_emit import check_identifier

AUDIO_BLOCKS = frozenset({"mfcc", "mfe", "spectrogram"})
# Blocks whose C++ twin the SDK can generate for a time-series window.
SDK_BLOCKS = frozenset({"mfcc", "mfe", "spectrogram", "spectral", "raw", "flatten"})


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
    """The raw window of an impulse: axis names (interleaved in that order), rate and length."""

    project_name: str
    axes: tuple[str, ...]
    frequency_hz: float
    window_length: int  # samples per window at frequency_hz

    def __post_init__(self) -> None:
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


def sensor_kind(impulse: ImpulseSpec, dsp: DspSpec) -> str:
    """"microphone" for one-axis audio blocks, "accelerometer" for three axes, else "sensor"."""
    n_axes = len(impulse.axes) if dsp.axis_indices is None else len(dsp.axis_indices)
    if dsp.block_type in AUDIO_BLOCKS and n_axes == 1:
        return "microphone"
    if len(impulse.axes) == 3:
        return "accelerometer"
    return "sensor"


def check_dsp_blocks(impulse: ImpulseSpec, dsp_blocks: Sequence[DspSpec]) -> DspSpec:
    """The one DSP block the SDK generates, or SdkError naming what it cannot generate."""
    if len(dsp_blocks) != 1:
        raise SdkError(
            f"the impulse has {len(dsp_blocks)} DSP blocks; the C++ SDK generates impulses with "
            "exactly one DSP block"
        )
    dsp = dsp_blocks[0]
    if dsp.block_type not in SDK_BLOCKS:
        raise SdkError(
            f"the SDK cannot generate the DSP block {dsp.block_type!r} for a time-series window; "
            f"it generates {', '.join(sorted(SDK_BLOCKS))}"
        )
    if dsp.axis_indices is not None:
        bad = [i for i in dsp.axis_indices if not 0 <= i < len(impulse.axes)]
        if bad or not dsp.axis_indices:
            raise SdkError(
                f"DSP axis indices {list(dsp.axis_indices)} must be 1+ indices into the "
                f"{len(impulse.axes)} raw axes {list(impulse.axes)}"
            )
    return dsp
