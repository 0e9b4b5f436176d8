"""Layer specs: parsing the editor's JSON, shape inference and errors that name the layer."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from worker.learning.layers import (
    Conv1D,
    Conv2D,
    Dense,
    DepthwiseConv2D,
    Flatten,
    LayerShapeError,
    MaxPooling1D,
    Reshape,
    infer_shapes,
    parse_layers,
)


def test_editor_json_round_trips() -> None:
    state = [
        {"type": "reshape", "target_shape": [13, 10]},
        {"type": "conv1d", "filters": 8, "kernel_size": 3},
        {"type": "max_pooling1d", "pool_size": 2},
        {"type": "dropout", "rate": 0.25},
        {"type": "flatten"},
        {"type": "dense", "units": 20, "activation": "relu6"},
    ]
    layers = parse_layers(state)
    assert [type(layer).__name__ for layer in layers] == [
        "Reshape",
        "Conv1D",
        "MaxPooling1D",
        "Dropout",
        "Flatten",
        "Dense",
    ]
    assert parse_layers([layer.model_dump() for layer in layers]) == layers


def test_unknown_layer_type_and_bad_parameters_are_refused() -> None:
    with pytest.raises(ValidationError, match="lstm"):
        parse_layers([{"type": "lstm", "units": 8}])
    with pytest.raises(ValidationError, match="filters"):
        parse_layers([{"type": "conv1d", "filters": 0}])
    with pytest.raises(ValidationError, match="activation"):
        parse_layers([{"type": "dense", "units": 4, "activation": "gelu"}])


@pytest.mark.parametrize(
    ("layer", "input_shape", "output_shape"),
    [
        (Conv1D(filters=8, kernel_size=3, padding="same"), (49, 13), (49, 8)),
        (Conv1D(filters=8, kernel_size=3, padding="valid"), (49, 13), (47, 8)),
        (Conv1D(filters=8, kernel_size=3, strides=2, padding="same"), (49, 13), (25, 8)),
        (MaxPooling1D(pool_size=2, padding="same"), (49, 8), (25, 8)),
        (MaxPooling1D(pool_size=2, padding="valid"), (49, 8), (24, 8)),
        (Conv2D(filters=4, kernel_size=(10, 4), strides=2), (49, 10, 1), (25, 5, 4)),
        (DepthwiseConv2D(kernel_size=3, depth_multiplier=2, padding="valid"), (9, 9, 4), (7, 7, 8)),
        (Flatten(), (7, 8), (56,)),
        (Reshape(target_shape=(13, 10, 1)), (130,), (13, 10, 1)),
        (Dense(units=5), (56,), (5,)),
    ],
)
def test_output_shapes_follow_keras(layer, input_shape, output_shape) -> None:  # type: ignore[no-untyped-def]
    assert infer_shapes([layer], input_shape) == [output_shape]


def test_shape_errors_name_the_layer_and_the_rule() -> None:
    layers = [Reshape(target_shape=(13, 10)), Conv1D(filters=8), Dense(units=3)]
    with pytest.raises(LayerShapeError) as caught:
        infer_shapes(layers, (130,))
    assert str(caught.value).startswith("layer 3 (Dense): Dense needs a 1-D input")
    assert "add a Flatten layer before it" in str(caught.value)

    with pytest.raises(LayerShapeError, match=r"layer 1 \(Conv1D\): kernel_size 20 is larger"):
        infer_shapes([Conv1D(filters=4, kernel_size=20, padding="valid")], (13, 10))
    with pytest.raises(LayerShapeError, match=r"layer 1 \(Reshape\).*needs 120 values.*130"):
        infer_shapes([Reshape(target_shape=(12, 10))], (130,))
    with pytest.raises(
        LayerShapeError, match=r"layer 1 \(Conv2D\): .*Reshape to \(rows, columns, 1\)"
    ):
        infer_shapes([Conv2D(filters=4)], (13, 10))


def test_keras_code_is_a_readable_expression() -> None:
    assert Conv2D(filters=8, kernel_size=(10, 4), strides=2, activation=None).keras_code() == (
        'layers.Conv2D(8, kernel_size=(10, 4), strides=2, padding="same")'
    )
    assert Reshape(target_shape=(130,)).keras_code() == "layers.Reshape((130,))"
    assert Dense(units=3, activation="softmax").keras_code() == (
        'layers.Dense(3, activation="softmax")'
    )
