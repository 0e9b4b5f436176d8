"""Preset networks that fit a microcontroller, as layer lists the visual editor starts from.

A preset is the hidden part of a network: the script generator adds the output layer
(`Dense(num_classes, softmax)`, or `Dense(1)` for regression) after it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Literal

from worker.learning.layers import (
    Activation,
    BatchNormalization,
    Conv1D,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Dropout,
    Flatten,
    GlobalAveragePooling2D,
    LayerShapeError,
    LayerSpec,
    MaxPooling1D,
    MaxPooling2D,
    Reshape,
    Shape,
    infer_shapes,
)

PresetName = Literal[
    "conv1d_audio", "conv2d_audio", "ds_cnn_keywords", "dense_spectral", "mobilenet_images"
]


# Batch norm's running statistics (what inference uses) follow the training batches this fast.
# Keras's 0.99 averages over ~100 steps: on a few hundred windows, a network whose weights still
# move fast classifies its training batches well while its running statistics lag, and
# validation stays at chance for most of the epochs (measured: DS-CNN on bench/workloads.py's
# tones, 1/3 until epoch 22 of 30). 0.9 follows within ~10 steps.
PRESET_BN_MOMENTUM = 0.9


def _frames_by_coefficients(input_shape: Shape, coefficients: int | None) -> tuple[int, int]:
    """(frames, coefficients) of audio features given flat or already as frames x coefficients."""
    if len(input_shape) == 2:
        return input_shape[0], input_shape[1]
    if len(input_shape) == 3 and input_shape[2] == 1:
        return input_shape[0], input_shape[1]
    if len(input_shape) == 1:
        if coefficients is None:
            raise LayerShapeError(
                f"flat features {input_shape} need `coefficients` (the values per frame) to be "
                "reshaped into frames x coefficients"
            )
        if coefficients < 1 or input_shape[0] % coefficients:
            raise LayerShapeError(
                f"{input_shape[0]} feature values are not a whole number of frames of "
                f"{coefficients} coefficients"
            )
        return input_shape[0] // coefficients, coefficients
    raise LayerShapeError(
        f"audio presets take features of frames x coefficients; got the shape {input_shape}"
    )


def conv1d_audio(input_shape: Shape, *, coefficients: int | None = None) -> list[LayerSpec]:
    """Edge Impulse's default keyword network: Conv1D 8 -> 16 over time, pooling and dropout."""
    frames, coeffs = _frames_by_coefficients(input_shape, coefficients)
    return [
        Reshape(target_shape=(frames, coeffs)),
        Conv1D(filters=8, kernel_size=3, padding="same", activation="relu"),
        MaxPooling1D(pool_size=2, strides=2, padding="same"),
        Dropout(rate=0.25),
        Conv1D(filters=16, kernel_size=3, padding="same", activation="relu"),
        MaxPooling1D(pool_size=2, strides=2, padding="same"),
        Dropout(rate=0.25),
        Flatten(),
    ]


def conv2d_audio(input_shape: Shape, *, coefficients: int | None = None) -> list[LayerSpec]:
    """The same network in 2-D: features as an image of frames x coefficients x 1."""
    frames, coeffs = _frames_by_coefficients(input_shape, coefficients)
    return [
        Reshape(target_shape=(frames, coeffs, 1)),
        Conv2D(filters=8, kernel_size=3, padding="same", activation="relu"),
        MaxPooling2D(pool_size=2, strides=2, padding="same"),
        Dropout(rate=0.25),
        Conv2D(filters=16, kernel_size=3, padding="same", activation="relu"),
        MaxPooling2D(pool_size=2, strides=2, padding="same"),
        Dropout(rate=0.25),
        Flatten(),
    ]


