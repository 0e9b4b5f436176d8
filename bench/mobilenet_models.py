"""Int8 models with the architectures of MLPerf Tiny's VWW reference and TFLM's person_detect,
with generated weights, for bench/compiler.py.

Neither .tflite is in ../shared/models and nothing may be downloaded; instruction counts and RAM
depend on the architecture (shapes, strides, operator kinds, per-channel quantization), not on
the weights' values. So the layers are written out as the published sources define them:

- MLPerf Tiny VWW (mlcommons/tiny, benchmark/training/visual_wake_words/vww_model.py):
  MobileNetV1 alpha 0.25 on 96x96x3; conv 3x3 stride 2 to 8 channels, 13 depthwise-separable
  blocks, ReLU, average pool over the 3x3 map, Flatten, Dense(2), softmax.
- TFLM person_detect (TF-slim mobilenet_v1 at depth_multiplier 0.25 on 96x96x1): the same
  stack with ReLU6, a 3x3 average pool and the logits as a 1x1 convolution, squeezed
  (RESHAPE) before the softmax.

Weights: He-normal kernels, then a few training steps on random images and labels with batch
normalisation whose moving statistics follow the last batch (momentum 0), so every layer's
activations are normalised as a trained network's are before the converter folds the batch norm
into the convolution. Quantized with the TFLite converter (full integer, int8 input and output,
representative random images). The .tflite files are cached: building one takes about a minute.

Run: .venv/bin/python bench/mobilenet_models.py   (prints the cached paths, operators and MACs)
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

# Bump when the architecture or the weight generation changes: cached files are keyed by it.
GENERATOR_VERSION = 1

# (depthwise stride, pointwise output channels at alpha 1.0) of MobileNetV1's 13 blocks.
MOBILENET_V1_BLOCKS = (
    (1, 64),
    (2, 128),
    (1, 128),
    (2, 256),
    (1, 256),
    (2, 512),
    (1, 512),
    (1, 512),
    (1, 512),
    (1, 512),
    (1, 512),
    (2, 1024),
    (1, 1024),
)
FIRST_CONV_CHANNELS = 32  # at alpha 1.0
ALPHA = 0.25
CLASSES = 2


@dataclass(frozen=True)
class Architecture:
    """One published MobileNetV1 variant."""

    name: str  # the .tflite's stem; bench rows are keyed by it
    published_as: str  # the bench/compiler.py PUBLISHED key whose figures apply, or ""
    label: str
    channels: int  # of the 96x96 input image
    activation: str  # "relu" (MLPerf's Keras model) or "relu6" (TF-slim)
    conv_logits: bool  # TF-slim's 1x1 convolution + squeeze instead of Flatten + Dense


VWW = Architecture(
    "vww_mobilenet_v1_025_generated",
    "mlperf_vww_mobilenet_int8",
    "VWW architecture, generated weights",
    channels=3,
    activation="relu",
    conv_logits=False,
)
PERSON_DETECT = Architecture(
    "person_detect_mobilenet_v1_025_generated",
    "",
    "person_detect architecture, generated weights",
    channels=1,
    activation="relu6",
    conv_logits=True,
)
ARCHITECTURES = (VWW, PERSON_DETECT)

INPUT_SIZE = 96


def _conv_bn(keras: Any, x: Any, arch: Architecture, layer: Any) -> Any:
    x = layer(x)
    x = keras.layers.BatchNormalization(momentum=0.0)(x)
    return keras.layers.Activation(arch.activation)(x)


def build_keras_model(arch: Architecture, batch_size: int | None = None) -> Any:
    """The float tf_keras model, layer by layer. Converted with `batch_size` 1, so that the
    Reshape before the classifier has a constant shape (no run-time SHAPE/PACK operators)."""
    import tf_keras as keras

    def channels(full: int) -> int:
        return int(full * ALPHA)

    inputs = keras.Input((INPUT_SIZE, INPUT_SIZE, arch.channels), batch_size=batch_size)
    conv = dict(padding="same", use_bias=False, kernel_initializer="he_normal")
    x = _conv_bn(
        keras,
        inputs,
        arch,
        keras.layers.Conv2D(channels(FIRST_CONV_CHANNELS), 3, strides=2, **conv),
    )
    for stride, filters in MOBILENET_V1_BLOCKS:
        x = _conv_bn(
            keras,
            x,
            arch,
            keras.layers.DepthwiseConv2D(
                3,
                strides=stride,
                padding="same",
                use_bias=False,
                depthwise_initializer="he_normal",
            ),
        )
        x = _conv_bn(keras, x, arch, keras.layers.Conv2D(channels(filters), 1, **conv))
    x = keras.layers.AveragePooling2D(pool_size=tuple(x.shape[1:3]))(x)
    if arch.conv_logits:
        x = keras.layers.Conv2D(CLASSES, 1, kernel_initializer="he_normal")(x)
        x = keras.layers.Reshape((CLASSES,))(x)
    else:
        x = keras.layers.Flatten()(x)
        x = keras.layers.Dense(CLASSES, kernel_initializer="he_normal")(x)
    outputs = keras.layers.Softmax()(x)
    return keras.Model(inputs, outputs, name=arch.name)


def _random_images(rng: np.random.Generator, count: int, channels: int) -> np.ndarray:
    """Images in [-1, 1] (MobileNet's input scaling) with some spatial structure: smooth
    blobs plus noise, so the first layers' activations vary as on photographs."""
    coarse = rng.uniform(-1.0, 1.0, size=(count, 12, 12, channels))
    smooth = coarse.repeat(INPUT_SIZE // 12, axis=1).repeat(INPUT_SIZE // 12, axis=2)
    noise = rng.normal(0.0, 0.25, size=(count, INPUT_SIZE, INPUT_SIZE, channels))
    return np.clip(smooth + noise, -1.0, 1.0).astype(np.float32)


def generate_tflite(arch: Architecture, seed: int = 0) -> bytes:
    """The int8 .tflite of `arch` with generated weights (see the module docstring)."""
    import tensorflow as tf
    import tf_keras as keras

    tf.random.set_seed(seed)
    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build_keras_model(arch)
    model.compile(optimizer=keras.optimizers.SGD(0.01), loss="sparse_categorical_crossentropy")
    images = _random_images(rng, 64, arch.channels)
    labels = rng.integers(0, CLASSES, size=len(images))
    model.fit(images, labels, batch_size=16, epochs=1, verbose=0)
    one_image = build_keras_model(arch, batch_size=1)
    one_image.set_weights(model.get_weights())

    calibration = _random_images(rng, 32, arch.channels)
    converter = tf.lite.TFLiteConverter.from_keras_model(one_image)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([image[np.newaxis]] for image in calibration)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    # The published models quantize the classifier per tensor, the convolutions per channel.
    converter._experimental_disable_per_channel_quantization_for_dense_layers = True
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def default_cache_dir() -> Path:
    return Path(tempfile.gettempdir()) / "mcuforge-bench-models"


def cached_model(arch: Architecture, cache_dir: Path | None = None) -> Path:
    """The path of `arch`'s .tflite, generated on first use."""
    cache_dir = cache_dir or default_cache_dir()
    path = cache_dir / f"{arch.name}.v{GENERATOR_VERSION}.tflite"
    if not path.exists():
        cache_dir.mkdir(parents=True, exist_ok=True)
        partial = path.with_suffix(f".{os.getpid()}.partial")
        partial.write_bytes(generate_tflite(arch))
        partial.replace(path)  # atomic: a concurrent bench never reads half a file
    return path


def main() -> int:
    repo_root = Path(__file__).resolve().parent.parent
    if str(repo_root) not in sys.path:
        sys.path.insert(0, str(repo_root))
    from collections import Counter

    from deploy_targets.compiler.reader import load_graph

    for arch in ARCHITECTURES:
        path = cached_model(arch)
        graph = load_graph(path.read_bytes())
        operators = Counter(op.kind for op in graph.operators)
        print(f"{arch.label}: {path} ({path.stat().st_size} B), {graph.mac_count()} MACs")
        print("    " + ", ".join(f"{kind} x{count}" for kind, count in operators.items()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
