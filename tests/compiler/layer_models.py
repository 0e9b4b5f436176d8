"""Small int8 models spelled out layer by layer, for tests that need exact shapes (the
random factory draws them): `"conv:3x3:same:2x2 > depthwise:3x2:valid:1x1:2"`, then Flatten
and Dense(6), or Dense(N) where the spec ends with `" > dense:N"`."""

from __future__ import annotations

from typing import Any

import numpy as np


def _pair(text: str) -> tuple[int, int]:
    height, width = text.split("x")
    return int(height), int(width)


def _layer(x: Any, spec: str) -> Any:
    """conv:KxK:PADDING:SxS[:filters], depthwise:KxK:PADDING:SxS:MULTIPLIER,
    dilated:KxK:filters (SAME, dilation 2), residual:KxK:KxK (conv, conv, add the input)."""
    from tests.compiler.model_factory import DilatedConv2D, _keras

    keras = _keras()
    kind, *fields = spec.split(":")
    if kind == "conv":
        filters = int(fields[3]) if len(fields) > 3 else 5
        return keras.layers.Conv2D(
            filters,
            _pair(fields[0]),
            strides=_pair(fields[2]),
            padding=fields[1],
            activation="relu",
        )(x)
    if kind == "depthwise":
        return keras.layers.DepthwiseConv2D(
            _pair(fields[0]),
            strides=_pair(fields[2]),
            padding=fields[1],
            depth_multiplier=int(fields[3]),
        )(x)
    if kind == "dilated":
        return DilatedConv2D(int(fields[1]), _pair(fields[0]), 2, "relu")(x)
    if kind == "residual":
        channels = int(x.shape[-1])
        y = keras.layers.Conv2D(channels, _pair(fields[0]), padding="same", activation="relu")(x)
        y = keras.layers.Conv2D(channels, _pair(fields[1]), padding="same")(y)
        return keras.layers.Add()([x, y])
    raise ValueError(f"unknown layer {spec!r}")


def build_layer_model(spec: str, shape: tuple[int, int, int], seed: int) -> bytes:
    from tests.compiler.model_factory import _keras, to_int8_tflite

    keras = _keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=shape)
    x = inputs
    layers = spec.split(" > ")
    units = int(layers.pop().split(":")[1]) if layers[-1].startswith("dense:") else 6
    for layer in layers:
        x = _layer(x, layer)
    x = keras.layers.Dense(units)(keras.layers.Flatten()(x))
    model = keras.Model(inputs, x)
    model.set_weights(
        [rng.normal(0.0, 0.5, size=w.shape).astype(np.float32) for w in model.get_weights()]
    )
    return to_int8_tflite(model, seed)