def _separable_block(filters: int, stride: int) -> list[LayerSpec]:
    # Depthwise 3x3 then pointwise 1x1, each followed by batch norm (folded away when
    # converting) and ReLU: the building block of DS-CNN and MobileNet.
    return [
        DepthwiseConv2D(kernel_size=3, strides=stride, padding="same", activation=None),
        BatchNormalization(momentum=PRESET_BN_MOMENTUM),
        Activation(activation="relu"),
        Conv2D(filters=filters, kernel_size=1, padding="same", activation=None),
        BatchNormalization(momentum=PRESET_BN_MOMENTUM),
        Activation(activation="relu"),
    ]


def ds_cnn_keywords(
    input_shape: Shape, *, coefficients: int | None = None, filters: int = 64, blocks: int = 4
) -> list[LayerSpec]:
    """DS-CNN from "Hello Edge" (Zhang et al. 2017): a strided 10x4 conv, then separable blocks."""
    frames, coeffs = _frames_by_coefficients(input_shape, coefficients)
    layers: list[LayerSpec] = [
        Reshape(target_shape=(frames, coeffs, 1)),
        Conv2D(
            filters=filters,
            kernel_size=(min(10, frames), min(4, coeffs)),
            strides=2,
            padding="same",
            activation=None,
        ),
        BatchNormalization(momentum=PRESET_BN_MOMENTUM),
        Activation(activation="relu"),
        Dropout(rate=0.2),
    ]
    for _ in range(blocks):
        layers += _separable_block(filters, stride=1)
    layers += [GlobalAveragePooling2D(), Dropout(rate=0.4)]
    return layers


def dense_spectral(input_shape: Shape, *, coefficients: int | None = None) -> list[LayerSpec]:
    """Two small dense layers (20 -> 10) for spectral features of motion or vibration.

    On features with more than one dimension (an MFE, MFCC or spectrogram image, ~2000
    non-negative values) each Dense is followed by batch norm, folded into it when converting
    (the int8 model is the same fully connected layers). Without it, Adam's per-weight steps
    over so many inputs of one sign move each unit's input by several units per step at the
    keyword learning rate, the ReLUs die, the network learns nothing, and its int8 model has an
    activation of zero range that LiteRT refuses. One-dimensional features keep Edge Impulse's
    plain network, which quantization-aware training supports (tfmot's Dense + batch norm fold
    measured 72 % int8 where float32 was 100 %).
    """
    if len(input_shape) == 1:
        return [Dense(units=20, activation="relu"), Dense(units=10, activation="relu")]
    layers: list[LayerSpec] = [Flatten()]
    for units in (20, 10):
        layers += [
            Dense(units=units, activation=None),
            BatchNormalization(momentum=PRESET_BN_MOMENTUM),
            Activation(activation="relu"),
        ]
    return layers


def mobilenet_images(
    input_shape: Shape, *, coefficients: int | None = None, width: float = 0.25
) -> list[LayerSpec]:
    """A small MobileNet-style image net: a strided conv, then depthwise-separable blocks."""
    if len(input_shape) != 3:
        raise LayerShapeError(
            f"mobilenet_images takes images of height x width x channels; got {input_shape}"
        )

    def scaled(filters: int) -> int:
        return max(8, int(round(filters * width / 8)) * 8)

    layers: list[LayerSpec] = [
        Conv2D(filters=scaled(32), kernel_size=3, strides=2, padding="same", activation=None),
        BatchNormalization(momentum=PRESET_BN_MOMENTUM),
        Activation(activation="relu6"),
    ]
    for filters, stride in ((64, 1), (128, 2), (128, 1), (256, 2), (256, 1)):
        layers += _separable_block(scaled(filters), stride)
    layers += [GlobalAveragePooling2D(), Dropout(rate=0.1)]
    return layers


PRESETS: dict[str, Callable[..., list[LayerSpec]]] = {
    "conv1d_audio": conv1d_audio,
    "conv2d_audio": conv2d_audio,
    "ds_cnn_keywords": ds_cnn_keywords,
    "dense_spectral": dense_spectral,
    "mobilenet_images": mobilenet_images,
}


