"""The quantization helpers against hand-computed values and TFLite's formulas, and the C++
runtime's integer primitives against the Python ones."""

from __future__ import annotations

import doctest
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.compiler import c_literals, quantization
from deploy_targets.compiler import quantization as q
from deploy_targets.compiler.emit import RUNTIME_DIR

HARNESS_DIR = Path(__file__).parent / "harness"


@pytest.mark.parametrize("module", [quantization, c_literals])
def test_doctests(module: object) -> None:
    result = doctest.testmod(module)  # type: ignore[arg-type]
    assert result.attempted > 0 and result.failed == 0


@pytest.mark.parametrize(("real", "expected"), [
    (0.5, (1 << 30, 0)),
    (0.25, (1 << 30, -1)),
    (1.0, (1 << 30, 1)),
    (3.0, (1610612736, 2)),          # frexp(3) = 0.75 * 2^2; 0.75 * 2^31
    (0.1, (1717986918, -3)),         # 0.8 * 2^-3; round(0.8 * 2^31) = 1717986918
    (2.0 ** -40, (0, 0)),            # shift below -31 flushes to zero
    (1.0 - 2.0 ** -33, (1 << 30, 1)),  # rounds to 2^31, renormalised
])
def test_quantize_multiplier_hand_values(real: float, expected: tuple[int, int]) -> None:
    assert q.quantize_multiplier(real) == expected


def test_quantize_multiplier_represents_the_real_value(rng: np.random.Generator) -> None:
    for real in rng.uniform(1e-6, 100.0, size=200):
        multiplier, shift = q.quantize_multiplier(float(real))
        assert (1 << 30) <= multiplier < (1 << 31)
        assert abs(multiplier * 2.0 ** (shift - 31) - real) <= real * 2.0 ** -30


def test_rounding_divide_by_pot_rounds_half_away_from_zero() -> None:
    assert [q.rounding_divide_by_pot(x, 1) for x in (5, -5, 4, -3, 3)] == [3, -3, 2, -2, 2]
    assert [q.rounding_divide_by_pot(x, 2) for x in (7, -6, 6, -7)] == [2, -2, 2, -2]


def test_saturating_rounding_doubling_high_mul() -> None:
    assert q.saturating_rounding_doubling_high_mul(q.INT32_MIN, q.INT32_MIN) == q.INT32_MAX
    assert q.saturating_rounding_doubling_high_mul(1 << 30, 1 << 30) == 1 << 29
    assert q.saturating_rounding_doubling_high_mul(3, 1 << 30) == 2  # 1.5 rounds up
    assert q.saturating_rounding_doubling_high_mul(-3, 1 << 30) == -1  # nudge is 1 - 2^30


def test_activation_ranges() -> None:
    assert q.activation_range("NONE", 0.1, 3, "int8") == (-128, 127)
    assert q.activation_range("RELU", 0.1, 3, "int8") == (3, 127)
    assert q.activation_range("RELU6", 0.05, -128, "int8") == (-128, -8)
    assert q.activation_range("RELU_N1_TO_1", 1 / 128, 0, "int8") == (-128, 127)
    with pytest.raises(ValueError, match="TANH"):
        q.activation_range("TANH", 0.1, 0, "int8")


def test_add_multipliers_by_hand() -> None:
    # twice the larger scale is 1.0: input1 x0.5, input2 x0.25, output 1.0 / 2^20.
    assert q.add_multipliers(0.5, 0.25, 1.0) == ((1 << 30, 0), (1 << 30, -1), (1 << 30, -19))


@pytest.mark.parametrize("subtract", [0, 1])
@pytest.mark.parametrize("conv_is_input1", [True, False])
def test_residual_sum_table_holds_each_operands_rescaled_values(subtract: int,
                                                                conv_is_input1: bool) -> None:
    from deploy_targets.compiler.ops.add import residual_sum_table
    from deploy_targets.compiler.steps import ParamStruct

    (m1, s1), (m2, s2), _ = q.add_multipliers(0.05, 0.02, 0.07)
    fields = {"input1_offset": 3, "input1_multiplier": m1, "input1_shift": s1,
              "input2_offset": -7, "input2_multiplier": m2, "input2_shift": s2,
              "left_shift": 20, "subtract": subtract}
    params = ParamStruct("mf::AddParams", "p", [(k, str(v)) for k, v in fields.items()])
    table = residual_sum_table(params, conv_is_input1, "t").values
    assert table.shape == (512,)
    for value in (-128, -1, 0, 5, 127):
        input1 = q.add_scaled_input(value, 3, m1, s1)
        input2 = q.add_scaled_input(value, -7, m2, s2) * (-1 if subtract else 1)
        conv, residual = (input1, input2) if conv_is_input1 else (input2, input1)
        # The convolution's operand first, indexed from -128; SUB's input 2 negated.
        assert (table[value + 128], table[256 + value + 128]) == (conv, residual)
    # 0.05 is the larger scale: input 1's multiplier is 0.5, so its value is (v + 3) * 2^19.
    assert q.add_scaled_input(-1, 3, m1, s1) == 2 << 19


def test_softmax_parameters_by_hand() -> None:
    # beta * scale * 2^26 = 2^22 = 0.5 * 2^23; diff_min = -floor(31 * 2^26 / 2^23).
    assert q.softmax_parameters(1.0, 1 / 16) == (1 << 30, 23, -248)


def test_per_tensor_conv_multiplier_multiplies_scales_in_float32() -> None:
    input_scale, filter_scale, output_scale = 0.0235294122248888, 0.00392156885936856, 0.0872
    product32 = float(np.float32(input_scale) * np.float32(filter_scale))
    assert q.per_tensor_conv_multiplier(input_scale, filter_scale, output_scale) == \
        q.quantize_multiplier(product32 / output_scale)


def test_runtime_primitives_match_python(tmp_path: Path, rng: np.random.Generator) -> None:
    executable = tmp_path / "fixed_point"
    subprocess.run(["g++", "-std=c++11", "-O2", "-Wall", "-Wextra", "-Werror", "-I",
                    str(RUNTIME_DIR.parent), str(HARNESS_DIR / "fixed_point_main.cpp"), "-o",
                    str(executable)], check=True)
    cases = [(q.INT32_MIN, q.INT32_MIN, 0), (q.INT32_MAX, q.INT32_MAX, 0), (-1, 1 << 30, -1),
             (5, 1 << 30, -1), (-5, 1 << 30, -1)]
    for _ in range(2000):
        multiplier, shift = q.quantize_multiplier(float(rng.uniform(1e-5, 4.0)))
        cases.append((int(rng.integers(-(1 << 24), 1 << 24)), multiplier, shift))
    text = "".join(f"{x} {m} {s}\n" for x, m, s in cases)
    result = subprocess.run([str(executable)], input=text, capture_output=True, text=True,
                            check=True)
    for (x, m, s), line in zip(cases, result.stdout.splitlines(), strict=True):
        expected = (q.saturating_rounding_doubling_high_mul(x, m),
                    q.rounding_divide_by_pot(x, -s if s < 0 else 0),
                    q.multiply_by_quantized_multiplier(x, m, s))
        assert tuple(int(v) for v in line.split()) == expected, (x, m, s)
