"""Our tables of layers tfmot can quantize-aware train or prune agree with the installed tfmot."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from typing import get_args

import pytest

from worker.learning.layers import LayerSpec
from worker.learning.optimization import PRUNING_SUPPORTED, QAT_SUPPORTED
from worker.learning.runner import REPO_ROOT

# Ask tfmot's own registries, in a child process: tfmot needs TF_USE_LEGACY_KERAS=1 set before
# TensorFlow is imported, which this test process must not change for the other tests.
_PROBE = """
import json, tf_keras as keras, tensorflow_model_optimization as tfmot
from tensorflow_model_optimization.python.core.quantization.keras.default_8bit import (
    default_8bit_quantize_registry as qr)
from tensorflow_model_optimization.python.core.sparsity.keras import prune_registry as pr
names = json.loads(input())
quantize = qr.Default8BitQuantizeRegistry()
print(json.dumps({
    "qat": [n for n in names if quantize.supports(getattr(keras.layers, n)(**ARGS.get(n, {})))],
    "prune": [n for n in names if pr.PruneRegistry.supports(getattr(keras.layers, n)(**ARGS.get(n, {})))],
}))
"""
_ARGS = {
    "Dense": {"units": 2},
    "Conv1D": {"filters": 2, "kernel_size": 3},
    "Conv2D": {"filters": 2, "kernel_size": 3},
    "DepthwiseConv2D": {"kernel_size": 3},
    "Reshape": {"target_shape": (2,)},
    "Dropout": {"rate": 0.1},
    "Activation": {"activation": "relu"},
}


@pytest.mark.slow
def test_tables_match_the_installed_tfmot() -> None:
    keras_names = sorted(cls.__name__ for cls in _layer_classes())
    completed = subprocess.run(
        [sys.executable, "-c", f"ARGS = {_ARGS!r}\n" + _PROBE],
        input=json.dumps(keras_names),
        capture_output=True,
        text=True,
        cwd=REPO_ROOT,
        env={**os.environ, "TF_USE_LEGACY_KERAS": "1", "TF_CPP_MIN_LOG_LEVEL": "2"},
        timeout=300,
    )
    assert completed.returncode == 0, completed.stderr
    supported = json.loads(completed.stdout.strip().splitlines()[-1])
    # BatchNormalization is folded into a preceding convolution, which the registry cannot say.
    assert set(supported["qat"]) == QAT_SUPPORTED
    assert set(supported["prune"]) == PRUNING_SUPPORTED


def _layer_classes() -> list[type]:
    # Our spec classes carry the Keras class names.
    return list(get_args(get_args(LayerSpec)[0]))
