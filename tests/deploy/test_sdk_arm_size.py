"""The SDK's own Makefile builds its example for Cortex-M (`make arm`), and what it links fits
the RAM of the board: a 1 s window at 16 kHz (64 KB of floats) must not be held twice."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest

from deploy_targets.boards import get_board
from deploy_targets.sdk import DspSpec, ImpulseSpec, SdkBuild, build_cpp_sdk
from deploy_targets.sdk.build import features_of
from tests.conftest import require

BOARD = get_board("stm32l4")
IMPULSE = ImpulseSpec("Keyword 16k", ("audio",), 16000.0, 16000)
DSP = DspSpec("mfcc", {})
LABELS = ["yes", "no", "noise"]
WINDOW_BYTES = 16000 * 4


def _dense_int8_model(feature_count: int, classes: int) -> bytes:
    """Features -> Dense(classes) -> softmax, full-integer int8: the model's size is not the
    point here, the SDK's buffers around it are."""
    from tests.compiler.model_factory import _keras, to_int8_tflite

    keras = _keras()
    inputs = keras.Input(shape=(feature_count,))
    outputs = keras.layers.Softmax()(keras.layers.Dense(classes)(inputs))
    return to_int8_tflite(keras.Model(inputs, outputs), seed=3)


@pytest.fixture(scope="module")
def keyword_sdk(tmp_path_factory: pytest.TempPathFactory) -> SdkBuild:
    require(shutil.which("arm-none-eabi-g++") is not None, "arm-none-eabi-g++ is not installed")
    _, feature_count = features_of(IMPULSE, DSP)
    return build_cpp_sdk(
        IMPULSE,
        _dense_int8_model(feature_count, len(LABELS)),
        LABELS,
        dsp_blocks=[DSP],
        out_dir=tmp_path_factory.mktemp("keyword") / "keyword_sdk",
        example_window=np.zeros(16000, dtype=np.float32),
    )


def _arm_size(elf: Path) -> tuple[int, int, int]:
    output = subprocess.run(
        ["arm-none-eabi-size", str(elf)], capture_output=True, text=True, check=True
    ).stdout
    row = re.search(r"^\s*(\d+)\s+(\d+)\s+(\d+)\s", output, re.MULTILINE)
    assert row is not None, output
    return int(row[1]), int(row[2]), int(row[3])


@pytest.mark.toolchain
def test_make_arm_links_the_example_within_the_boards_ram(keyword_sdk: SdkBuild) -> None:
    run = subprocess.run(
        ["make", "-C", str(keyword_sdk.out_dir), "arm", f"ARM_CPU={' '.join(BOARD.gcc_flags)}"],
        capture_output=True, text=True, timeout=600,
    )
    assert run.returncode == 0, run.stdout[-3000:] + run.stderr[-3000:]
    text, data, bss = _arm_size(keyword_sdk.out_dir / "build" / "arm" / "example.elf")
    assert data + bss <= BOARD.ram_bytes, (data, bss)
    assert text + data <= BOARD.flash_bytes
    # One raw window (mf_run_classifier's copy) is needed; the continuous mode's window is
    # dropped by --gc-sections because the example never streams.
    assert bss < 2 * WINDOW_BYTES, bss