# Training settings each preset starts with when the learning block leaves them out (the rest
# are TrainingSettings' defaults), measured with bench/workloads.py: enough epochs to learn its
# data at its learning rate in a reasonable time.
PRESET_SETTINGS: dict[str, dict[str, int | float]] = {
    # Edge Impulse's keyword-spotting defaults (TrainingSettings' own).
    "conv1d_audio": {"epochs": 100, "learning_rate": 0.005},
    "conv2d_audio": {"epochs": 100, "learning_rate": 0.005},
    # 64 filters x 5 layers: an epoch costs ~10x conv1d_audio's; with batch norm it converges
    # in ~10 epochs on the bench's keywords.
    "ds_cnn_keywords": {"epochs": 40, "learning_rate": 0.005},
    # Edge Impulse's epochs for its dense network on spectral features; with batch norm the
    # keyword rate suits it (Edge Impulse's 0.0005 learns MFE images too slowly).
    "dense_spectral": {"epochs": 30, "learning_rate": 0.005},
    "mobilenet_images": {"epochs": 40, "learning_rate": 0.005},
}


# What each preset takes, in words, for telling a person why it does not fit their features.
PRESET_INPUTS: dict[str, str] = {
    "conv1d_audio": "a 2-D input (time × features) such as MFCC or MFE",
    "conv2d_audio": "a 2-D input (time × features) such as MFCC or MFE",
    "ds_cnn_keywords": "a 2-D input (time × features) such as MFCC or MFE",
    "dense_spectral": "any input: it flattens it (spectral features of motion fit best)",
    "mobilenet_images": "an image (height × width × channels) from the image block",
}


def shape_in_words(input_shape: Shape) -> str:
    """What a DSP block's features are, e.g. "78 features in one dimension"."""
    if len(input_shape) == 1:
        return f"{input_shape[0]} features in one dimension"
    if len(input_shape) == 2:
        return f"{input_shape[0]} × {input_shape[1]} features (time × features)"
    if len(input_shape) == 3 and input_shape[2] == 1:
        return f"{input_shape[0]} × {input_shape[1]} features (time × features, one channel)"
    sizes = " × ".join(str(size) for size in input_shape)
    if len(input_shape) == 3:
        return f"{sizes} features (height × width × channels)"
    return f"{sizes} features in {len(input_shape)} dimensions"


def _takes_rank(name: str, input_shape: Shape) -> bool:
    """Whether preset `name` takes features with as many dimensions as `input_shape`."""
    if name == "mobilenet_images":
        return len(input_shape) == 3
    if name == "dense_spectral":
        return True
    return len(input_shape) == 2 or (len(input_shape) == 3 and input_shape[2] == 1)


def misfit_reason(name: str, input_shape: Shape, error: Exception) -> str:
    """Why preset `name` cannot take features of `input_shape` (listed without `coefficients`):
    what it needs and what the impulse gives, e.g. "needs a 2-D input (time × features) such as
    MFCC or MFE; this impulse gives 78 features in one dimension"; when the dimensions are
    right but its layers do not fit, the layer's own reason."""
    gives = shape_in_words(input_shape)
    if _takes_rank(name, input_shape):
        return f"cannot fit its layers to {gives}: {str(error).rstrip('.')}"
    return f"needs {PRESET_INPUTS[name]}; this impulse gives {gives}"


def preset_layers(
    name: str, input_shape: Shape, *, coefficients: int | None = None
) -> list[LayerSpec]:
    """The layer list of preset `name` for features of `input_shape` (checked to build)."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; the presets are {', '.join(PRESETS)}")
    # Shapes often come from numpy (np.int64 sizes), which the strict layer specs refuse.
    input_shape = tuple(int(size) for size in input_shape)
    if coefficients is not None:
        coefficients = int(coefficients)
    layers = PRESETS[name](input_shape, coefficients=coefficients)
    infer_shapes(layers, input_shape)
    return layers
