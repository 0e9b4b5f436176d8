"""The operators around the SVDFs of TFLite Micro's keyword_scrambled models: QUANTIZE int16 ->
int8 at the input, SOFTMAX int8 -> int16 and QUANTIZE int16 -> int32 at the output. Each in a
model written as a flatbuffer (tests/compiler/svdf_models.py), byte for byte against TFLite
Micro over its input range and at its extremes, then all together around SVDFs.

The real models are not in the repository: set MCUFORGE_KEYWORD_SCRAMBLED_DIR to a folder
holding TFLite Micro's keyword_scrambled.tflite and keyword_scrambled_8bit.tflite to check them
too.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import CompileError, compile_tflite, load_graph
from tests.compiler.reference import build_harness, random_inputs, run_compiled, run_tflm
from tests.compiler.svdf_models import ModelBuilder, keyword_scrambled_model, quantize, softmax
from tests.compiler.test_fast_path import (  # noqa: F401 (a fixture)
    arm_toolchain,
    assert_cortex_m4_equals_host,
)
from tests.compiler.test_generated_models import assert_exact


def _outputs_equal_tflm(model_bytes: bytes, out_dir: Path, inputs: list[np.ndarray]
                        ) -> list[np.ndarray]:
    """The compiled model's outputs, asserted equal to TFLite Micro's."""
    library = compile_tflite(model_bytes, out_dir)
    output = library.outputs[0]
    ours = run_compiled(build_harness(out_dir), inputs, np.dtype(output.dtype), output.shape)
    for index, (got, want) in enumerate(zip(ours, run_tflm(model_bytes, inputs), strict=True)):
        assert got.dtype == want.dtype
        assert got.tobytes() == want.tobytes(), (
            f"input {index}: {int(np.count_nonzero(got != want))} of {got.size} values differ "
            "from TFLite Micro")
    return ours


def _with_extremes(rng: np.random.Generator, dtype: type, shape: tuple[int, ...], count: int
                   ) -> list[np.ndarray]:
    info = np.iinfo(dtype)
    return ([np.full(shape, info.min, dtype), np.full(shape, info.max, dtype)]
            + random_inputs(rng, np.dtype(dtype), shape, count))


def _quantize_model(shape: tuple[int, ...], source: tuple[float, int],
                    target: tuple[type, float, int]) -> bytes:
    b = ModelBuilder()
    inp = b.tensor("input", shape, np.int16, *source)
    out = quantize(b, inp, b.tensor("output", shape, *target))
    return b.finish([inp], [out])


# (input scale, input zero point), (output type, scale, zero point)
QUANTIZE_CASES = {
    # keyword_scrambled's input: a ratio of 1/95.
    "int8_keyword_scrambled": ((0.000625, 0), (np.int8, 0.05920833, -128)),
    "int8_ratio_above_one": ((0.01, 0), (np.int8, 0.004, 5)),
    "int8_same_scale": ((0.01, 0), (np.int8, 0.01, -3)),
    "int8_input_zero_point": ((0.0005, 1200), (np.int8, 0.05, 3)),
    # keyword_scrambled's output: 1/65535 probabilities offset by -32768 to 1/32767 steps.
    "int32_keyword_scrambled": ((1.0 / 65535, -32768), (np.int32, 1.0 / 32767, 0)),
    "int32_ratio_above_one": ((0.001, 0), (np.int32, 0.0001, 7)),
    "int32_large_ratio": ((0.5, -100), (np.int32, 0.0005, -1000)),
}


@pytest.mark.parametrize("name", QUANTIZE_CASES)
def test_quantize_from_int16_is_exact(name: str, tmp_path: Path) -> None:
    source, target = QUANTIZE_CASES[name]
    model_bytes = _quantize_model((2, 33), source, target)
    inputs = _with_extremes(np.random.default_rng(1), np.int16, (2, 33), 6)
    ours = _outputs_equal_tflm(model_bytes, tmp_path, inputs)
    assert ours[0].dtype == target[0]
    if name == "int8_ratio_above_one":  # both clamps reached
        assert ours[0].min() == -128 and ours[1].max() == 127


def test_quantize_to_int32_keeps_values_beyond_int16(tmp_path: Path) -> None:
    # A ratio of exactly 1024: int16 inputs span 2^25 output steps.
    model_bytes = _quantize_model((1, 8), (0.5, -100), (np.int32, 0.5 / 1024, -1000))
    inputs = [np.array([[-32768, -101, -100, -99, 0, 1, 32766, 32767]], np.int16)]
    [out] = _outputs_equal_tflm(model_bytes, tmp_path, inputs)
    assert out.ravel().tolist() == [(x + 100) * 1024 - 1000 for x in inputs[0].ravel().tolist()]


def _softmax_model(shape: tuple[int, ...], scale: float, zero_point: int, beta: float,
                   out_zero_point: int = -32768) -> bytes:
    b = ModelBuilder()
    inp = b.tensor("input", shape, np.int8, scale, zero_point)
    out = softmax(b, inp, b.tensor("output", shape, np.int16, 1.0 / 65536, out_zero_point),
                  beta)
    return b.finish([inp], [out])


# shape, input scale, zero point, beta
SOFTMAX_CASES = {
    "keyword_scrambled": ((1, 2), 0.06996273, 2, 1.0),
    "rows": ((3, 10), 0.1, -5, 1.0),
    # Most differences fall below diff_min: their exp is 0 and they give -32768.
    "coarse_scale": ((2, 12), 0.5, 0, 1.0),
    "fine_scale_beta": ((2, 7), 0.002, 10, 0.5),
    # A long row: the Q12.19 sum has few bits of headroom left.
    "long_row": ((1, 1000), 0.03, -20, 1.0),
}


@pytest.mark.parametrize("name", SOFTMAX_CASES)
def test_softmax_to_int16_is_exact(name: str, tmp_path: Path) -> None:
    shape, scale, zero_point, beta = SOFTMAX_CASES[name]
    model_bytes = _softmax_model(shape, scale, zero_point, beta)
    one_hot = np.full(shape, -128, np.int8)
    one_hot[..., 0] = 127
    inputs = [one_hot] + _with_extremes(np.random.default_rng(2), np.int8, shape, 6)
    ours = _outputs_equal_tflm(model_bytes, tmp_path, inputs)
    assert ours[0].dtype == np.int16
    if name == "coarse_scale":  # probability 1 saturates at 32767; 0 is -32768
        assert (ours[0][..., 0] == 32767).all() and (ours[0][..., 1:] == -32768).all()


def test_softmax_to_int16_with_another_zero_point_is_refused() -> None:
    with pytest.raises(CompileError, match="scale 1/65536 and zero point -32768"):
        compile_tflite(_softmax_model((1, 4), 0.1, 0, 1.0, out_zero_point=0),
                       Path("/nonexistent"))


def test_quantize_float_to_int32_is_refused(tmp_path: Path) -> None:
    b = ModelBuilder()
    inp = b.tensor("input", (1, 4), np.float32, None)
    out = quantize(b, inp, b.tensor("output", (1, 4), np.int32, 0.01, 0))
    with pytest.raises(CompileError, match="QUANTIZE float32 -> int32 is not supported"):
        compile_tflite(b.finish([inp], [out]), tmp_path)


def test_keyword_scrambled_like_model_is_exact_end_to_end(tmp_path: Path) -> None:
    model_bytes = keyword_scrambled_model(3)
    graph = load_graph(model_bytes)
    assert [op.kind for op in graph.operators] == [
        "QUANTIZE", "SVDF", "FULLY_CONNECTED", "SVDF", "FULLY_CONNECTED", "SOFTMAX", "QUANTIZE"]
    inputs = random_inputs(np.random.default_rng(3), np.dtype(np.int16), (1, 24), 16)
    ours = _outputs_equal_tflm(model_bytes, tmp_path, inputs)
    assert ours[0].dtype == np.int32
    assert len({o.tobytes() for o in ours}) > 1  # the probabilities move with the input


@pytest.mark.toolchain
@pytest.mark.usefixtures("arm_toolchain")
def test_keyword_scrambled_like_model_on_cortex_m4_equals_host(tmp_path: Path) -> None:
    """The int16 input, int32 output and the runtime's templates built for the M4."""
    assert_cortex_m4_equals_host(keyword_scrambled_model(4), tmp_path, 4, count=6)


KEYWORD_SCRAMBLED_DIR = os.environ.get("MCUFORGE_KEYWORD_SCRAMBLED_DIR")


@pytest.mark.skipif(not KEYWORD_SCRAMBLED_DIR,
                    reason="MCUFORGE_KEYWORD_SCRAMBLED_DIR is not set")
@pytest.mark.parametrize("name", ["keyword_scrambled", "keyword_scrambled_8bit"])
def test_tflite_micro_keyword_scrambled_model_is_exact(name: str, tmp_path: Path) -> None:
    path = Path(KEYWORD_SCRAMBLED_DIR or "") / f"{name}.tflite"
    if not path.exists():
        pytest.skip(f"{path} is absent")
    assert_exact(path.read_bytes(), tmp_path, 0, count=30, litert=False)
