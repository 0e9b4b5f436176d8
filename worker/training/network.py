"""The network of a learning block: its editor layers, or the preset that fits its features."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from worker.learning.architectures import preset_layers

Shape = tuple[int, ...]
# The preset that fits each DSP block's output when the user picked none.
PRESET_BY_DSP_TYPE = {
    "mfcc": "conv1d_audio",
    "mfe": "conv1d_audio",
    "spectrogram": "conv1d_audio",
    "image": "mobilenet_images",
}
DEFAULT_PRESET = "dense_spectral"


def default_preset(dsp_types: Sequence[str]) -> str:
    """conv1d_audio for MFCC/MFE/spectrogram, mobilenet_images for images, else dense_spectral
    (also for several DSP blocks, whose features are concatenated flat)."""
    if len(dsp_types) == 1:
        return PRESET_BY_DSP_TYPE.get(dsp_types[0], DEFAULT_PRESET)
    return DEFAULT_PRESET


def resolve_layers(block: dict[str, Any], dsp_types: Sequence[str], shape: Shape) -> list[Any]:
    """The block's layers as JSON: its own, or its preset's (or the default one) for `shape`."""
    if block.get("layers"):
        return list(block["layers"])
    name = block.get("preset") or default_preset(dsp_types)
    return [layer.model_dump(mode="json") for layer in preset_layers(name, tuple(shape))]
