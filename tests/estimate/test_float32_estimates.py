"""float32 RAM on the Deployment page: the TFLM arena measured (at training, or now), or why not."""

from __future__ import annotations

from pathlib import Path

from deploy_targets.boards import BOARDS
from worker.deployment.estimates import Cost, fits_unknown_reason, float32_model_cost

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
