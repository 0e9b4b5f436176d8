"""A trial's network as the editor's layer list: the preset families of
worker/learning/architectures.py scaled by width and depth, with the trial's kernel and dropout.

The list is the hidden part of the network, as presets are; the script generator adds the output
layer. So an applied trial is an ordinary learning block with `layers`, editable like any other.
"""

from __future__ import annotations

from worker.learning.architectures import ds_cnn_keywords, mobilenet_images
from worker.learning.layers import (
    Conv1D,
    Conv2D,
    Dense,
    Dropout,
    Flatten,
    LayerSpec,
    MaxPooling1D,
    MaxPooling2D,
    Reshape,
    Shape,
    infer_shapes,
    parse_layers,
)
from worker.training.network import resolve_layers
from worker.tuning.space import ImpulseNetwork, NetworkChoice


def _scaled(base: int, width: float, floor: int = 4) -> int:
    return max(floor, int(round(base * width)))


def _as_sequence(input_shape: Shape) -> tuple[int, int]:
    """(steps, channels): frames x coefficients, or a flat vector as one channel."""
    if len(input_shape) == 1:
        return input_shape[0], 1
    if len(input_shape) == 2:
        return input_shape[0], input_shape[1]
    if len(input_shape) == 3 and input_shape[2] == 1:
        return input_shape[0], input_shape[1]
    raise ValueError(f"a 1-D convolution takes a sequence; got features of shape {input_shape}")


def conv1d_layers(input_shape: Shape, choice: NetworkChoice) -> list[LayerSpec]:
    """conv1d_audio scaled: `depth` blocks of Conv1D (8, 16, 32... x width) + pooling + dropout."""
    steps, channels = _as_sequence(input_shape)
    layers: list[LayerSpec] = [Reshape(target_shape=(steps, channels))]
    for block in range(choice.depth):
        layers += [
            Conv1D(
                filters=_scaled(8 * 2**block, choice.width),
                kernel_size=choice.kernel_size,
                padding="same",
                activation="relu",
            ),
            MaxPooling1D(pool_size=2, strides=2, padding="same"),
        ]
        if choice.dropout > 0:
            layers.append(Dropout(rate=choice.dropout))
    layers.append(Flatten())
    return layers


def conv2d_layers(input_shape: Shape, choice: NetworkChoice) -> list[LayerSpec]:
    """conv2d_audio scaled: the same blocks in 2-D over frames x coefficients x 1."""
    frames, coefficients = _as_sequence(input_shape)
    layers: list[LayerSpec] = [Reshape(target_shape=(frames, coefficients, 1))]
    for block in range(choice.depth):
        layers += [
            Conv2D(
                filters=_scaled(8 * 2**block, choice.width),
                kernel_size=choice.kernel_size,
                padding="same",
                activation="relu",
            ),
            MaxPooling2D(pool_size=2, strides=2, padding="same"),
        ]
        if choice.dropout > 0:
            layers.append(Dropout(rate=choice.dropout))
    layers.append(Flatten())
    return layers


def ds_cnn_layers(input_shape: Shape, choice: NetworkChoice) -> list[LayerSpec]:
    """DS-CNN with 16/32/64... filters x width and `depth` separable blocks; the preset's own
    dropouts are replaced by the trial's."""
    filters = _scaled(16, choice.width, floor=8)
    layers = ds_cnn_keywords(input_shape, filters=filters, blocks=choice.depth)
    return [
        Dropout(rate=choice.dropout) if isinstance(layer, Dropout) else layer
        for layer in layers
        if not (isinstance(layer, Dropout) and choice.dropout == 0)
    ]


def dense_layers(input_shape: Shape, choice: NetworkChoice) -> list[LayerSpec]:
    """dense_spectral scaled: `depth` dense layers of 20, 10, 10 units x width."""
    layers: list[LayerSpec] = [] if len(input_shape) == 1 else [Flatten()]
    for block in range(choice.depth):
        layers.append(
            Dense(units=_scaled(20 if block == 0 else 10, choice.width), activation="relu")
        )
        if choice.dropout > 0:
            layers.append(Dropout(rate=choice.dropout))
    return layers


def mobilenet_layers(input_shape: Shape, choice: NetworkChoice) -> list[LayerSpec]:
    """mobilenet_images at width 0.25 x the trial's width; depth drops trailing blocks."""
    layers = mobilenet_images(input_shape, width=0.25 * choice.width)
    # Each separable block is 6 layers; the stem is 3 and the head 2. Keep `depth` + 2 blocks.
    blocks = min(5, choice.depth + 2)
    head = [layer for layer in layers[-2:]]
    head[-1] = Dropout(rate=choice.dropout)
    return layers[: 3 + 6 * blocks] + head


BUILDERS = {
    "conv1d": conv1d_layers,
    "conv2d": conv2d_layers,
    "ds_cnn": ds_cnn_layers,
    "dense": dense_layers,
    "mobilenet": mobilenet_layers,
}


def network_layers(input_shape: Shape, choice: NetworkChoice | ImpulseNetwork) -> list[LayerSpec]:
    """The hidden layers of `choice` for features of `input_shape`, checked to build
    (LayerShapeError / ValueError naming what does not fit)."""
    input_shape = tuple(int(size) for size in input_shape)
    if isinstance(choice, ImpulseNetwork):
        block = {"layers": list(choice.layers), "preset": choice.preset}
        layers = parse_layers(resolve_layers(block, [choice.dsp_type], input_shape))
    elif choice.family in BUILDERS:
        layers = BUILDERS[choice.family](input_shape, choice)
    else:
        raise ValueError(f"unknown network family {choice.family!r}; known: {', '.join(BUILDERS)}")
    infer_shapes(layers, input_shape)
    return layers
