"""Which editor layers tensorflow-model-optimization can make quantization-aware or prune.

Checked before training so a user learns of an unsupported layer at once, not after an hour.
The tables mirror tfmot 0.8's default 8-bit quantize registry and prune registry
(tests/learning/test_optimization.py compares them with the installed tfmot).
"""

from __future__ import annotations

from worker.learning.errors import TrainingError
from worker.learning.layers import (
    BatchNormalization,
    Conv2D,
    DepthwiseConv2D,
    LayerSpec,
)

# Keras class names tfmot's default 8-bit scheme wraps (Conv1D and MaxPooling1D are absent there).
QAT_SUPPORTED = frozenset(
    {
        "Dense",
        "Conv2D",
        "DepthwiseConv2D",
        "MaxPooling2D",
        "AveragePooling1D",
        "AveragePooling2D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "Flatten",
        "Reshape",
        "Dropout",
        "Activation",
    }
)
PRUNING_SUPPORTED = frozenset(
    {
        "Dense",
        "Conv1D",
        "Conv2D",
        "DepthwiseConv2D",
        "MaxPooling1D",
        "MaxPooling2D",
        "AveragePooling1D",
        "AveragePooling2D",
        "GlobalAveragePooling1D",
        "GlobalAveragePooling2D",
        "Flatten",
        "Reshape",
        "Dropout",
        "BatchNormalization",
        "Activation",
    }
)


def check_quantization_aware(layers: list[LayerSpec]) -> None:
    """Raise TrainingError naming the first layer tfmot cannot make quantization-aware."""
    previous: LayerSpec | None = None
    for position, layer in enumerate(layers, start=1):
        if isinstance(layer, BatchNormalization):
            # tfmot folds batch norm into the convolution right before it, and only there.
            if not isinstance(previous, Conv2D | DepthwiseConv2D):
                raise TrainingError(
                    f"layer {position} (BatchNormalization) cannot be made quantization-aware: "
                    "tfmot supports batch normalization only directly after a Conv2D or "
                    "DepthwiseConv2D; move it there, remove it, or turn quantization-aware "
                    "training off"
                )
        elif layer.label not in QAT_SUPPORTED:
            raise TrainingError(
                f"layer {position} ({layer.label}) is not supported by quantization-aware "
                f"training in tensorflow-model-optimization; supported layers are "
                f"{', '.join(sorted(QAT_SUPPORTED | {'BatchNormalization'}))}. Replace it "
                "(e.g. Conv1D by Conv2D on a (frames, coefficients, 1) reshape) or turn "
                "quantization-aware training off"
            )
        previous = layer


def check_pruning(layers: list[LayerSpec]) -> None:
    """Raise TrainingError naming the first layer tfmot cannot prune."""
    for position, layer in enumerate(layers, start=1):
        if layer.label not in PRUNING_SUPPORTED:
            raise TrainingError(
                f"layer {position} ({layer.label}) is not supported by pruning in "
                "tensorflow-model-optimization; remove it or turn pruning off"
            )
