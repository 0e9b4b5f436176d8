"""Presets build for their typical input shapes, and Keras agrees with our shape inference."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest

from worker.learning.architectures import PRESETS, preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.layers import LayerShapeError, infer_shapes
from worker.learning.script import generate_script

# (preset, typical input shape of one window)
TYPICAL_INPUTS = [
    ("conv1d_audio", (49, 13)),  # MFCC of 1 s at 16 kHz, 20 ms stride
    ("conv1d_audio", (637,)),  # the same, flat, with coefficients=13
    ("conv2d_audio", (49, 13)),
    ("ds_cnn_keywords", (49, 10)),
    ("dense_spectral", (33,)),  # spectral features of 3 accelerometer axes
    ("mobilenet_images", (32, 32, 3)),
]


@pytest.mark.parametrize(("name", "input_shape"), TYPICAL_INPUTS)
def test_presets_fit_their_typical_inputs(name: str, input_shape: tuple[int, ...]) -> None:
    layers = preset_layers(name, input_shape, coefficients=13)
    shapes = infer_shapes(layers, input_shape)
    assert len(shapes[-1]) == 1  # ends flat, ready for the output layer


def test_default_keyword_network_is_edge_impulses() -> None:
    layers = preset_layers("conv1d_audio", (49, 13))
    assert [type(layer).__name__ for layer in layers] == [
        "Reshape",
        "Conv1D",
        "MaxPooling1D",
        "Dropout",
        "Conv1D",
        "MaxPooling1D",
        "Dropout",
        "Flatten",
    ]
    assert [getattr(layer, "filters", None) for layer in layers if hasattr(layer, "filters")] == [
        8,
        16,
    ]


def test_preset_errors() -> None:
    with pytest.raises(LayerShapeError, match="need `coefficients`"):
        preset_layers("conv1d_audio", (637,))
    with pytest.raises(LayerShapeError, match="not a whole number of frames of 12"):
        preset_layers("conv1d_audio", (637,), coefficients=12)
    with pytest.raises(LayerShapeError, match="height x width x channels"):
        preset_layers("mobilenet_images", (49, 13))
    with pytest.raises(ValueError, match="unknown preset 'resnet'.*conv1d_audio"):
        preset_layers("resnet", (10,))


def test_every_preset_is_listed_with_a_typical_input() -> None:
    assert {name for name, _ in TYPICAL_INPUTS} == set(PRESETS)


@pytest.mark.slow
def test_keras_builds_each_preset_with_the_shapes_we_infer() -> None:
    """Run each generated script up to model.compile in-process; compare every layer's shape."""
    import tf_keras as keras

    for name, input_shape in TYPICAL_INPUTS:
        layers = preset_layers(name, input_shape, coefficients=13)
        script = generate_script(LearningBlockSpec(layers=layers), input_shape)
        building = script[: script.index("model.compile(")]
        namespace = {
            "input_shape": input_shape,
            "num_classes": 3,
            "settings": SimpleNamespace(seed=1),
        }
        exec(compile(building, f"<{name}>", "exec"), namespace)
        model = namespace["model"]
        assert isinstance(model, keras.Model)
        keras_shapes = [tuple(layer.output_shape[1:]) for layer in model.layers]
        assert keras_shapes[: len(layers)] == infer_shapes(layers, input_shape), name
        assert model.output_shape == (None, 3)
        assert model(np.zeros((2, *input_shape), np.float32)).shape == (2, 3)


# Operators an int8 preset may contain: no run-time shape arithmetic (SHAPE, PACK, ...).
MICROCONTROLLER_OPERATORS = {
    "CONV_2D",
    "DEPTHWISE_CONV_2D",
    "FULLY_CONNECTED",
    "MAX_POOL_2D",
    "AVERAGE_POOL_2D",
    "MEAN",
    "RESHAPE",
    "SOFTMAX",
}


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "input_shape"), [("conv1d_audio", (49, 13)), ("conv2d_audio", (49, 13))]
)
def test_int8_presets_hold_only_microcontroller_operators(
    name: str, input_shape: tuple[int, ...], tmp_path
) -> None:  # type: ignore[no-untyped-def]
    import tflite

    from worker.learning.quantize import int8_tflite

    layers = preset_layers(name, input_shape)
    script = generate_script(LearningBlockSpec(layers=layers), input_shape)
    namespace = {"input_shape": input_shape, "num_classes": 3, "settings": SimpleNamespace(seed=1)}
    exec(compile(script[: script.index("model.compile(")], name, "exec"), namespace)
    namespace["model"].save(str(tmp_path / "saved_model"), save_format="tf")
    windows = np.random.default_rng(0).normal(size=(16, *input_shape)).astype(np.float32)
    model_bytes = int8_tflite(tmp_path / "saved_model", windows)

    model = tflite.Model.GetRootAsModel(model_bytes, 0)
    names = {v: k for k, v in vars(tflite.BuiltinOperator).items() if not k.startswith("_")}
    graph = model.Subgraphs(0)
    kinds = {
        names[max(code.BuiltinCode(), code.DeprecatedBuiltinCode())]
        for code in (
            model.OperatorCodes(graph.Operators(i).OpcodeIndex())
            for i in range(graph.OperatorsLength())
        )
    }
    assert kinds <= MICROCONTROLLER_OPERATORS
    try:
        from deploy_targets.compiler.compiler import compile_tflite
    except ImportError:
        return
    library = compile_tflite(model_bytes, tmp_path / "library")
    assert library.header_path.exists()


def test_a_numpy_shape_builds_the_same_preset() -> None:
    # Feature shapes often come from numpy; the layer specs are strict about ints.
    numpy_shape = (np.int64(49), np.int64(13))
    assert preset_layers("conv1d_audio", numpy_shape) == preset_layers("conv1d_audio", (49, 13))
