"""The DSP's instructions in the estimates count the DSP, not the estimator's harness: the bytes
of its input become the raw window before the measured call, as an application's own buffer is
filled by its own code."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from deploy_targets.estimate import estimate_library
from deploy_targets.sdk import DspSpec, ImpulseSpec
from deploy_targets.sdk.dsp_estimate import DSP_ESTIMATE_NAME, write_dsp_estimate_library
from tests.conftest import require

MOTION = ImpulseSpec("Motion", ("accX", "accY", "accZ"), 100.0, 2000)


@pytest.mark.toolchain
def test_a_core_without_an_fpu_is_not_charged_for_converting_the_input(tmp_path: Path) -> None:
    for tool in ("arm-none-eabi-g++", "qemu-system-arm"):
        require(shutil.which(tool) is not None, f"{tool} is not installed")
    values = MOTION.window_length * len(MOTION.axes)
    library = write_dsp_estimate_library(
        MOTION, [DspSpec("raw", {"scale_axes": 1.0})], tmp_path
    )
    estimate = estimate_library(library, DSP_ESTIMATE_NAME, "rp2040")
    assert estimate.method == "qemu" and estimate.instructions is not None
    # The raw block scales each value, one soft-float multiply on this Cortex-M0+: measured 126
    # instructions a value. Converting each input byte to a float in -1..1 (a subtraction and
    # a division in soft float) within the measured call made it 380.
    assert estimate.instructions < 200 * values, estimate.instructions
