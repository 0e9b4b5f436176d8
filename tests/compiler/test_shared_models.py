"""Conformance on the shared models: the compiled C++ is byte-identical to TFLite Micro, and its
LiteRT-rounding build to the LiteRT (TFLite) interpreter's reference kernels; arena <= 0.7x TFLM."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import compile_tflite
from tests.compiler.reference import (
    build_harness,
    random_inputs,
    run_compiled,
    run_litert,
    run_tflm,
)

# The smallest arena each model runs in under TensorFlow Lite Micro (measured by the project).
TFLM_ARENA_BYTES = {
    "hello_world_int8": 1936,
    "micro_speech_int8": 7584,
    "mlperf_kws_dscnn_int8": 24272,
    "mlperf_ic_resnet8_int8": 55984,
    "mlperf_ad_autoencoder_int8": 4640,
}
INPUTS_PER_MODEL = 6


@pytest.fixture(scope="module", params=sorted(TFLM_ARENA_BYTES))
def shared_model(request: pytest.FixtureRequest, shared_models: Path,
                 tmp_path_factory: pytest.TempPathFactory) -> dict:
    model_name = request.param
    model_bytes = (shared_models / f"{model_name}.tflite").read_bytes()
    out_dir = tmp_path_factory.mktemp(model_name)
    library = compile_tflite(model_bytes, out_dir)
    rng = np.random.default_rng(sum(model_name.encode()))
    spec = library.inputs[0]
    inputs = random_inputs(rng, np.dtype(spec.dtype), spec.shape, INPUTS_PER_MODEL)
    return {"name": model_name, "bytes": model_bytes, "library": library, "inputs": inputs}


def _run(model: dict, defines: tuple[str, ...] = ()) -> list[np.ndarray]:
    library = model["library"]
    executable = build_harness(library.out_dir, defines, f"harness{len(defines)}.bin")
    output = library.outputs[0]
    return run_compiled(executable, model["inputs"], np.dtype(output.dtype), output.shape)


def test_matches_tflite_micro_byte_for_byte(shared_model: dict) -> None:
    ours = _run(shared_model)
    expected = run_tflm(shared_model["bytes"], shared_model["inputs"])
    for got, want in zip(ours, expected, strict=True):
        assert got.tobytes() == want.tobytes()


def test_litert_rounding_build_matches_litert_reference_kernels(shared_model: dict) -> None:
    ours = _run(shared_model, ("MF_LITERT_ROUNDING",))
    expected = run_litert(shared_model["bytes"], shared_model["inputs"], reference_kernels=True)
    for got, want in zip(ours, expected, strict=True):
        assert got.tobytes() == want.tobytes()


def test_arena_is_at_most_70_percent_of_tflite_micro(shared_model: dict) -> None:
    library = shared_model["library"]
    assert library.arena_bytes <= 0.7 * TFLM_ARENA_BYTES[shared_model["name"]]
    assert library.input_bytes == int(np.prod(library.inputs[0].shape)) * np.dtype(
        library.inputs[0].dtype).itemsize


def test_resnet8_meets_the_arena_goal_with_its_fusions(shared_models: Path) -> None:
    from deploy_targets.compiler import prepare
    from deploy_targets.compiler.lowering import fast_conv_scratch_bytes

    model = (shared_models / "mlperf_ic_resnet8_int8.tflite").read_bytes()
    prepared = prepare(model)
    fused = prepared.plan.arena_bytes
    unfused = prepare(model, in_place=False).plan.arena_bytes
    # The first two residual blocks' first convolutions run row by row into their second
    # (chain_fusion.py). The peak is the second block: its 32x32x16 input (the shortcut still
    # needs it), its 16x16x32 output, a three-row window of the first convolution's
    # 16x16x32 output, and the fast path's columns for a 3x3 convolution of 32 channels.
    # The third block's is not: the peak is elsewhere, and unfused it makes fewer calls.
    assert [s.function for s in prepared.steps].count("mf::conv_2d_then_conv_2d") == 1
    assert "mf::conv_2d_then_conv_2d_add" in [s.function for s in prepared.steps]
    assert fused == (32 * 32 * 16 + 16 * 16 * 32 + 3 * 16 * 32
                     + fast_conv_scratch_bytes(3 * 3 * 32))
    assert unfused == 3 * 32 * 32 * 16 + fast_conv_scratch_bytes(3 * 3 * 16)  # + second conv output
    # RAM with the caller's 3072-byte input and 10-byte output: under 0.6x TFLite Micro.
    assert fused + 32 * 32 * 3 + 10 <= 0.6 * TFLM_ARENA_BYTES["mlperf_ic_resnet8_int8"] < unfused


def test_kws_runs_pointwise_and_depthwise_convolutions_in_place(shared_models: Path) -> None:
    from deploy_targets.compiler import prepare
    from deploy_targets.compiler.lowering import fast_conv_scratch_bytes

    model = (shared_models / "mlperf_kws_dscnn_int8.tflite").read_bytes()
    prepared = prepare(model)
    functions = [s.function for s in prepared.steps]
    assert functions.count("mf::depthwise_conv_2d_in_place") == 4
    assert functions.count("mf::conv_2d_1x1_in_place") == 4
    # One 25x5x64 activation plus a two-row ring buffer for the 3x3 depthwise convolutions.
    assert prepared.plan.arena_bytes == 25 * 5 * 64 + 2 * 5 * 64
    # Out of place: two activations and a 1x1 convolution's fast-path columns (64 channels).
    assert prepare(model, in_place=False).plan.arena_bytes == 2 * 25 * 5 * 64 + fast_conv_scratch_bytes(
        64)


def test_micro_speech_streams_its_depthwise_convolution(shared_models: Path) -> None:
    from deploy_targets.compiler import prepare

    prepared = prepare((shared_models / "micro_speech_int8.tflite").read_bytes())
    assert [s.kind for s in prepared.steps] == [
        "RESHAPE",
        "DEPTHWISE_CONV_2D+FULLY_CONNECTED",
        "SOFTMAX",
    ]
    # Four int32 sums and one 20x8 row of the depthwise output, then the 4 FC outputs; the
    # 25x20x8 = 4000-byte depthwise output was the arena before.
    assert prepared.plan.arena_bytes == 4 * 4 + 20 * 8 + 4
    # With the caller's 1960-byte input and 4-byte output, under 0.6x TFLite Micro's 7584.
    assert prepared.plan.arena_bytes + 1960 + 4 <= 0.6 * 7584
