"""A convolution streamed into the FULLY_CONNECTED that consumes it (stream_fusion.py): the
convolution's output never exists whole, and the bytes stay TFLite Micro's."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite, load_graph, prepare
from deploy_targets.compiler.lowering import lower_graph
from tests.compiler.reference import build_harness, random_inputs, run_compiled
from tests.compiler.test_generated_models import assert_exact

# (name, layer, input shape): the edge cases of the band arithmetic, each followed by
# Flatten (a RESHAPE) and Dense. Odd sizes so the last band and the padding rows differ from
# the others; stride 2 so a band's input rows start between the padding rows.
LAYERS = [
    ("conv_same_stride2_odd", "conv:3x3:same:2x2", (7, 9, 3)),
    ("conv_valid_stride2x1", "conv:2x3:valid:2x1", (9, 5, 2)),
    ("conv_same_5x5_tall_kernel", "conv:5x1:same:1x1", (6, 4, 1)),
    ("depthwise_same_stride2_multiplier2", "depthwise:3x3:same:2x2:2", (7, 7, 3)),
    ("depthwise_valid", "depthwise:3x2:valid:1x1:1", (5, 6, 4)),
    ("conv_one_output_row", "conv:3x3:valid:1x1", (3, 8, 2)),
]


def _build(layer: str, shape: tuple[int, int, int], seed: int) -> bytes:
    from tests.compiler.model_factory import _keras, to_int8_tflite

    keras = _keras()
    rng = np.random.default_rng(seed)
    kind, kernel, padding, strides, *rest = layer.split(":")
    kernel_hw = tuple(int(v) for v in kernel.split("x"))
    strides_hw = tuple(int(v) for v in strides.split("x"))
    inputs = keras.Input(shape=shape)
    if kind == "conv":
        x = keras.layers.Conv2D(5, kernel_hw, strides=strides_hw, padding=padding,
                                activation="relu")(inputs)
    else:
        x = keras.layers.DepthwiseConv2D(kernel_hw, strides=strides_hw, padding=padding,
                                         depth_multiplier=int(rest[0]))(inputs)
    x = keras.layers.Dense(6)(keras.layers.Flatten()(x))
    model = keras.Model(inputs, x)
    model.set_weights([rng.normal(0.0, 0.5, size=w.shape).astype(np.float32)
                       for w in model.get_weights()])
    return to_int8_tflite(model, seed)


@pytest.fixture(scope="module")
def layer_model(request: pytest.FixtureRequest) -> Callable[[str], bytes]:
    cache_dir = Path(request.config.cache.mkdir("mcuforge_compiler_models"))
    # The models change when this file or the factory's conversion does.
    factory = Path(__file__).parent / "model_factory.py"
    digest = hashlib.sha256(factory.read_bytes() + Path(__file__).read_bytes())
    digest_text = digest.hexdigest()[:12]

    def make(name: str) -> bytes:
        _, layer, shape = next(case for case in LAYERS if case[0] == name)
        path = cache_dir / f"stream-{digest_text}-{name}.tflite"
        if not path.exists():
            path.write_bytes(_build(layer, shape, 500 + LAYERS.index((name, layer, shape))))
        return path.read_bytes()

    return make


@pytest.mark.parametrize("name", [case[0] for case in LAYERS])
def test_streamed_convolution_is_exact(name: str, layer_model: Callable[[str], bytes],
                                       tmp_path: Path) -> None:
    model_bytes = layer_model(name)
    steps = prepare(model_bytes).steps
    kinds = [s.kind for s in steps]
    assert any(k.endswith("+FULLY_CONNECTED") for k in kinds), kinds
    assert "FULLY_CONNECTED" not in kinds
    assert_exact(model_bytes, tmp_path, seed=LAYERS.index(next(c for c in LAYERS
                                                               if c[0] == name)))
    # The Cortex-M fast kernels on the host (portable twins) give the same bytes.
    library = compile_tflite(model_bytes, tmp_path / "fast")
    spec, output = library.inputs[0], library.outputs[0]
    inputs = random_inputs(np.random.default_rng(1), np.dtype(spec.dtype), spec.shape, 4)
    outputs = [run_compiled(build_harness(tmp_path / "fast", (f"MF_FAST_KERNELS={fast}",),
                                          f"h{fast}"), inputs, np.dtype(output.dtype),
                            output.shape) for fast in (0, 1)]
    for reference, fast in zip(*outputs, strict=True):
        assert fast.tobytes() == reference.tobytes()


def test_streamed_convolution_output_takes_no_arena(layer_model: Callable[[str], bytes]) -> None:
    model_bytes = layer_model("conv_same_stride2_odd")
    plan = prepare(model_bytes).plan
    unfused_plan = prepare(model_bytes, in_place=False).plan
    # Conv output 4x5x5 = 100 bytes, Dense 6 outputs: streamed, 6 sums, one 5x5 row and the
    # fast path's column scratch (4 positions x 27 taps) replace the conv's output.
    assert plan.arena_bytes < unfused_plan.arena_bytes
    graph = load_graph(model_bytes)
    conv = next(op for op in graph.operators if op.kind == "CONV_2D")
    assert all(conv.outputs[0] not in b.tensors for b in plan.buffers)


def test_a_convolution_output_read_elsewhere_is_not_streamed(
        layer_model: Callable[[str], bytes]) -> None:
    graph = load_graph(layer_model("conv_valid_stride2x1"))
    conv = next(op for op in graph.operators if op.kind == "CONV_2D")
    graph.outputs.append(conv.outputs[0])  # now also a model output: it must exist whole
    kinds = [s.kind for s in lower_graph(graph)]
    assert "CONV_2D" in kinds and "FULLY_CONNECTED" in kinds


def test_micro_speech_streams_its_depthwise_convolution(shared_models: Path) -> None:
    prepared = prepare((shared_models / "micro_speech_int8.tflite").read_bytes())
    assert [s.kind for s in prepared.steps] == [
        "RESHAPE", "DEPTHWISE_CONV_2D+FULLY_CONNECTED", "SOFTMAX"]
    # Four int32 sums and one 20x8 row of the depthwise output, then the 4 FC outputs; the
    # 25x20x8 = 4000-byte depthwise output was the arena before.
    assert prepared.plan.arena_bytes == 4 * 4 + 20 * 8 + 4
    # With the caller's 1960-byte input and 4-byte output, under 0.6x TFLite Micro's 7584.
    assert prepared.plan.arena_bytes + 1960 + 4 <= 0.6 * 7584
