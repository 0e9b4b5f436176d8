"""float32 RAM on the Deployment page: the TFLM arena measured (at training, or now), or why not."""

from __future__ import annotations

from pathlib import Path

import pytest

from deploy_targets.boards import BOARDS, get_board
from deploy_targets.estimate import estimate_library
from worker.deployment.estimates import (
    SOFT_FLOAT_INSTRUCTIONS_PER_MAC,
    Cost,
    fits_unknown_reason,
    float32_cost,
    float32_model_cost,
    float32_refusal,
)

FIXTURES = Path(__file__).parent / "fixtures"
BOARD = next(iter(BOARDS.values()))
SIZES = {"float32": {"weight_bytes": 6400, "mac_count": 1600, "arena_bytes": None,
                     "arena_note": "tflite-micro is not installed on the worker"}}


def test_the_arena_measured_at_training_is_used() -> None:
    sizes = {"float32": {**SIZES["float32"], "arena_bytes": 2032}}
    cost = float32_model_cost(sizes, None, BOARD)
    assert cost.ram_bytes == 2032
    assert any("measured at training" in note for note in cost.notes)


def test_an_arena_missing_since_training_is_measured_now() -> None:
    # Any .tflite takes the TFLM probe; the stored fixture stands in for a float32 model.
    model = (FIXTURES / "dense_spectral_6axis_int8.tflite").read_bytes()
    cost = float32_model_cost(SIZES, None, BOARD, model)
    assert cost.ram_bytes is not None and cost.ram_bytes > 0
    assert any("measured now with the TFLM probe" in note for note in cost.notes)


def test_an_unknown_arena_says_why_in_words() -> None:
    cost = float32_model_cost(SIZES, None, BOARD)
    assert cost.ram_bytes is None
    assert "RAM: the float32 arena is unknown: tflite-micro is not installed" in cost.notes[-1]
    reason = fits_unknown_reason({"DSP block": None, "model": cost})
    assert reason == (
        "the model's RAM is unknown (RAM: the float32 arena is unknown: tflite-micro is not "
        "installed on the worker)"
    )


def test_nothing_to_explain_when_every_figure_is_there() -> None:
    assert fits_unknown_reason({"model": Cost(1.0, 10, 20, "qemu", "measured")}) is None


def test_a_core_without_fpu_pays_soft_float_for_each_float32_mac() -> None:
    with_fpu = float32_model_cost(SIZES, None, get_board("nano33ble"))
    without = float32_model_cost(SIZES, None, get_board("rp2040"))
    assert without.latency_ms is not None and with_fpu.latency_ms is not None
    # 1600 MACs at 200 instructions each, 1.3 cycles per instruction, 133 MHz.
    assert without.latency_ms == pytest.approx(1600 * 200 * 1.3 / 133e3)
    assert "no FPU" in without.basis
    assert without.latency_ms > 20 * with_fpu.latency_ms


@pytest.mark.toolchain
def test_soft_float_mac_cost(arm_toolchain: None, fixtures_dir: Path) -> None:
    """SOFT_FLOAT_INSTRUCTIONS_PER_MAC is what a float dot product costs on the Cortex-M0+
    (the fixture's setup loop, 1024 conversions, counts on top: about 10 %)."""
    estimate = estimate_library(fixtures_dir / "float_dot", "float_dot", "rp2040")
    assert estimate.instructions is not None
    per_mac = estimate.instructions / 10240
    assert 0.9 * SOFT_FLOAT_INSTRUCTIONS_PER_MAC <= per_mac <= 1.25 * SOFT_FLOAT_INSTRUCTIONS_PER_MAC
    with_fpu = estimate_library(fixtures_dir / "float_dot", "float_dot", "nano33ble")
    assert with_fpu.instructions is not None and with_fpu.instructions / 10240 < 10


def test_a_float32_model_that_does_not_compile_falls_back_and_is_not_deployable() -> None:
    cost = float32_cost(SIZES, None, BOARD, b"not a model")
    assert cost.method == "mac-estimate" and cost.latency_ms is not None
    assert cost.notes[0].startswith("the float32 model does not compile: not a TFLite")
    refusal = float32_refusal(cost, b"not a model")
    assert refusal is not None and "not a TFLite flatbuffer" in refusal


def test_without_a_float32_model_file_float32_is_not_deployable() -> None:
    cost = float32_cost(SIZES, None, BOARD, None)
    assert cost.method == "mac-estimate"
    assert float32_refusal(cost, None) == (
        "the trained model has no float32 .tflite to compile; train again"
    )
