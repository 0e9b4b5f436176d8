"""Builds small random tf_keras models from the layers the compiler supports, and converts each
to a full-integer int8 TFLite model, deterministically from a seed."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
os.environ.setdefault("TF_USE_LEGACY_KERAS", "1")

Layer = Callable[[Any, np.random.Generator], Any]


def _keras() -> Any:
    import tf_keras

    return tf_keras


def _spatial(x: Any) -> tuple[int, int, int]:
    _, h, w, c = x.shape
    return int(h), int(w), int(c)


def _activation(rng: np.random.Generator) -> str | None:
    return [None, "relu", "relu6"][int(rng.integers(3))]


def _kernel_fits(rng: np.random.Generator, x: Any, padding: str) -> tuple[int, int]:
    h, w, _ = _spatial(x)
    kh, kw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if padding == "valid":
        kh, kw = min(kh, h), min(kw, w)
    return kh, kw


class DilatedConv2D:
    """A SAME-padded dilated convolution written as one tf.nn.conv2d, which the converter keeps
    as one CONV_2D with dilation (Keras' Conv2D becomes SPACE_TO_BATCH_ND + CONV_2D + ...)."""

    def __new__(cls, filters: int, kernel: tuple[int, int], dilation: int,
                activation: str | None) -> Any:
        import tensorflow as tf

        keras = _keras()

        class _Layer(keras.layers.Layer):  # type: ignore[misc,name-defined]
            def build(self, input_shape: Any) -> None:
                self.kernel = self.add_weight(
                    "kernel", (*kernel, int(input_shape[-1]), filters))
                self.bias = self.add_weight("bias", (filters,))

            def call(self, x: Any) -> Any:
                y = tf.nn.conv2d(x, self.kernel, strides=1, padding="SAME",
                                 dilations=dilation) + self.bias
                return keras.activations.get(activation)(y)

        return _Layer()


def conv(x: Any, rng: np.random.Generator) -> Any:
    keras = _keras()
    padding = ["same", "valid"][int(rng.integers(2))]
    kernel = _kernel_fits(rng, x, padding)
    dilated = padding == "same" and rng.random() < 0.4
    strides = (1, 1) if dilated else (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    filters = int(rng.integers(1, 9))
    if dilated:
        return DilatedConv2D(filters, kernel, 2, _activation(rng))(x)
    return keras.layers.Conv2D(filters, kernel, strides=strides, padding=padding,
                               activation=_activation(rng))(x)


def depthwise(x: Any, rng: np.random.Generator) -> Any:
    keras = _keras()
    padding = ["same", "valid"][int(rng.integers(2))]
    kernel = _kernel_fits(rng, x, padding)
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    return keras.layers.DepthwiseConv2D(kernel, strides=strides, padding=padding,
                                        depth_multiplier=int(rng.integers(1, 3)),
                                        activation=_activation(rng))(x)


def pool(x: Any, rng: np.random.Generator) -> Any:
    keras = _keras()
    padding = ["same", "valid"][int(rng.integers(2))]
    size = _kernel_fits(rng, x, padding)
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    layer = [keras.layers.AveragePooling2D, keras.layers.MaxPooling2D][int(rng.integers(2))]
    return layer(size, strides=strides, padding=padding)(x)


def residual(x: Any, rng: np.random.Generator) -> Any:
    """conv -> conv -> add(input): the ResNet block the compiler fuses."""
    keras = _keras()
    _, _, c = _spatial(x)
    y = keras.layers.Conv2D(c, 3, padding="same", activation="relu")(x)
    y = keras.layers.Conv2D(c, 3, padding="same")(y)
    added = keras.layers.Add()([x, y] if rng.random() < 0.5 else [y, x])
    return keras.layers.ReLU()(added) if rng.random() < 0.5 else added


def _standalone_activation(kind: str) -> Layer:
    """Zero padding (which cannot absorb an activation) followed by a standalone activation."""

    def block(x: Any, rng: np.random.Generator) -> Any:
        keras = _keras()
        x = keras.layers.ZeroPadding2D(1)(x)
        if kind == "leaky_relu":
            return keras.layers.LeakyReLU(alpha=float(rng.uniform(0.05, 0.5)))(x)
        if kind == "relu_n1_to_1":
            import tensorflow as tf

            return keras.layers.Lambda(lambda t: tf.minimum(tf.maximum(t, -1.0), 1.0))(x)
        if kind == "hard_swish":
            import tensorflow as tf

            return keras.layers.Lambda(lambda t: t * tf.nn.relu6(t + 3.0) / 6.0)(x)
        if kind == "relu6":
            return keras.layers.ReLU(max_value=6.0)(x)
        return keras.layers.Activation(kind)(x)

    return block


def global_pool(x: Any, rng: np.random.Generator) -> Any:
    """GlobalAveragePooling2D (MEAN over H and W), reshaped back to 1x1xC."""
    keras = _keras()
    _, _, c = _spatial(x)
    return keras.layers.Reshape((1, 1, c))(keras.layers.GlobalAveragePooling2D()(x))


def zero_pad(x: Any, rng: np.random.Generator) -> Any:
    keras = _keras()
    padding = tuple((int(rng.integers(0, 3)), int(rng.integers(0, 3))) for _ in range(2))
    return keras.layers.ZeroPadding2D(padding)(x)


def crop(x: Any, rng: np.random.Generator) -> Any:
    keras = _keras()
    h, w, _ = _spatial(x)
    top, bottom = int(rng.integers(0, max(1, h // 3) + 1)), int(rng.integers(0, max(1, h // 3)))
    left, right = int(rng.integers(0, max(1, w // 3) + 1)), int(rng.integers(0, max(1, w // 3)))
    if h - top - bottom < 1 or w - left - right < 1:
        return x
    return keras.layers.Cropping2D(((top, bottom), (left, right)))(x)


def strided(x: Any, rng: np.random.Generator) -> Any:
    """A slice with steps of 2 and 3 and a reversed axis (STRIDED_SLICE with strides > 1 and
    < 0), at a random offset."""
    keras = _keras()
    h, w, _ = _spatial(x)
    top, left = int(rng.integers(0, h)), int(rng.integers(0, w))
    return keras.layers.Lambda(lambda t: t[:, top::2, ::-1, ::-1][:, :, left::3, :])(x)


def broadcast_min_max(x: Any, rng: np.random.Generator) -> Any:
    """MAXIMUM with a per-channel constant, then MINIMUM with a scalar: both broadcast."""
    import tensorflow as tf

    keras = _keras()
    _, _, c = _spatial(x)
    floor = rng.uniform(-0.5, 0.0, size=(c,)).astype(np.float32)
    ceiling = float(rng.uniform(0.2, 1.0))
    return keras.layers.Lambda(lambda t: tf.minimum(tf.maximum(t, floor), ceiling))(x)


def scale_channels(x: Any, rng: np.random.Generator) -> Any:
    """MUL by a per-channel constant (broadcast over height and width)."""
    keras = _keras()
    _, _, c = _spatial(x)
    scales = rng.uniform(-2.0, 2.0, size=(c,)).astype(np.float32)
    return keras.layers.Lambda(lambda t: t * scales)(x)


def mean_columns(x: Any, rng: np.random.Generator) -> Any:
    """MEAN over the width axis (keeping it), concatenated onto the input as one more column."""
    import tensorflow as tf

    keras = _keras()
    mean = keras.layers.Lambda(lambda t: tf.reduce_mean(t, axis=2, keepdims=True))(x)
    return keras.layers.Concatenate(axis=2)([x, mean])


def pad_value(x: Any, rng: np.random.Generator) -> Any:
    """tf.pad with a non-zero constant value (PADV2), uneven on every spatial side."""
    import tensorflow as tf

    keras = _keras()
    paddings = [[0, 0], [int(rng.integers(0, 3)), int(rng.integers(1, 3))],
                [int(rng.integers(1, 3)), int(rng.integers(0, 3))], [0, 0]]
    value = float(rng.uniform(-1.0, 1.0))
    return keras.layers.Lambda(lambda t: tf.pad(t, paddings, constant_values=value))(x)


def _branches(join_name: str) -> Layer:
    """Two branches (the input and a 1x1 conv of it) joined by one element-wise layer."""

    def block(x: Any, rng: np.random.Generator) -> Any:
        keras = _keras()
        _, _, c = _spatial(x)
        y = keras.layers.Conv2D(c, 1, activation=_activation(rng))(x)
        join = getattr(keras.layers, join_name)()
        return join([x, y] if rng.random() < 0.5 else [y, x])

    return block


def squeeze(x: Any, rng: np.random.Generator) -> Any:
    """A 1-channel conv whose channel axis is squeezed away (SQUEEZE), then restored."""
    import tensorflow as tf

    keras = _keras()
    x = keras.layers.Conv2D(1, 1)(x)
    x = keras.layers.Lambda(lambda t: tf.squeeze(t, axis=-1))(x)
    return keras.layers.Lambda(lambda t: tf.expand_dims(t, -1))(x)


def separable(x: Any, rng: np.random.Generator) -> Any:
    """conv -> SAME stride-1 depthwise -> 1x1 conv with fewer filters: both run in place."""
    keras = _keras()
    c = int(rng.integers(2, 9))
    x = keras.layers.Conv2D(c, 3, padding="same", activation="relu")(x)
    kernel = (int(rng.integers(1, 4)) * 2 - 1, int(rng.integers(1, 4)) * 2 - 1)
    x = keras.layers.DepthwiseConv2D(kernel, padding="same", activation=_activation(rng))(x)
    return keras.layers.Conv2D(int(rng.integers(1, c + 1)), 1, activation=_activation(rng))(x)


def dilated_conv(x: Any, rng: np.random.Generator) -> Any:
    kernel = (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    return DilatedConv2D(int(rng.integers(1, 9)), kernel, 2, _activation(rng))(x)


def keras_dilated_conv(x: Any, rng: np.random.Generator) -> Any:
    """Keras' own dilated Conv2D: in a model with a dynamic batch the converter writes it as
    SPACE_TO_BATCH_ND, CONV_2D, BATCH_TO_SPACE_ND."""
    keras = _keras()
    h, w, _ = _spatial(x)
    padding = ["same", "valid"][int(rng.integers(2))]
    dilation = (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    kernel = (int(rng.integers(2, 4)), int(rng.integers(2, 4)))
    if padding == "valid":
        # The dilated window, (k - 1) * d + 1, must fit the input.
        kernel = (min(kernel[0], (h - 1) // dilation[0] + 1),
                  min(kernel[1], (w - 1) // dilation[1] + 1))
    return keras.layers.Conv2D(int(rng.integers(1, 9)), kernel, dilation_rate=dilation,
                               padding=padding, activation=_activation(rng))(x)


def dilated_conv1d(x: Any, rng: np.random.Generator) -> Any:
    """A dilated Conv1D over the flattened pixels (the audio models' layer): SPACE_TO_BATCH_ND,
    EXPAND_DIMS, CONV_2D, RESHAPE, BATCH_TO_SPACE_ND."""
    keras = _keras()
    h, w, c = _spatial(x)
    filters = int(rng.integers(1, 9))
    x = keras.layers.Reshape((h * w, c))(x)
    x = keras.layers.Conv1D(filters, int(rng.integers(2, 4)), dilation_rate=int(rng.integers(2, 4)),
                            padding=["same", "causal"][int(rng.integers(2))],
                            activation=_activation(rng))(x)
    return keras.layers.Reshape((h, w, filters))(x)


def dynamic_reshape(x: Any, rng: np.random.Generator) -> Any:
    """A reshape whose target is computed from tf.shape (SHAPE, STRIDED_SLICE, MUL, PACK), then
    a 1x1 conv of the merged rows; the compiler folds the shape arithmetic."""
    import tensorflow as tf

    keras = _keras()
    h, w, c = _spatial(x)

    def merge_rows(t: Any) -> Any:
        shape = tf.shape(t)
        return tf.reshape(t, tf.stack([shape[0], 1, shape[1] * shape[2], shape[3]]))

    x = keras.layers.Lambda(merge_rows)(x)
    x = keras.layers.Conv2D(int(rng.integers(1, 9)), 1, activation=_activation(rng))(x)
    return keras.layers.Reshape((h, w, -1))(x)


def _resize(method: str, mode: str) -> Layer:
    """A resize to a random size (up or down, not always a whole factor): RESIZE_NEAREST_NEIGHBOR
    or RESIZE_BILINEAR, plain or with align_corners or half_pixel_centers."""

    def block(x: Any, rng: np.random.Generator) -> Any:
        import tensorflow as tf

        keras = _keras()
        h, w, _ = _spatial(x)
        size = [int(rng.integers(max(1, h // 2), 2 * h + 3)),
                int(rng.integers(max(1, w // 2), 2 * w + 3))]
        options = {"align_corners": mode == "align_corners",
                   "half_pixel_centers": mode == "half_pixel_centers"}
        resize = (tf.compat.v1.image.resize_nearest_neighbor if method == "nearest"
                  else tf.compat.v1.image.resize_bilinear)
        return keras.layers.Lambda(lambda t: resize(t, size, **options))(x)

    return block


def upsample(x: Any, rng: np.random.Generator) -> Any:
    """Keras UpSampling2D, nearest or bilinear, by a whole factor."""
    keras = _keras()
    size = (int(rng.integers(1, 4)), int(rng.integers(2, 4)))
    return keras.layers.UpSampling2D(size, interpolation=["nearest", "bilinear"][
        int(rng.integers(2))])(x)


def transpose_conv(x: Any, rng: np.random.Generator) -> Any:
    """Keras Conv2DTranspose (TRANSPOSE_CONV, its output shape computed by SHAPE arithmetic in
    a model with a dynamic batch)."""
    keras = _keras()
    kernel = (int(rng.integers(1, 5)), int(rng.integers(1, 5)))
    strides = (int(rng.integers(1, 4)), int(rng.integers(1, 4)))
    return keras.layers.Conv2DTranspose(
        int(rng.integers(1, 9)), kernel, strides=strides,
        padding=["same", "valid"][int(rng.integers(2))], activation=_activation(rng),
        use_bias=bool(rng.random() < 0.8))(x)


def grouped_conv(x: Any, rng: np.random.Generator) -> Any:
    """A 1x1 conv to groups * k channels, then Keras Conv2D(groups=...): one CONV_2D whose
    filter depth divides its input depth."""
    keras = _keras()
    groups = int(rng.integers(2, 5))
    x = keras.layers.Conv2D(groups * int(rng.integers(1, 4)), 1)(x)
    padding = ["same", "valid"][int(rng.integers(2))]
    kernel = _kernel_fits(rng, x, padding)
    strides = (int(rng.integers(1, 3)), int(rng.integers(1, 3)))
    return keras.layers.Conv2D(groups * int(rng.integers(1, 4)), kernel, strides=strides,
                               padding=padding, groups=groups, activation=_activation(rng))(x)


BLOCKS: dict[str, Layer] = {
    "conv": conv,
    "depthwise": depthwise,
    "pool": pool,
    "residual": residual,
}
# Blocks that a random model does not pick by itself; tests ask for them by name.
EXTRA_BLOCKS: dict[str, Layer] = {
    "dilated_conv": dilated_conv,
    "keras_dilated_conv": keras_dilated_conv,
    "dilated_conv1d": dilated_conv1d,
    "dynamic_reshape": dynamic_reshape,
    **{f"resize_{method}{'_' + mode if mode else ''}": _resize(method, mode)
       for method in ("nearest", "bilinear")
       for mode in ("", "align_corners", "half_pixel_centers")},
    "upsample": upsample,
    "transpose_conv": transpose_conv,
    "grouped_conv": grouped_conv,
    "squeeze": squeeze,
    "separable": separable,
    "global_pool": global_pool,
    "zero_pad": zero_pad,
    "crop": crop,
    "strided": strided,
    "broadcast_min_max": broadcast_min_max,
    "scale_channels": scale_channels,
    "mean_columns": mean_columns,
    "pad_value": pad_value,
    **{kind: _standalone_activation(kind)
       for kind in ("relu", "relu6", "leaky_relu", "sigmoid", "tanh", "hard_swish",
                                                   "relu_n1_to_1")},
    **{name.lower(): _branches(name)
       for name in ("Concatenate", "Multiply", "Minimum", "Maximum", "Add", "Subtract")},
}


def build_model(seed: int, blocks: Sequence[str] | None = None) -> Any:
    """A random model: NHWC input, 1-4 blocks, then flatten + dense (+ softmax half the time)."""
    keras = _keras()
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(3, 11)), int(rng.integers(3, 11)), int(rng.integers(1, 5)))
    inputs = keras.Input(shape=shape)
    x = inputs
    names = list(blocks) if blocks else [
        list(BLOCKS)[int(rng.integers(len(BLOCKS)))] for _ in range(int(rng.integers(1, 5)))]
    for name in names:
        x = (BLOCKS | EXTRA_BLOCKS)[name](x, rng)
    x = keras.layers.Flatten()(x)
    x = keras.layers.Dense(int(rng.integers(2, 11)), activation=_activation(rng))(x)
    if rng.random() < 0.5:
        x = keras.layers.Softmax()(x)
    model = keras.Model(inputs, x)
    # Random weights and biases, so quantization parameters vary between layers and channels.
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(np.float32)
                       * rng.uniform(0.2, 2.0) for w in model.get_weights()])
    return model


def to_int8_tflite(model: Any, seed: int, samples: int = 24, float_io: bool = False,
                   per_channel_dense: bool = False) -> bytes:
    """Full-integer post-training quantization with int8 input and output (float32 input and
    output around QUANTIZE/DEQUANTIZE when `float_io`; per-channel FC weights on request)."""
    import tensorflow as tf

    rng = np.random.default_rng(seed + 1)
    shape = (1, *model.input_shape[1:])
    dataset = [rng.normal(0.0, 1.0, size=shape).astype(np.float32) for _ in range(samples)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in dataset)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter._experimental_disable_per_channel_quantization_for_dense_layers = (
        not per_channel_dense)
    if not float_io:
        converter.inference_input_type = tf.int8
        converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def random_int8_model(seed: int, blocks: Sequence[str] | None = None,
                      float_io: bool = False, per_channel_dense: bool = False) -> bytes:
    return to_int8_tflite(build_model(seed, blocks), seed, float_io=float_io,
                          per_channel_dense=per_channel_dense)


def unsupported_op_model(seed: int = 0) -> bytes:
    """Dense -> cumsum -> Dense: CUMSUM has no int8 kernel, so it stays a float op between a
    DEQUANTIZE and a QUANTIZE; the compiler must refuse it."""
    import tensorflow as tf

    keras = _keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=(6,))
    x = keras.layers.Dense(6)(inputs)
    x = keras.layers.Lambda(lambda t: tf.math.cumsum(t, axis=-1), name="running_total")(x)
    x = keras.layers.Dense(3)(x)
    model = keras.Model(inputs, x)
    dataset = [rng.normal(size=(1, 6)).astype(np.float32) for _ in range(8)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in dataset)
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def two_input_two_output_model(seed: int) -> bytes:
    """Two NHWC inputs joined by an ADD, then two heads: a softmax classifier and a regressor."""
    keras = _keras()
    rng = np.random.default_rng(seed)
    first = keras.Input(shape=(6, 6, 2))
    second = keras.Input(shape=(6, 6, 2))
    x = keras.layers.Add()([keras.layers.Conv2D(4, 3, padding="same")(first),
                            keras.layers.Conv2D(4, 1)(second)])
    x = keras.layers.Flatten()(keras.layers.AveragePooling2D(2)(x))
    classes = keras.layers.Dense(3, activation="softmax")(x)
    values = keras.layers.Dense(2)(x)
    model = keras.Model([first, second], [classes, values])
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    import tensorflow as tf

    dataset = [[rng.normal(size=(1, 6, 6, 2)).astype(np.float32) for _ in range(2)]
               for _ in range(16)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: iter(dataset)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())


def _space_to_batch_keras() -> Any:
    import tensorflow as tf

    keras = _keras()
    inputs = keras.Input(shape=(9, 9, 3), batch_size=1)
    x = keras.layers.Lambda(lambda t: tf.space_to_batch_nd(t, [2, 2], [[1, 2], [3, 0]]))(inputs)
    x = keras.layers.ReLU()(x)
    x = keras.layers.Lambda(lambda t: tf.batch_to_space(t, [2, 2], [[1, 0], [0, 2]]))(x)
    return keras.Model(inputs, x)


def space_to_batch_model(seed: int) -> bytes:
    """SPACE_TO_BATCH_ND (padded) -> RELU -> BATCH_TO_SPACE_ND (cropped) with a fixed batch, so
    TFLite Micro, which cannot resize tensors, runs it too."""
    return to_int8_tflite(_space_to_batch_keras(), seed)


def space_to_batch_16x8_model(seed: int) -> bytes:
    """space_to_batch_model quantized 16x8."""
    return to_16x8_tflite(_space_to_batch_keras(), seed)


def space_to_batch_float_model(seed: int) -> bytes:
    """space_to_batch_model converted without quantization (float32 throughout)."""
    import tensorflow as tf

    return bytes(tf.lite.TFLiteConverter.from_keras_model(_space_to_batch_keras()).convert())


def bare_block_model(seed: int, block: str) -> bytes:
    """Input -> one block -> output, so the block's own output is compared value by value."""
    keras = _keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=(int(rng.integers(3, 11)), int(rng.integers(3, 11)),
                                int(rng.integers(1, 5))))
    model = keras.Model(inputs, (BLOCKS | EXTRA_BLOCKS)[block](inputs, rng))
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    return to_int8_tflite(model, seed)


def random_16x8_model(seed: int, blocks: str, io: str = "int16") -> bytes:
    """A random model of the comma-separated `blocks`, quantized 16x8 (int16 activations,
    int8 weights, int64 biases), with int16 input and output or, for io="float", float32 ones
    around QUANTIZE and DEQUANTIZE."""
    return to_16x8_tflite(build_model(seed, None if blocks == "any" else blocks.split(",")),
                          seed, io)


def sigmoid_16x8_model(seed: int, kind: str, input_range: str) -> bytes:
    """One Keras sigmoid or tanh layer (`kind`) on a [1, 65536] int16 input, calibrated on
    +-`input_range` so the input scale is input_range / 32767: every int16 value fits in one
    invocation."""
    keras = _keras()
    inputs = keras.Input(shape=(65536,), batch_size=1)
    model = keras.Model(inputs, keras.layers.Activation(kind)(inputs))
    edge = np.float32(input_range)
    return to_16x8_tflite(model, seed, dataset=[np.full((1, 65536), edge, np.float32),
                                                np.full((1, 65536), -edge, np.float32)])


def dense_sigmoid_16x8_model(seed: int, kind: str) -> bytes:
    """Dense, then a standalone Keras sigmoid or tanh (`kind`), then Dense, quantized 16x8."""
    keras = _keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=(int(rng.integers(4, 12)),))
    x = keras.layers.Activation(kind)(keras.layers.Dense(int(rng.integers(4, 12)))(inputs))
    model = keras.Model(inputs, keras.layers.Dense(int(rng.integers(2, 6)))(x))
    model.set_weights([rng.normal(0.0, 1.0, size=w.shape).astype(np.float32)
                       * rng.uniform(0.5, 3.0) for w in model.get_weights()])
    return to_16x8_tflite(model, seed)


def to_16x8_tflite(model: Any, seed: int, io: str = "int16",
                   dataset: list[np.ndarray] | None = None) -> bytes:
    """16x8 post-training quantization of `model` (int16 or, for io="float", float32 input
    and output), calibrated on `dataset` or on random normal inputs."""
    import tensorflow as tf

    if dataset is None:
        rng = np.random.default_rng(seed + 1)
        shape = (1, *model.input_shape[1:])
        dataset = [rng.normal(0.0, 1.0, size=shape).astype(np.float32) for _ in range(24)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in dataset)
    converter.target_spec.supported_ops = [
        tf.lite.OpsSet.EXPERIMENTAL_TFLITE_BUILTINS_ACTIVATIONS_INT16_WEIGHTS_INT8]
    if io == "int16":
        converter.inference_input_type = tf.int16
        converter.inference_output_type = tf.int16
    return bytes(converter.convert())


def random_float_model(seed: int, blocks: str) -> bytes:
    """A random model of the comma-separated `blocks` ("any" for a random stack), converted
    without quantization (float32 throughout)."""
    import tensorflow as tf

    model = build_model(seed, None if blocks == "any" else blocks.split(","))
    return bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())


def lstm_model(seed: int) -> bytes:
    """A Keras LSTM with a fixed batch, full-integer quantized: UNIDIRECTIONAL_SEQUENCE_LSTM,
    whose hidden and cell state are variable tensors."""
    keras = _keras()
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=(5, 4), batch_size=1)
    x = keras.layers.LSTM(6, return_sequences=True)(inputs)
    model = keras.Model(inputs, keras.layers.Dense(3)(keras.layers.Flatten()(x)))
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    return to_int8_tflite(model, seed)


# Input shape (with batch) and whether the LSTM reads it time-major, per lstm_sequence_model
# layout.
_LSTM_LAYOUTS = {"batch_major": ((1, 6, 5), False), "batches": ((3, 4, 5), False),
                 "time_major": ((6, 2, 5), True), "mnist": ((1, 28, 28), False)}


def lstm_sequence_model(seed: int, layout: str) -> bytes:
    """A Keras LSTM (unroll=False) converted with full-integer quantization to one
    UNIDIRECTIONAL_SEQUENCE_LSTM. Its output is the whole hidden-state sequence for the layouts
    "batch_major" ([1, time, input]), "batches" (three sequences) and "time_major"
    ([time, 2, input]); "mnist" is TFLM's mnist_lstm example: 28 rows of 28 pixels, LSTM(20),
    Flatten, Dense(10) and softmax."""
    import tensorflow as tf

    keras = _keras()
    shape, time_major = _LSTM_LAYOUTS[layout]
    rng = np.random.default_rng(seed)
    inputs = keras.Input(shape=shape[1:], batch_size=shape[0])
    units = 20 if layout == "mnist" else 7
    x = keras.layers.LSTM(units, return_sequences=True, time_major=time_major,
                          unroll=False)(inputs)
    if layout == "mnist":
        x = keras.layers.Dense(10, activation="softmax")(keras.layers.Flatten()(x))
    model = keras.Model(inputs, x)
    model.set_weights([rng.normal(0.0, 0.6, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    dataset = [rng.normal(0.0, 1.0, size=shape).astype(np.float32) for _ in range(16)]
    converter = tf.lite.TFLiteConverter.from_keras_model(model)
    converter.optimizations = [tf.lite.Optimize.DEFAULT]
    converter.representative_dataset = lambda: ([x] for x in dataset)
    converter.target_spec.supported_ops = [tf.lite.OpsSet.TFLITE_BUILTINS_INT8]
    converter.inference_input_type = tf.int8
    converter.inference_output_type = tf.int8
    return bytes(converter.convert())
