"""Generated training scripts: readable, valid Python that follows the script contract."""

from __future__ import annotations

import ast

import pytest

from worker.learning.architectures import preset_layers
from worker.learning.blocks import LearningBlockSpec
from worker.learning.errors import TrainingError
from worker.learning.layers import (
    BatchNormalization,
    Conv2D,
    Dense,
    LayerShapeError,
    Reshape,
)
from worker.learning.script import SCRIPT_CONTRACT, generate_script


def _names_used(script: str) -> set[str]:
    tree = ast.parse(script)
    return {node.id for node in ast.walk(tree) if isinstance(node, ast.Name)}


def test_generated_script_is_valid_python_using_the_contract_globals() -> None:
    block = LearningBlockSpec(layers=preset_layers("conv1d_audio", (49, 13)))
    script = generate_script(block, (49, 13))
    used = _names_used(script)
    for name in ("train_dataset", "validation_dataset", "input_shape", "num_classes", "callbacks"):
        assert name in used
    assert "import tf_keras as keras" in script
    assert SCRIPT_CONTRACT.splitlines()[0] in script
    # Each layer line says its output shape, so the script reads like the editor.
    assert (
        'layers.Conv1D(8, kernel_size=3, strides=1, padding="same", activation="relu"),  # -> (49, 8)'
        in script
    )
    assert 'layers.Dense(num_classes, activation="softmax")' in script
    assert 'loss="categorical_crossentropy"' in script
    assert "keras.utils.set_random_seed(settings.seed)" in script


def test_regression_script_has_one_linear_output_and_mse() -> None:
    block = LearningBlockSpec(task="regression", layers=[Dense(units=4)])
    script = generate_script(block, (6,))
    assert "layers.Dense(1)," in script
    assert 'loss="mean_squared_error"' in script
    assert "softmax" not in script


def test_a_flatten_is_added_before_the_output_when_needed() -> None:
    block = LearningBlockSpec(layers=[Reshape(target_shape=(6, 5, 1)), Conv2D(filters=2)])
    script = generate_script(block, (30,))
    assert "layers.Flatten(),  # the output layer needs one value per feature" in script


def test_expert_script_is_used_verbatim() -> None:
    block = LearningBlockSpec(expert_script="model = None\n")
    assert generate_script(block, (3,)) == "model = None\n"


def test_a_layer_that_cannot_take_the_input_is_named() -> None:
    block = LearningBlockSpec(layers=[Conv2D(filters=4)])
    with pytest.raises(LayerShapeError, match=r"layer 1 \(Conv2D\)"):
        generate_script(block, (13, 10))


def test_quantization_aware_training_refuses_conv1d_by_name() -> None:
    block = LearningBlockSpec(
        layers=preset_layers("conv1d_audio", (49, 13)), quantization_aware_training=True
    )
    with pytest.raises(TrainingError) as caught:
        generate_script(block, (49, 13))
    assert caught.value.message.startswith(
        "layer 2 (Conv1D) is not supported by quantization-aware"
    )
    assert "Conv2D" in caught.value.message


def test_quantization_aware_training_needs_batch_norm_after_a_convolution() -> None:
    layers = [Dense(units=8), BatchNormalization()]
    block = LearningBlockSpec(layers=layers, quantization_aware_training=True)
    with pytest.raises(TrainingError, match=r"layer 2 \(BatchNormalization\).*after a Conv2D"):
        generate_script(block, (6,))
    # The motion network (one-dimensional features) has no batch norm and stays QAT-ready.
    dense = LearningBlockSpec(
        layers=preset_layers("dense_spectral", (33,)), quantization_aware_training=True
    )
    assert "quantize_model(model)" in generate_script(dense, (33,))
    fine = LearningBlockSpec(
        layers=preset_layers("ds_cnn_keywords", (49, 10)), quantization_aware_training=True
    )
    assert "quantize_model(model)" in generate_script(fine, (49, 10))


def test_pruning_script_prunes_and_strips() -> None:
    block = LearningBlockSpec(layers=[Dense(units=8)], pruning_sparsity=0.5)
    script = generate_script(block, (6,))
    assert "prune_low_magnitude" in script and "final_sparsity=0.5" in script
    assert "UpdatePruningStep" in script and "strip_pruning" in script
    ast.parse(script)


def test_block_spec_rules() -> None:
    with pytest.raises(ValueError, match="either layers or an expert_script"):
        LearningBlockSpec()
    with pytest.raises(ValueError, match="not both"):
        LearningBlockSpec(
            layers=[Dense(units=2)], quantization_aware_training=True, pruning_sparsity=0.5
        )
